package io.ringloom.internal;

import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.spi.FileSystemProvider;

/**
 * The JDK's own default file-system provider, even when Ringloom's provider is
 * installed as the default (docs/DESIGN.md, "Drop-in"): Ringloom's fallbacks go
 * there directly, because a call through {@code Files} or {@code FileChannel.open}
 * on a default path would come back to Ringloom's provider.
 */
public final class JdkFileSystem {
    private JdkFileSystem() {}

    /** Implemented by a default provider that wraps the JDK's (Ringloom's). */
    public interface Wrapper {
        FileSystemProvider jdkProvider();
    }

    /** The JDK's provider behind the default one. */
    public static FileSystemProvider provider() {
        FileSystemProvider p = FileSystems.getDefault().provider();
        return p instanceof Wrapper w ? w.jdkProvider() : p;
    }

    /** An absolute path of the JDK's provider, never a wrapped one. */
    public static Path path(String absolute) {
        return provider().getPath(URI.create("file://" + absolute));
    }
}
