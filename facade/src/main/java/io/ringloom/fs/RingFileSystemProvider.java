package io.ringloom.fs;

import io.ringloom.internal.JdkFileSystem;
import io.ringloom.internal.RingFileChannelImpl;
import io.ringloom.rings.sys.Errno;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.spi.FileSystemProvider;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code file} scheme with Ringloom's channels: install with
 * {@code -Djava.nio.file.spi.DefaultFileSystemProvider=io.ringloom.fs.RingFileSystemProvider}
 * and {@code FileChannel.open}, {@code Files.newByteChannel}, the streams,
 * readers and writers of {@code Files}, {@code copy}, {@code move},
 * {@code delete} and {@code createDirectory} use the carrier's ring on
 * Ringloom's pool threads (plain syscalls elsewhere). Everything else is the
 * JDK provider's, given the JDK's paths.
 *
 * <p>No recursion: every fallback here calls the JDK provider this one wraps
 * ({@link #jdk}), never {@code Files} or {@code FileChannel.open}, which would
 * come back here; Ringloom's own code reaches the JDK's provider through
 * {@link #jdkProvider()} (see {@code JdkFileSystem}), as the channel's
 * {@code map} and {@code lock} do.
 *
 * <p>A provider that cannot load Ringloom (classes or native access missing)
 * still constructs, logs one warning on first use, and delegates every call.
 */
public final class RingFileSystemProvider extends FileSystemProvider implements JdkFileSystem.Wrapper {
    /*
     * Ringloom's state in this provider, decided on first use (not in the
     * constructor, which runs while FileSystems.getDefault() is being set up
     * and must not load anything that could use a file system):
     *
     *   UNKNOWN -> PROBING -> READY
     *                      -> UNAVAILABLE
     *
     * While PROBING every call delegates: the probe itself may open files
     * (native libraries), on this thread or another.
     */
    private static final int UNKNOWN = 0;
    private static final int PROBING = 1;
    private static final int READY = 2;
    private static final int UNAVAILABLE = 3;

    /** The wrapped provider: every delegate and every fallback calls it, with the JDK's paths. */
    private final FileSystemProvider jdk;
    /** The one file system of this provider. */
    private final RingFileSystem fs;
    /** Loads and initialises Ringloom; throws what makes it unusable. */
    private final Probe probe;
    /** One of UNKNOWN, PROBING, READY, UNAVAILABLE. */
    private final AtomicInteger state = new AtomicInteger(UNKNOWN);

    interface Probe {
        void run() throws Exception;
    }

    /**
     * Ringloom's own probe. A class rather than a lambda: the constructor runs
     * while the default file system is being set up, before anything should
     * spin classes through java.lang.invoke.
     */
    private static final class RingloomProbe implements Probe {
        @Override
        public void run() throws Exception {
            FsCalls.probe();
        }
    }

    /** The constructor {@code FileSystems} calls, given the provider it replaces. */
    public RingFileSystemProvider(FileSystemProvider jdkDefault) {
        this(jdkDefault, new RingloomProbe());
    }

    /** Over the current default provider, or over the JDK's behind it when that is already Ringloom's. */
    public RingFileSystemProvider() {
        this(FileSystems.getDefault().provider());
    }

    RingFileSystemProvider(FileSystemProvider jdkDefault, Probe probe) {
        if (jdkDefault instanceof RingFileSystemProvider r) jdkDefault = r.jdk;
        this.jdk = jdkDefault;
        this.fs = new RingFileSystem(this, jdkDefault.getFileSystem(URI.create("file:///")));
        this.probe = probe;
    }

    /** True when calls may take Ringloom's paths; decides on the first call. */
    private boolean ringloom() {
        int s = state.get();
        if (s == READY) return true;
        if (s != UNKNOWN || !state.compareAndSet(UNKNOWN, PROBING)) return false;
        Throwable why = null;
        try {
            probe.run();
        } catch (Exception | LinkageError e) {
            why = e;
        }
        state.set(why == null ? READY : UNAVAILABLE);
        if (why != null) {
            System.getLogger("io.ringloom").log(System.Logger.Level.WARNING,
                    "Ringloom file system provider: Ringloom cannot initialise (" + why
                            + "); every file system call goes to the JDK's provider");
        }
        return why == null;
    }

    /** Whether Ringloom's paths are in use: false until the first call, and after a failed start. */
    boolean usesRingloom() {
        return ringloom();
    }

    // ---------------------------------------------------------- file system

    @Override
    public String getScheme() {
        return jdk.getScheme();
    }

    /** The default file system cannot be created again: the JDK's exception. */
    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) throws IOException {
        return jdk.newFileSystem(uri, env);
    }

    @Override
    public FileSystem newFileSystem(Path path, Map<String, ?> env) throws IOException {
        return jdk.newFileSystem(RingPath.unwrap(path), env);
    }

    /** Ours, for a URI the JDK's accepts (it checks scheme, authority and path). */
    @Override
    public FileSystem getFileSystem(URI uri) {
        jdk.getFileSystem(uri);
        return fs;
    }

    /** The JDK's provider this one wraps; Ringloom's own fallbacks go to it directly. */
    @Override
    public FileSystemProvider jdkProvider() {
        return jdk;
    }

    @Override
    public Path getPath(URI uri) {
        return fs.wrap(jdk.getPath(uri));
    }

    // --------------------------------------------------- channels and streams

    @Override
    public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        FileChannel ch = ringChannel(path, options, attrs);
        return ch != null ? ch : jdk.newFileChannel(RingPath.unwrap(path), options, attrs);
    }

    /** Ringloom's channel on {@code path}, or null where the JDK's channel is the one to open. */
    private RingFileChannelImpl ringChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        RingPath.unwrap(path);   // ProviderMismatchException for another provider's path, as the JDK
        if (!ringloom() || !standard(options)) return null;
        try {
            return Uninterruptible.call(() -> RingFileChannelImpl.open(((RingPath) path).forKernel(), options, attrs));
        } catch (FileSystemException e) {
            if (e.getClass() != FileSystemException.class) throw e;
            // An errno without an exception type of its own: the JDK's message is its
            // strerror text alone, so the JDK's call is made, and it throws its exception.
            return null;
        }
    }

    /** Options Ringloom's channel knows; others (e.g. {@code ExtendedOpenOption.DIRECT}) are the JDK's. */
    private static boolean standard(Set<? extends OpenOption> options) {
        for (OpenOption o : options) {
            if (!(o instanceof StandardOpenOption) && o != LinkOption.NOFOLLOW_LINKS) return false;
        }
        return true;
    }

    private static final StackWalker WALKER = StackWalker.getInstance();

    /**
     * As the JDK's: the file channel. The channel that {@code Files.readAllBytes}
     * (and {@code readString}) opens, which the JDK makes uninterruptible when
     * it is its own, is made uninterruptible here when it is Ringloom's.
     */
    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        FileChannel ch = newFileChannel(path, options, attrs);
        if (options.isEmpty() && ch instanceof RingFileChannelImpl ring && calledFromReadAllBytes()) {
            ring.setUninterruptible();
        }
        return ch;
    }

    /** Frames: this class (2), Files.newByteChannel (2), Files.readAllBytes. */
    private static boolean calledFromReadAllBytes() {
        return WALKER.walk(frames -> frames.limit(6).anyMatch(
                f -> f.getMethodName().equals("readAllBytes") && f.getClassName().equals("java.nio.file.Files")));
    }

    /** As the JDK's default method, over an uninterruptible stream (see {@link UninterruptibleStreams}). */
    @Override
    public InputStream newInputStream(Path path, OpenOption... options) throws IOException {
        for (OpenOption o : options) {
            if (o == StandardOpenOption.APPEND || o == StandardOpenOption.WRITE) {
                throw new UnsupportedOperationException("'" + o + "' not allowed");
            }
        }
        RingFileChannelImpl ch = ringChannel(path, new HashSet<>(Arrays.asList(options)));
        if (ch == null) return jdk.newInputStream(RingPath.unwrap(path), options);
        return UninterruptibleStreams.in(ch);
    }

    private static final Set<OpenOption> DEFAULT_OUTPUT_OPTIONS =
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);

    /** As the JDK's default method, over an uninterruptible stream (see {@link UninterruptibleStreams}). */
    @Override
    public OutputStream newOutputStream(Path path, OpenOption... options) throws IOException {
        Set<OpenOption> opts;
        if (options.length == 0) {
            opts = DEFAULT_OUTPUT_OPTIONS;
        } else {
            opts = new HashSet<>();
            for (OpenOption o : options) {
                if (o == StandardOpenOption.READ) throw new IllegalArgumentException("READ not allowed");
                opts.add(o);
            }
            opts.add(StandardOpenOption.WRITE);
        }
        RingFileChannelImpl ch = ringChannel(path, opts);
        if (ch == null) return jdk.newOutputStream(RingPath.unwrap(path), options);
        return UninterruptibleStreams.out(ch);
    }

    @Override
    public AsynchronousFileChannel newAsynchronousFileChannel(Path path, Set<? extends OpenOption> options,
                                                              ExecutorService executor, FileAttribute<?>... attrs)
            throws IOException {
        return jdk.newAsynchronousFileChannel(RingPath.unwrap(path), options, executor, attrs);
    }

    // ------------------------------------------------- names in directories

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        Path jp = RingPath.unwrap(dir);
        // with attributes: the JDK's, which validates and applies them
        if (ringloom() && attrs.length == 0 && FsCalls.mkdir((RingPath) dir, 0777) == 0) return;
        jdk.createDirectory(jp, attrs);
    }

    @Override
    public void delete(Path path) throws IOException {
        Path jp = RingPath.unwrap(path);
        if (ringloom() && FsCalls.delete((RingPath) path) == 0) return;
        jdk.delete(jp);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        Path jp = RingPath.unwrap(path);
        if (ringloom()) {
            int r = FsCalls.delete((RingPath) path);
            if (r == 0) return true;
            if (r == -Errno.ENOENT) return false;
        }
        return jdk.deleteIfExists(jp);
    }

    /**
     * Regular files through two Ringloom channels ({@link RingCopy}); with
     * options other than REPLACE_EXISTING (COPY_ATTRIBUTES, NOFOLLOW_LINKS),
     * the JDK's, which copies metadata, links and special files.
     */
    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
        Path js = RingPath.unwrap(source);
        Path jt = RingPath.unwrap(target);
        boolean replace = false;
        boolean jdkOnly = !ringloom();
        for (CopyOption o : options) {
            if (o == StandardCopyOption.REPLACE_EXISTING) replace = true;
            else jdkOnly = true;
        }
        if (jdkOnly) {
            jdk.copy(js, jt, options);
            return;
        }
        boolean r = replace;
        Uninterruptible.call(() -> {
            RingCopy.copy(jdk, (RingPath) source, (RingPath) target, r, options);
            return null;
        });
    }

    /**
     * One rename through the ring: with ATOMIC_MOVE a plain rename, which is
     * exactly what the JDK does then; without it {@code RENAME_NOREPLACE},
     * so that an existing target fails instead of being replaced. Every
     * other outcome (an existing target, same file, another device, any
     * error) and every call off the pool is the JDK provider's move, which
     * replaces, copies across devices and throws its own exceptions.
     */
    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        Path js = RingPath.unwrap(source);
        Path jt = RingPath.unwrap(target);
        boolean atomic = false;
        boolean known = true;
        for (CopyOption o : options) {
            if (o == StandardCopyOption.ATOMIC_MOVE) atomic = true;
            else if (o != StandardCopyOption.REPLACE_EXISTING && o != LinkOption.NOFOLLOW_LINKS) known = false;
        }
        if (known && ringloom() && FsCalls.rename((RingPath) source, (RingPath) target, !atomic) == 0) return;
        jdk.move(js, jt, options);
    }

    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
        jdk.createSymbolicLink(RingPath.unwrap(link), RingPath.unwrap(target), attrs);
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        jdk.createLink(RingPath.unwrap(link), RingPath.unwrap(existing));
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
        return fs.wrap(jdk.readSymbolicLink(RingPath.unwrap(link)));
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        DirectoryStream<Path> entries = jdk.newDirectoryStream(RingPath.unwrap(dir),
                filter == null ? null : entry -> filter.accept(fs.wrap(entry)));
        return new DirectoryStream<>() {
            @Override
            public Iterator<Path> iterator() {
                Iterator<Path> it = entries.iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    @Override
                    public Path next() {
                        return fs.wrap(it.next());
                    }
                };
            }

            @Override
            public void close() throws IOException {
                entries.close();
            }
        };
    }

    // ------------------------------------------------------------ attributes

    /** As the JDK's: a path of another provider is never the same file. */
    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
        Path jp = RingPath.unwrap(path);
        if (path.equals(path2)) return true;
        if (path2 == null) throw new NullPointerException();
        if (!(path2 instanceof RingPath r)) return false;
        return jdk.isSameFile(jp, r.jdk);
    }

    @Override
    public boolean isHidden(Path path) throws IOException {
        return jdk.isHidden(RingPath.unwrap(path));
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
        return jdk.getFileStore(RingPath.unwrap(path));
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        jdk.checkAccess(RingPath.unwrap(path), modes);
    }

    @Override
    public boolean exists(Path path, LinkOption... options) {
        return jdk.exists(RingPath.unwrap(path), options);
    }

    @Override
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        return jdk.getFileAttributeView(RingPath.unwrap(path), type, options);
    }

    @Override
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        return jdk.readAttributes(RingPath.unwrap(path), type, options);
    }

    @Override
    public <A extends BasicFileAttributes> A readAttributesIfExists(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        return jdk.readAttributesIfExists(RingPath.unwrap(path), type, options);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
        return jdk.readAttributes(RingPath.unwrap(path), attributes, options);
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
        jdk.setAttribute(RingPath.unwrap(path), attribute, value, options);
    }

    @Override
    public String toString() {
        return "RingFileSystemProvider[over " + jdk.getClass().getName() + "]";
    }
}
