package io.ringloom;

import io.ringloom.internal.Directories;
import io.ringloom.internal.Errors;
import io.ringloom.internal.IoDispatcher;
import io.ringloom.internal.NativeStrings;
import io.ringloom.internal.Permissions;
import io.ringloom.internal.RingFileChannelImpl;
import io.ringloom.internal.FileExtras;
import io.ringloom.rings.Config;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.CopyOption;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * Files through the carrier's ring: the blocking calls of {@link java.nio.file.Files}
 * and {@link FileChannel}, for code running on a {@link CarrierPool}. Called
 * from any other thread they behave the same, on plain syscalls.
 */
public final class RingFiles {
    private RingFiles() {}

    /** Chunk of a copy; each in-flight chunk has a buffer of this size. */
    private static final int COPY_CHUNK = 1 << 20;
    /** Chunks of one large copy in flight at once. */
    private static final int COPY_PARALLELISM = Config.copyParallelism();

    public static FileChannel open(Path path, OpenOption... options) throws IOException {
        return RingFileChannelImpl.open(path, new HashSet<>(Arrays.asList(options)));
    }

    public static FileChannel open(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return RingFileChannelImpl.open(path, options, attrs);
    }

    public static SeekableByteChannel newByteChannel(Path path, OpenOption... options) throws IOException {
        return open(path, options);
    }

    /** As {@link Files#newInputStream}: READ by default; WRITE or APPEND are refused. */
    public static InputStream newInputStream(Path path, OpenOption... options) throws IOException {
        for (OpenOption o : options) {
            if (o == StandardOpenOption.APPEND || o == StandardOpenOption.WRITE) {
                throw new UnsupportedOperationException("'" + o + "' not allowed");
            }
        }
        return Channels.newInputStream(open(path, options));
    }

    /** As {@link Files#newOutputStream}: CREATE, TRUNCATE_EXISTING and WRITE by default; READ is refused. */
    public static OutputStream newOutputStream(Path path, OpenOption... options) throws IOException {
        Set<OpenOption> opts = new HashSet<>(Arrays.asList(options));
        if (opts.isEmpty()) {
            opts.add(StandardOpenOption.CREATE);
            opts.add(StandardOpenOption.TRUNCATE_EXISTING);
        } else if (opts.contains(StandardOpenOption.READ)) {
            throw new IllegalArgumentException("READ not allowed");
        }
        opts.add(StandardOpenOption.WRITE);
        return Channels.newOutputStream(open(path, opts));
    }

