package io.ringloom.fs;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Objects;

/**
 * A path of {@link RingFileSystem}: the JDK's path with this file system as
 * its owner, so that {@code Files}, which dispatches on
 * {@code path.getFileSystem().provider()}, reaches {@link RingFileSystemProvider}.
 * Every method that answers a path answers a wrapped one; paths of any other
 * file system are foreign, as they are to the JDK's ({@code ProviderMismatchException}
 * where the JDK throws it, false where it answers false).
 */
final class RingPath implements Path {
    /** The file system this path belongs to. */
    private final RingFileSystem fs;
    /** The JDK's path: every question is answered by it. */
    final Path jdk;

    RingPath(RingFileSystem fs, Path jdk) {
        this.fs = fs;
        this.jdk = jdk;
    }

    /** The JDK's path behind {@code path}, which must be one of ours. */
    static Path unwrap(Path path) {
        if (path instanceof RingPath r) return r.jdk;
        if (path == null) throw new NullPointerException();
        throw new ProviderMismatchException();
    }

    private Path wrap(Path p) {
        return fs.wrap(p);
    }

    /**
     * The path to give {@code NativeStrings}: it reads a non-ASCII name's raw
     * bytes only from a path of the default file system, which is this
     * path's own when the provider is installed and the JDK's otherwise.
     */
    Path forKernel() {
        return fs == FileSystems.getDefault() ? this : jdk;
    }

    @Override
    public RingFileSystem getFileSystem() {
        return fs;
    }

    @Override
    public boolean isAbsolute() {
        return jdk.isAbsolute();
    }

    @Override
    public Path getRoot() {
        return wrap(jdk.getRoot());
    }

    @Override
    public Path getFileName() {
        return wrap(jdk.getFileName());
    }

    @Override
    public Path getParent() {
        return wrap(jdk.getParent());
    }

    @Override
    public int getNameCount() {
        return jdk.getNameCount();
    }

    @Override
    public Path getName(int index) {
        return wrap(jdk.getName(index));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
        return wrap(jdk.subpath(beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
        return Objects.requireNonNull(other) instanceof RingPath r && jdk.startsWith(r.jdk);
    }

    @Override
    public boolean endsWith(Path other) {
        return Objects.requireNonNull(other) instanceof RingPath r && jdk.endsWith(r.jdk);
    }

    @Override
    public Path normalize() {
        return wrap(jdk.normalize());
    }

    @Override
    public Path resolve(Path other) {
        return wrap(jdk.resolve(unwrap(other)));
    }

    @Override
    public Path relativize(Path other) {
        return wrap(jdk.relativize(unwrap(other)));
    }

    @Override
    public URI toUri() {
        return jdk.toUri();
    }

    @Override
    public Path toAbsolutePath() {
        return wrap(jdk.toAbsolutePath());
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
        return wrap(jdk.toRealPath(options));
    }

    /**
     * As the JDK's: a {@code File} of the same name. Not the default method,
     * which refuses paths of a file system other than the default one, and
     * not the JDK path's, whose file system is no longer the default when
     * this provider is installed.
     */
    @Override
    public File toFile() {
        return new File(toString());
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers)
            throws IOException {
        if (!(Objects.requireNonNull(watcher) instanceof RingWatchService w)) throw new ProviderMismatchException();
        return w.register(this, events, modifiers);
    }

    /** As the JDK's: comparing with a path of another provider is a {@code ClassCastException}. */
    @Override
    public int compareTo(Path other) {
        return jdk.compareTo(((RingPath) other).jdk);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RingPath r && r.fs == fs && r.jdk.equals(jdk);
    }

    @Override
    public int hashCode() {
        return jdk.hashCode();
    }

    @Override
    public String toString() {
        return jdk.toString();
    }
}
