package io.ringloom.fs;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The JDK's default file system with {@link RingFileSystemProvider} as its
 * provider and {@link RingPath}s as its paths. Everything but the provider and
 * the paths is the JDK's.
 */
final class RingFileSystem extends FileSystem {
    /** The provider whose file system this is. */
    private final RingFileSystemProvider provider;
    /** The JDK's default file system. */
    final FileSystem jdk;

    RingFileSystem(RingFileSystemProvider provider, FileSystem jdk) {
        this.provider = provider;
        this.jdk = jdk;
    }

    /** {@code p} as a path of this file system; null stays null. */
    /**
     * {@code p}, a path of the JDK's file system, as one of this. Some JDK
     * calls hand back a path of the default file system, which is this one:
     * {@code getPath(URI)} of a directory's URI goes through
     * {@code new File(uri).toPath()}. Such a path is not wrapped twice.
     */
    RingPath wrap(Path p) {
        if (p instanceof RingPath r) return r;
        return p == null ? null : new RingPath(this, p);
    }

    @Override
    public RingFileSystemProvider provider() {
        return provider;
    }

    /** As the JDK's: the default file system cannot be closed. */
    @Override
    public void close() throws IOException {
        jdk.close();
    }

    @Override
    public boolean isOpen() {
        return jdk.isOpen();
    }

    @Override
    public boolean isReadOnly() {
        return jdk.isReadOnly();
    }

    @Override
    public String getSeparator() {
        return jdk.getSeparator();
    }

    @Override
    public Iterable<Path> getRootDirectories() {
        List<Path> roots = new ArrayList<>();
        for (Path root : jdk.getRootDirectories()) roots.add(wrap(root));
        return roots;
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        return jdk.getFileStores();
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return jdk.supportedFileAttributeViews();
    }

    @Override
    public Path getPath(String first, String... more) {
        return wrap(jdk.getPath(first, more));
    }

    /** The JDK's matcher, given the JDK's path; a path of another file system is passed on unchanged. */
    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        PathMatcher m = jdk.getPathMatcher(syntaxAndPattern);
        return p -> m.matches(p instanceof RingPath r ? r.jdk : p);
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        return jdk.getUserPrincipalLookupService();
    }

    @Override
    public WatchService newWatchService() throws IOException {
        return new RingWatchService(this, jdk.newWatchService());
    }

    @Override
    public String toString() {
        return jdk.toString();
    }
}