    public static byte[] readAllBytes(Path path) throws IOException {
        try (FileChannel ch = open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 8) throw new OutOfMemoryError("Required array size too large");
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // a regular file fills the buffer in one call; a growing one may need more
            }
            if (buf.hasRemaining()) return Arrays.copyOf(buf.array(), buf.position());
            // the file may have grown since size(): read on until EOF
            java.io.ByteArrayOutputStream more = new java.io.ByteArrayOutputStream();
            ByteBuffer tail = ByteBuffer.allocate(8192);
            while (ch.read(tail.clear()) > 0) more.write(tail.array(), 0, tail.position());
            if (more.size() == 0) return buf.array();
            byte[] all = Arrays.copyOf(buf.array(), buf.capacity() + more.size());
            System.arraycopy(more.toByteArray(), 0, all, buf.capacity(), more.size());
            return all;
        }
    }

    /** As {@link Files#write(Path, byte[], OpenOption...)}. */
    public static Path write(Path path, byte[] bytes, OpenOption... options) throws IOException {
        try (OutputStream out = newOutputStream(path, options)) {
            out.write(bytes);
        }
        return path;
    }

    /**
     * The offset of the next byte of data at or after {@code from} in a channel
     * from {@link #open} ({@code SEEK_DATA}), or -1 when only a hole follows.
     */
    public static long nextData(FileChannel channel, long from) throws IOException {
        return extras(channel).seek(from, true);
    }

    /** The offset of the next hole at or after {@code from} ({@code SEEK_HOLE}); the size when none. */
    public static long nextHole(FileChannel channel, long from) throws IOException {
        long r = extras(channel).seek(from, false);
        return r < 0 ? channel.size() : r;
    }

    /** Sets the size of a file opened for writing exactly; growing it leaves a hole. */
    public static void setSize(FileChannel channel, long size) throws IOException {
        extras(channel).setSize(size);
    }

    /**
     * Sets the permission bits of the file open on {@code channel} (from
     * {@link #open}) through its fd, {@code fchmod(2)}: what
     * {@link Files#setPosixFilePermissions} does by path, without looking the
     * path up again. A copier sets them on the copy it has just written. Refused:
     * {@link java.nio.file.AccessDeniedException}.
     */
    public static void setPermissions(FileChannel channel, Set<PosixFilePermission> perms) throws IOException {
        extras(channel).setMode(Permissions.mode(perms));
    }

    /**
     * Sets the mode bits of the file open on {@code channel} (from {@link #open}),
     * {@code fchmod(2)}: the permission bits with the set-user-ID, set-group-ID and
     * sticky bits, 0 to 07777, as {@link FileStatus#mode()} gives them (the kernel
     * drops set-group-ID for a caller outside the file's group, without an error).
     *
     * @throws IllegalArgumentException if {@code mode} has bits outside 07777
     */
    public static void setMode(FileChannel channel, int mode) throws IOException {
        extras(channel).setMode(mode);
    }

    /**
     * Sets the owner and group of the file open on {@code channel} (from
     * {@link #open}), {@code fchown(2)}: what {@link Files#setOwner} and the
     * {@code unix:uid}/{@code unix:gid} attributes do by path, by number and without
     * looking the path up again. An ID is 32 bits, unsigned, as {@link FileStatus#uid()}
     * gives it; -1 leaves that ID as it is. Changing the owner
     * takes privilege ({@code CAP_CHOWN}); an owner may give the file to a group of
     * its own. The kernel then clears the set-user-ID bit and, for an executable,
     * the set-group-ID bit. Refused: {@link java.nio.file.AccessDeniedException}.
     */
    public static void setOwner(FileChannel channel, int uid, int gid) throws IOException {
        extras(channel).setOwner(uid, gid);
    }

    /**
     * Sets the last modification and access times of the file open on
     * {@code channel} (from {@link #open}) through its fd, {@code futimens(3)};
     * a null time stays as it is, as {@link BasicFileAttributeView#setTimes}
     * has it.
     */
    public static void setTimes(FileChannel channel, FileTime lastModified, FileTime lastAccess) throws IOException {
        // as instants, not nanoseconds: a long of nanoseconds ends in 1677 and 2262
        extras(channel).setTimes(lastModified == null ? null : lastModified.toInstant(),
                lastAccess == null ? null : lastAccess.toInstant());
    }

    /**
     * Renames {@code source} to {@code target} on one file system in one step,
     * {@code renameat2(2)}, through the ring on a pool thread. With
     * {@code replace} an existing target is replaced as {@code rename(2)} does;
     * without it the call fails with {@link FileAlreadyExistsException} and the
     * target stays as it was ({@code RENAME_NOREPLACE}): there is no moment in
     * which a file another process has just made could be overwritten, as there
     * is between an existence check and a rename.
     */
    public static void rename(Path source, Path target, boolean replace) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int r = IoDispatcher.renameat(NativeStrings.path(arena, source), NativeStrings.path(arena, target),
                    replace ? 0 : SysCalls.RENAME_NOREPLACE);
            if (r < 0) throw Errors.forPaths(r, "renameat2", source, target);
        }
    }

    /**
     * Opens a new file with no name in the folder {@code dir}, for writing
     * ({@code open(2)} with {@code O_TMPFILE}); {@link #linkInto} names it. Until
     * then no listing shows it, and if the channel closes first (or the process
     * dies) nothing is left of it: a writer that links only a finished file never
     * leaves a partial one behind, and needs no temporary name and no rename.
     * {@code attrs}: the initial permissions, as {@link #open} takes them.
     *
     * @throws UnsupportedOperationException when the folder's file system has no
     *         unnamed files, or this process cannot name them: {@code /proc} is not
     *         mounted, or belongs to another PID namespace. A caller then writes
     *         under a temporary name of its own
     */
    public static FileChannel openUnnamed(Path dir, FileAttribute<?>... attrs) throws IOException {
        if (!ProcSelf.WORKS) {
            throw new UnsupportedOperationException("/proc/self does not name this process: unnamed files could not be linked");
        }
        return RingFileChannelImpl.openUnnamed(dir, attrs);
    }

    /**
     * Gives the file open on {@code channel} (from {@link #openUnnamed}, or any
     * from {@link #open}) the name {@code target}, on the same file system, in
     * one step ({@code linkat(2)} of its fd, or where the kernel refuses that, of its
     * {@code /proc/self/fd} link; through the ring on a pool thread): the name
     * appears with the whole file behind it. An
     * existing {@code target} is never replaced: {@link FileAlreadyExistsException}.
     */
    public static void linkInto(FileChannel channel, Path target) throws IOException {
        extras(channel).linkInto(target);
    }

    /**
     * What {@code fstat(2)} says of the file open on {@code channel} (from
     * {@link #open} or {@link #openUnnamed}): its size, mode bits, times, owner and identity,
     * read through the fd, so with no path looked up and none to have changed
     * meanwhile. A copier reads them before reading the data, whose reading may
     * move the access time on.
     */
    public static FileStatus status(FileChannel channel) throws IOException {
        return extras(channel).status();
    }

    /**
     * The file's size, mode bits, times, owner and identity as they were when {@code channel}
     * was opened (by {@link #open} or {@link #openUnnamed}): every open reads them
     * with one {@code fstat(2)} of the new fd, and this gives that reading, with no
     * further call. Nothing done to the file since, by this channel or anyone, shows
     * in it: {@link #status} reads them now. A copier that opens its source and at
     * once needs these saves a call per file; so does one that compares the mode a
     * new file was given with the mode it wants.
     */
    public static FileStatus statusAtOpen(FileChannel channel) {
        return extras(channel).statusAtOpen();
    }

    /** Whether {@code /proc/self} is this process's: then {@code /proc/self/fd/N} is this process's fd N. */
    private static final class ProcSelf {
        static final boolean WORKS = check();

        private static boolean check() {
            try {
                return Files.readSymbolicLink(Path.of("/proc/self")).toString()
                        .equals(Long.toString(ProcessHandle.current().pid()));
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
    }

    private static FileExtras extras(FileChannel channel) {
        if (channel instanceof FileExtras r) return r;
        throw new IllegalArgumentException("not a channel from RingFiles.open: " + channel);
    }

    /**
     * The entries of the directory {@code dir} ("." and ".." left out), each with the
     * type the directory records for it ({@code getdents64(2)}'s {@code d_type}), so
     * that a walk of a tree needs no {@code lstat} of each file: {@link DirectoryEntry.Type#UNKNOWN}
     * where the file system keeps no types. Links in it are not followed ({@code dir}
     * itself may be one). The order is the file system's, with names that are not ASCII
     * last; such a name keeps its bytes, as in the JDK's listing, even where they are not
     * valid in the file-name encoding. The whole listing is read before this returns.
     *
     * @throws java.nio.file.NotDirectoryException when {@code dir} is not a directory
     */
    public static List<DirectoryEntry> entries(Path dir) throws IOException {
        return Directories.entries(java.util.Objects.requireNonNull(dir, "dir"));
    }

    public static long size(Path path) throws IOException {
        try (FileChannel ch = open(path, StandardOpenOption.READ)) {
            return ch.size();
        }
    }

    /** As {@link Files#delete}: a file, or an empty directory. */
    public static void delete(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = NativeStrings.path(arena, path);
            int r = IoDispatcher.unlinkat(cpath, 0);
            if (r == -Errno.EISDIR) r = IoDispatcher.unlinkat(cpath, SysCalls.AT_REMOVEDIR);
            if (r < 0) throw Errors.forPath(r, "unlinkat", path);
        }
    }

    /**
     * As {@link Files#createDirectories}: every missing parent too; an existing directory
     * is fine. Each directory made gets the permissions of {@code attrs} (default: all),
     * less the umask, as {@code mkdir(2)} gives them; {@code mkdirat} through the ring.
     */
    public static Path createDirectories(Path dir, FileAttribute<?>... attrs) throws IOException {
        Path abs = dir.toAbsolutePath();
        List<Path> missing = new ArrayList<>();
        for (Path p = abs; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.add(p);
        }
        int mode = attrs.length == 0 ? 0777 : Permissions.mode(permissions(attrs));
        for (int i = missing.size() - 1; i >= 0; i--) {
            Path p = missing.get(i);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment cpath = NativeStrings.path(arena, p);
                int r = IoDispatcher.mkdirat(cpath, mode);
                if (r == -Errno.EEXIST && Files.isDirectory(p)) continue;
                if (r < 0) throw r == -Errno.EEXIST ? new FileAlreadyExistsException(p.toString())
                        : Errors.forPath(r, "mkdirat", p);
            }
        }
        return dir;
    }

    @SuppressWarnings("unchecked")
    private static Set<PosixFilePermission> permissions(FileAttribute<?>[] attrs) {
        for (FileAttribute<?> a : attrs) {
            if (a.name().equals("posix:permissions")) {
                return (Set<PosixFilePermission>) a.value();
            }
            throw new UnsupportedOperationException("'" + a.name() + "' not supported as initial attribute");
        }
        return Set.of();
    }

    /**
     * As {@link Files#copy(Path, Path, CopyOption...)} for regular files (a
     * directory source makes an empty directory). On a pool thread a large
     * file is copied as up to {@code ringloom.copy.parallelism} chunks in
     * flight at once, each on its own virtual thread of the same pool.
     */
    public static Path copy(Path source, Path target, CopyOption... options) throws IOException {
        boolean replace = false, attributes = false, noFollow = false;
        for (CopyOption o : options) {
            if (o == StandardCopyOption.REPLACE_EXISTING) replace = true;
            else if (o == StandardCopyOption.COPY_ATTRIBUTES) attributes = true;
            else if (o == LinkOption.NOFOLLOW_LINKS) noFollow = true;
            else if (o == null) throw new NullPointerException();
            else throw new UnsupportedOperationException("Unsupported copy option: " + o);
        }
        LinkOption[] link = noFollow ? new LinkOption[] {LinkOption.NOFOLLOW_LINKS} : new LinkOption[0];
        PosixFileAttributes srcAttrs = Files.readAttributes(source, PosixFileAttributes.class, link);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.isSameFile(source, target)) return target;
            if (!replace) throw new FileAlreadyExistsException(target.toString());
            Files.delete(target);
        }
        if (srcAttrs.isDirectory()) {
            Files.createDirectory(target);
        } else if (srcAttrs.isSymbolicLink()) {
            Files.createSymbolicLink(target, Files.readSymbolicLink(source));
        } else {
            copyData(source, target, srcAttrs.size());
        }
        if (attributes) {
            PosixFileAttributeView view = Files.getFileAttributeView(target, PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (!srcAttrs.isSymbolicLink()) view.setPermissions(srcAttrs.permissions());
            view.setTimes(srcAttrs.lastModifiedTime(), srcAttrs.lastAccessTime(), null);
        }
        return target;
    }

    private static void copyData(Path source, Path target, long size) throws IOException {
        try (FileChannel in = open(source, StandardOpenOption.READ);
             FileChannel out = open(target, EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW))) {
            copyRange(in, out, 0, size, IoDispatcher.scheduler() == null ? 1 : COPY_PARALLELISM, copied -> { });
        }
    }

    /**
     * Copies bytes {@code [from, to)} of {@code in} to the same offsets of
     * {@code out} as chunks of up to 1 MiB with up to {@code parallelism} in
     * flight: on a pool thread each chunk worker is a virtual thread of the same
     * pool. With both channels from {@link #open}, a chunk whose source pages
     * are all in the page cache is copied inside the kernel
     * ({@code copy_file_range}, else {@code sendfile}), and any other is read
     * and written through the ring (docs/DESIGN.md, "Copies"); other channels
     * get their own {@code read} and {@code write}. {@code copied} hears each
     * chunk's byte count once it is written, from the worker that wrote it.
     * Returns the bytes copied: fewer than {@code to - from} when the source
     * shrank meanwhile. Between two ring channels the calling thread starts alone
     * and the other workers join it at the first chunk that goes through the ring:
     * one in-kernel copy into {@code out} runs at a time, so a cached file gains
     * nothing from them but their turns at the lock.
     */
    public static long copyRange(FileChannel in, FileChannel out, long from, long to, int parallelism,
                                 LongConsumer copied) throws IOException {
        if (to <= from) return 0;
        long chunks = (to - from + COPY_CHUNK - 1) / COPY_CHUNK;
        int workers = (int) Math.min(chunks, Math.max(1, parallelism));
        int bufferSize = (int) Math.min(COPY_CHUNK, to - from);
        RingFileChannelImpl ringIn = in instanceof RingFileChannelImpl r ? r : null;
        RingFileChannelImpl ringOut = out instanceof RingFileChannelImpl r ? r : null;
        boolean inKernel = ringIn != null && ringOut != null;
        // One in-kernel copy into `out` at a time: each holds the target's inode lock while it
        // copies, so a second one would only spin on that lock on the other CPU
        // (docs/DESIGN.md, "Copies"). Chunks read and written through the ring stay parallel.
        ReentrantLock inKernelTurn = new ReentrantLock();
        AtomicLong next = new AtomicLong();
        AtomicLong total = new AtomicLong();
        IOException[] failure = new IOException[1];
        List<Thread> helpers = new ArrayList<>();   // started and joined by the calling thread only
        Thread caller = Thread.currentThread();
        Runnable[] worker = new Runnable[1];        // the caller's worker starts helpers that run it too
        worker[0] = () -> {
            // Freed when this worker's last call has returned, so after its last CQE;
            // not left to the GC, as a direct buffer would be.
            try (Arena arena = Arena.ofConfined()) {
                ByteBuffer buf = null;   // made on the first chunk that needs it: a cached copy needs none
                long c;
                while ((c = next.getAndIncrement()) < chunks) {
                    long pos = from + c * COPY_CHUNK;
                    int want = (int) Math.min(COPY_CHUNK, to - pos);
                    int length = 0;
                    if (inKernel) {
                        inKernelTurn.lock();
                        try {
                            length = (int) ringIn.copyInKernel(ringOut, pos, want);
                        } finally {
                            inKernelTurn.unlock();
                        }
                    }
                    if (length < want) {
                        // the first chunk the ring reads: now parallel chunks pay (the caller is alone until then)
                        if (inKernel && Thread.currentThread() == caller && helpers.size() < workers - 1
                                && next.get() < chunks) {
                            startHelpers(helpers, workers, worker[0]);
                        }
                        if (buf == null) buf = arena.allocate(bufferSize, 4096).asByteBuffer();
                        long at = pos + length;
                        buf.clear().limit(want - length);
                        while (buf.hasRemaining()) {
                            if (in.read(buf, at + buf.position()) < 0) break;   // shrank meanwhile
                        }
                        buf.flip();
                        length += buf.remaining();
                        while (buf.hasRemaining()) at += out.write(buf, at);
                    }
                    total.addAndGet(length);
                    copied.accept(length);
                }
            } catch (IOException e) {
                synchronized (failure) {
                    if (failure[0] == null) failure[0] = e; else failure[0].addSuppressed(e);
                }
                next.set(chunks);
            }
        };
        if (!inKernel) startHelpers(helpers, workers, worker[0]);
        worker[0].run();
        for (Thread t : helpers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.nio.channels.ClosedByInterruptException();
            }
        }
        if (failure[0] != null) throw failure[0];
        return total.get();
    }

    /** Starts the copy's other {@code workers - 1} workers, each running {@code worker}. */
    private static void startHelpers(List<Thread> helpers, int workers, Runnable worker) {
        for (int i = 1; i < workers; i++) {
            // Started from a pool thread, these inherit its scheduler (docs/DESIGN.md, "Carrier loop").
            helpers.add(Thread.ofVirtual().start(worker));
        }
    }
}
