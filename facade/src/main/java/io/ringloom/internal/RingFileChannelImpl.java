package io.ringloom.internal;

import io.ringloom.FileStatus;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link FileChannel} whose blocking calls go through {@link IoDispatcher}:
 * the ring of the carrier the caller runs on, plain syscalls off the pool.
 * Semantics follow {@code sun.nio.ch.FileChannelImpl}: relative calls use the
 * fd's own offset (serialised by {@link #positionLock}), interrupt closes the
 * channel and throws {@code ClosedByInterruptException} (unless the channel was
 * made {@linkplain #setUninterruptible uninterruptible}), a close while a call
 * is blocked ends that call with {@code AsynchronousCloseException}; every
 * blocking call runs in the channel's {@link Bracket}.
 *
 * <p>fd lifetime: every call that hands the fd to the kernel holds a use of
 * it ({@link FdHolder}); the fd is closed by whoever drops the count to zero
 * after the channel closed, so it is never closed, and its number never
 * reused, while a request on it is in flight (docs/DESIGN.md, "fd lifetime").
 */
public final class RingFileChannelImpl extends FileChannel implements FileExtras, Bracket.Ends {
    private final Path path;                  // for messages and delegated map/lock
    private final boolean readable;
    private final boolean writable;
    private final boolean append;
    /** The fd and how its I/O is routed; its holder closes it once the last call on it returned. */
    private final FileFd file;
    /** begin, a use of the fd, end: around every blocking call. */
    private final Bracket bracket;
    /** What the open's own {@code fstat} read: size, mode bits, times, owner and identity at open. */
    private final FileFd.Kind opened;
    /** Serialises relative reads and writes, which share the fd's offset. */
    private final ReentrantLock positionLock = new ReentrantLock();
    /** Guards the delegate. */
    private final Object delegateLock = new Object();
    /** The JDK channel on the same file for map and lock; created on first use, guarded by delegateLock. */
    private FileChannel delegate;
    /** The transfers of read and write, made once: a call passes its buffer and position to them. */
    private final Bracket.Transfer readTransfer = this::readInto;
    private final Bracket.Transfer writeTransfer = this::writeFrom;

    private RingFileChannelImpl(int fdVal, FileFd.Kind kind, Path path, boolean readable, boolean writable, boolean append) {
        this.path = path;
        this.readable = readable;
        this.writable = writable;
        this.append = append;
        this.file = new FileFd(fdVal, kind, IoDispatcher.nowaitReads(), this::closeDelegate);
        this.bracket = Bracket.forFile(this, file.holder(), path);
        this.opened = kind;
    }

    // ------------------------------------------------------------------ open

    public static RingFileChannelImpl open(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return open(path, options, attrs, -1);
    }

    /**
     * As {@link #open(Path, Set, FileAttribute[])}, a file it creates getting
     * {@code mode} (up to 07777, set-id and sticky bits included; the umask
     * applies), as the JDK's copy creates its target with the source's mode.
     */
    public static RingFileChannelImpl openWithMode(Path path, Set<? extends OpenOption> options, int mode)
            throws IOException {
        if ((mode & ~07777) != 0) throw new IllegalArgumentException("not a file mode: 0" + Integer.toOctalString(mode));
        return open(path, options, new FileAttribute<?>[0], mode);
    }

    private static RingFileChannelImpl open(Path path, Set<? extends OpenOption> options, FileAttribute<?>[] attrs,
                                            int explicitMode) throws IOException {
        Objects.requireNonNull(path, "path");
        boolean read = false, write = false, append = false, truncate = false, create = false, createNew = false;
        boolean deleteOnClose = false, sync = false, dsync = false, noFollow = false;
        for (OpenOption o : options) {
            if (o == StandardOpenOption.READ) read = true;
            else if (o == StandardOpenOption.WRITE) write = true;
            else if (o == StandardOpenOption.APPEND) append = true;
            else if (o == StandardOpenOption.TRUNCATE_EXISTING) truncate = true;
            else if (o == StandardOpenOption.CREATE) create = true;
            else if (o == StandardOpenOption.CREATE_NEW) createNew = true;
            else if (o == StandardOpenOption.DELETE_ON_CLOSE) deleteOnClose = true;
            else if (o == StandardOpenOption.SYNC) sync = true;
            else if (o == StandardOpenOption.DSYNC) dsync = true;
            else if (o == StandardOpenOption.SPARSE) { /* a hint; Linux files are sparse anyway */ }
            else if (o == LinkOption.NOFOLLOW_LINKS) noFollow = true;
            else if (o == null) throw new NullPointerException();
            else throw new UnsupportedOperationException(o + " not supported");
        }
        if (read && append) throw new IllegalArgumentException("READ + APPEND not allowed");
        if (append && truncate) throw new IllegalArgumentException("APPEND + TRUNCATE_EXISTING not allowed");
        if (append) write = true;
        if (!read && !write) read = true;

        int flags = SysCalls.O_CLOEXEC | (read && write ? SysCalls.O_RDWR : write ? SysCalls.O_WRONLY : SysCalls.O_RDONLY);
        if (write) {
            if (truncate) flags |= SysCalls.O_TRUNC;
            if (append) flags |= SysCalls.O_APPEND;
            if (createNew) flags |= SysCalls.O_CREAT | SysCalls.O_EXCL;
            else if (create) flags |= SysCalls.O_CREAT;
        }
        if (!createNew && (noFollow || deleteOnClose)) flags |= SysCalls.O_NOFOLLOW;   // as the JDK
        if (sync) flags |= SysCalls.O_SYNC;
        if (dsync) flags |= SysCalls.O_DSYNC;
        int mode = explicitMode >= 0 ? explicitMode : modeOf(attrs);
        // Only an open that can only make a new file may skip the ring in a memory folder,
        // or teach that a folder is one (a CREATE may open a link to another file system)
        boolean makesNew = IoDispatcher.makesOnlyNew(flags);
        Path folder = makesNew ? path.getParent() : null;

        // Given back only after calls that returned, each after its CQE; one that threw may
        // have left its request in the ring, and then the block stays lent (NativeStrings.lend)
        MemorySegment cpath = NativeStrings.lend(path);
        int fd = makesNew ? IoDispatcher.create(folder, cpath, flags, mode) : IoDispatcher.openat(cpath, flags, mode);
        if (fd >= 0 && deleteOnClose) {
            // As the JDK does: unlink at once; the open fd keeps the file alive until close.
            try {
                IoDispatcher.unlinkat(cpath, 0);
            } catch (IOException | RuntimeException e) {
                IoDispatcher.closeUnshared(fd);
                throw e;
            }
        }
        NativeStrings.giveBack(cpath);
        if (fd < 0) throw Errors.forPath(fd, "openat", path);
        RingFileChannelImpl ch = withKind(fd, path, read, write, append);
        if (makesNew) IoDispatcher.createdIn(folder, ch.file);
        return ch;
    }

    /**
     * Opens a new file with no name in the folder {@code dir}, for writing only
     * ({@code O_TMPFILE}): no listing shows it and nothing is left of it if the
     * channel closes first, until {@link #linkInto} names it.
     *
     * @throws UnsupportedOperationException when the folder's file system has no
     *         such files ({@code EOPNOTSUPP}; {@code EISDIR} from a kernel before 3.11)
     */
    public static RingFileChannelImpl openUnnamed(Path dir, FileAttribute<?>... attrs) throws IOException {
        Objects.requireNonNull(dir, "dir");
        int mode = modeOf(attrs);
        MemorySegment cdir = NativeStrings.lend(dir);
        int fd = IoDispatcher.create(dir, cdir, SysCalls.O_TMPFILE | SysCalls.O_WRONLY | SysCalls.O_CLOEXEC, mode);
        NativeStrings.giveBack(cdir);   // after the CQE; not if the call threw (NativeStrings.lend)
        if (fd == -Errno.EOPNOTSUPP || fd == -Errno.EISDIR) {
            throw new UnsupportedOperationException("no unnamed files on the file system of " + dir);
        }
        if (fd < 0) throw Errors.forPath(fd, "openat", dir);
        RingFileChannelImpl ch = withKind(fd, dir, false, true, false);
        IoDispatcher.createdIn(dir, ch.file);
        return ch;
    }

    /** The channel on a newly opened {@code fd}, once its kind is known; closes the fd if that fails. */
    private static RingFileChannelImpl withKind(int fd, Path path, boolean read, boolean write, boolean append)
            throws IOException {
        FileFd.Kind kind;
        try {
            kind = IoDispatcher.fileKind(fd);
        } catch (IOException e) {
            IoDispatcher.closeUnshared(fd);
            throw e;
        }
        return new RingFileChannelImpl(fd, kind, path, read, write, append);
    }

    private static int modeOf(FileAttribute<?>[] attrs) {
        int mode = 0666;
        for (FileAttribute<?> a : attrs) {
            if (!a.name().equals("posix:permissions") && !a.name().equals("unix:permissions")) {
                throw new UnsupportedOperationException("'" + a.name() + "' not supported as initial attribute");
            }
            @SuppressWarnings("unchecked")
            Set<PosixFilePermission> perms = (Set<PosixFilePermission>) a.value();
            mode = Permissions.mode(perms);
        }
        return mode;
    }

    /** After the fd closed: the JDK channel used for map and lock goes too. */
    private void closeDelegate() {
        synchronized (delegateLock) {
            if (delegate != null) {
                try {
                    delegate.close();
                } catch (IOException ignored) {
                    // the delegate only shares the file; our fd is what matters
                }
            }
        }
    }

    @Override
    protected void implCloseChannel() throws IOException {
        file.holder().close();
    }

    private void ensureOpen() throws IOException {
        if (!isOpen()) throw new ClosedChannelException();
    }

    /**
     * Makes every later blocking call uninterruptible, as
     * {@code FileChannelImpl.setUninterruptible()} does for the streams of
     * {@code Files}: an interrupt, raised before or during a call, neither
     * ends the call nor closes the channel, and stays set; a close still ends a
     * blocked call with {@code AsynchronousCloseException} ({@link Bracket}).
     * Cannot be undone.
     */
    public void setUninterruptible() {
        file.setUninterruptible();
    }

    @Override
    public boolean interruptible() {
        return file.interruptible();
    }

    @Override
    public void beginBlocking() {
        begin();
    }

    @Override
    public void endBlocking(boolean completed) throws AsynchronousCloseException {
        end(completed);
    }

    // ------------------------------------------------------------ transfers

    /**
     * Reads into {@code dst} from {@code position} (-1: the fd's offset).
     * A regular file is read until {@code dst} is full or EOF, chunk by chunk
     * for heap buffers; anything else gets one read, as the JDK does.
     *
     * @return bytes read, or -1 at EOF before any byte, or {@code -errno}
     */
    private long readInto(ByteBuffer dst, long position) throws IOException {
        if (!dst.hasRemaining()) return 0;
        long total = 0;
        long pos = position;
        while (dst.hasRemaining()) {
            int want = IoDispatcher.transferSize(dst);
            long n = IoDispatcher.readStaged(IoDispatcher::read, file, dst, pos);
            if (n < 0) return total > 0 ? total : n;
            if (n == 0) return total == 0 ? -1 : total;
            total += n;
            if (pos >= 0) pos += n;
            if (!file.regular() || n < want) break;
        }
        return total;
    }

    private long writeFrom(ByteBuffer src, long position) throws IOException {
        if (!src.hasRemaining()) return 0;
        long total = 0;
        long pos = position;
        while (src.hasRemaining()) {
            int want = IoDispatcher.transferSize(src);
            long n = IoDispatcher.writeStaged(IoDispatcher::write, file, src, pos);
            if (n < 0) {
                if (total > 0) break;
                return n;
            }
            total += n;
            if (pos >= 0) pos += n;
            // A ring write to a FIFO ends short once the pipe is full, where the JDK's
            // blocking write(2) waits to take it all: keep writing, as write(2) would.
            if (file.regular() ? n < want : n == 0) break;
        }
        return total;
    }

    // ------------------------------------------------------------- reads

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (!readable) throw new NonReadableChannelException();
        Objects.requireNonNull(dst);
        if (dst.isReadOnly()) throw new IllegalArgumentException("Read-only buffer");
        positionLock.lock();
        try {
            long n = bracket.run("read", readTransfer, dst, -1);
            return normalize(n);
        } finally {
            positionLock.unlock();
        }
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        Objects.requireNonNull(dst);
        if (position < 0) throw new IllegalArgumentException("Negative position");
        ensureOpen();
        if (!readable) throw new NonReadableChannelException();
        if (dst.isReadOnly()) throw new IllegalArgumentException("Read-only buffer");
        long n = bracket.run("pread", readTransfer, dst, position);
        return normalize(n);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        // the JDK's order of checks: bounds, open, readable, then each buffer
        Objects.checkFromIndexSize(offset, length, dsts.length);
        ensureOpen();
        if (!readable) throw new NonReadableChannelException();
        for (int i = offset; i < offset + length; i++) {
            Objects.requireNonNull(dsts[i]);
            if (dsts[i].isReadOnly()) throw new IllegalArgumentException("Read-only buffer");
        }
        positionLock.lock();
        try {
            return bracket.run("readv", () -> eachBuffer(dsts, offset, length, b -> readInto(b, -1)));
        } finally {
            positionLock.unlock();
        }
    }

    // ------------------------------------------------------------- writes

    @Override
    public int write(ByteBuffer src) throws IOException {
        ensureOpen();
        if (!writable) throw new NonWritableChannelException();
        Objects.requireNonNull(src);
        positionLock.lock();
        try {
            return normalize(bracket.run("write", writeTransfer, src, -1));
        } finally {
            positionLock.unlock();
        }
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        Objects.requireNonNull(src);
        if (position < 0) throw new IllegalArgumentException("Negative position");
        ensureOpen();
        if (!writable) throw new NonWritableChannelException();
        return normalize(bracket.run("pwrite", writeTransfer, src, position));
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        ensureOpen();
        if (!writable) throw new NonWritableChannelException();
        for (int i = offset; i < offset + length; i++) Objects.requireNonNull(srcs[i]);
        positionLock.lock();
        try {
            return Math.max(0, bracket.run("writev", () -> eachBuffer(srcs, offset, length, b -> writeFrom(b, -1))));
        } finally {
            positionLock.unlock();
        }
    }

    private interface BufferCall {
        long run(ByteBuffer b) throws IOException;
    }

    /**
     * Scatter or gather as sequential transfers, one buffer after the other,
     * stopping at the first short one. Returns the total, or the first
     * transfer's result when that is negative (-1 at EOF, or -errno).
     */
    private static long eachBuffer(ByteBuffer[] bufs, int offset, int length, BufferCall call) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            ByteBuffer b = bufs[i];
            if (!b.hasRemaining()) continue;
            int want = b.remaining();
            long n = call.run(b);
            if (n < 0) return total == 0 ? n : total;
            total += n;
            if (n < want) break;
        }
        return total;
    }

    private static int normalize(long n) {
        return n < -1 ? 0 : (int) Math.min(n, Integer.MAX_VALUE);
    }

    // --------------------------------------------------- position and size

    @Override
    public long position() throws IOException {
        ensureOpen();
        positionLock.lock();
        try {
            return Math.max(0, bracket.run("lseek", () -> append ? IoDispatcher.size(file) : IoDispatcher.seek(file, 0, SysCalls.SEEK_CUR)));
        } finally {
            positionLock.unlock();
        }
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0) throw new IllegalArgumentException();
        positionLock.lock();
        try {
            bracket.run("lseek", () -> {
                long r = IoDispatcher.seek(file, newPosition, SysCalls.SEEK_SET);
                return r < 0 ? r : 0;
            });
            return this;
        } finally {
            positionLock.unlock();
        }
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return Math.max(0, bracket.run("fstat", () -> IoDispatcher.size(file)));
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        ensureOpen();
        if (size < 0) throw new IllegalArgumentException("Negative size");
        if (!writable) throw new NonWritableChannelException();
        positionLock.lock();
        try {
            bracket.run("ftruncate", () -> {
                long current = IoDispatcher.size(file);
                if (current < 0) return current;
                long pos = IoDispatcher.seek(file, 0, SysCalls.SEEK_CUR);
                if (pos < 0) return pos;
                if (size < current) {
                    long r = IoDispatcher.ftruncate(file, size);
                    if (r < 0) return r;
                }
                if (pos > size) {
                    long r = IoDispatcher.seek(file, size, SysCalls.SEEK_SET);
                    if (r < 0) return r;
                }
                return 0;
            });
            return this;
        } finally {
            positionLock.unlock();
        }
    }

    @Override
    public void force(boolean metaData) throws IOException {
        ensureOpen();
        bracket.run("fsync", () -> IoDispatcher.fsync(file, metaData));
    }

    // --------------------------------------------------------- transfers

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        ensureOpen();
        if (!target.isOpen()) throw new ClosedChannelException();
        if (!readable) throw new NonReadableChannelException();
        if (target instanceof RingFileChannelImpl t && !t.writable) throw new NonWritableChannelException();
        if (position < 0) throw new IllegalArgumentException("position < 0");
        if (count < 0) throw new IllegalArgumentException("count < 0");
        long size = size();
        if (position > size) return 0;
        long left = Math.min(count, size - position);
        long done = 0;
        int bufSize = (int) Math.min(Math.max(left, 1), Staging.CHUNK);
        MemorySegment chunk = Staging.acquire(bufSize);
        ByteBuffer buf = chunk.asSlice(0, bufSize).asByteBuffer();
        try {
            while (left > 0) {
                buf.clear().limit((int) Math.min(buf.capacity(), left));
                int n = read(buf, position + done);
                if (n <= 0) break;
                buf.flip();
                int w = 0;
                while (buf.hasRemaining()) {
                    int k = target.write(buf);
                    if (k <= 0) break;
                    w += k;
                }
                done += w;
                left -= w;
                if (w < n) break;
            }
        } finally {
            Staging.release(chunk);   // every read into it has returned
        }
        return done;
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        ensureOpen();
        if (!src.isOpen()) throw new ClosedChannelException();
        if (src instanceof RingFileChannelImpl s && !s.readable) throw new NonReadableChannelException();
        if (!writable) throw new NonWritableChannelException();
        if (position < 0) throw new IllegalArgumentException("position < 0");
        if (count < 0) throw new IllegalArgumentException("count < 0");
        int bufSize = (int) Math.min(Math.max(count, 1), Staging.CHUNK);
        MemorySegment chunk = Staging.acquire(bufSize);
        ByteBuffer buf = chunk.asSlice(0, bufSize).asByteBuffer();
        long done = 0;
        try {
            while (done < count) {
                buf.clear().limit((int) Math.min(buf.capacity(), count - done));
                int n = src.read(buf);
                if (n <= 0) break;
                buf.flip();
                while (buf.hasRemaining()) {
                    int w = write(buf, position + done);
                    if (w <= 0) break;
                    done += w;
                }
                if (buf.hasRemaining()) break;
            }
        } finally {
            Staging.release(chunk);
        }
        return done;
    }

    /**
     * Copies what the kernel will of bytes {@code [position, position + count)} of
     * this file to the same offsets of {@code target}, without the bytes passing
     * through user memory; {@link IoDispatcher#copyInKernel} decides when (on a
     * pool thread: only a range wholly in the page cache). The caller copies the
     * rest through {@code read} and {@code write}. Neither channel's position moves.
     *
     * <p>A positional read of this channel and a positional write of
     * {@code target} in one call: it runs in this channel's {@link Bracket} (an
     * interrupt closes this channel, a close of it during the call is an
     * {@code AsynchronousCloseException}) and holds a use of the target's fd as
     * well, so neither fd is closed, nor its number reused, while the kernel
     * copies; a target closed before its use is taken is an
     * {@code AsynchronousCloseException} too.
     *
     * @return the bytes copied, from 0 to {@code count}
     */
    public long copyInKernel(RingFileChannelImpl target, long position, long count) throws IOException {
        Objects.requireNonNull(target);
        if (position < 0) throw new IllegalArgumentException("Negative position");
        if (count < 0) throw new IllegalArgumentException("Negative count");
        ensureOpen();
        if (!readable) throw new NonReadableChannelException();
        if (!target.isOpen()) throw new ClosedChannelException();
        if (!target.writable) throw new NonWritableChannelException();
        // copy_file_range refuses an O_APPEND target (EBADF), and an appending write
        // lands at the end whatever offset the caller meant: the caller's way.
        if (target.append || count == 0) return 0;
        FdHolder targetFd = target.file.holder();
        return Math.max(0, bracket.run("copy_file_range", () -> {
            if (!targetFd.acquire()) throw new AsynchronousCloseException();
            try {
                return IoDispatcher.copyInKernel(file, target.file, target.positionLock, position, count);
            } finally {
                targetFd.release();
            }
        }));
    }

    // ------------------------------------------------ holes and exact sizes

    @Override
    public long seek(long from, boolean data) throws IOException {
        if (from < 0) throw new IllegalArgumentException("Negative position");
        ensureOpen();
        return bracket.run("lseek", () -> IoDispatcher.seekDataOrHole(file, from, data));
    }

    @Override
    public void setSize(long size) throws IOException {
        ensureOpen();
        if (size < 0) throw new IllegalArgumentException("Negative size");
        if (!writable) throw new NonWritableChannelException();
        bracket.run("ftruncate", () -> IoDispatcher.ftruncate(file, size));
    }

    // ------------------------------------------------ mode and times through the fd

    @Override
    public void setMode(int mode) throws IOException {
        if ((mode & ~07777) != 0) throw new IllegalArgumentException("not mode bits: 0" + Integer.toOctalString(mode));
        ensureOpen();
        bracket.runNonBlocking("fchmod", () -> refusedAsDenied(IoDispatcher.fchmod(file, mode), "fchmod"));
    }

    @Override
    public void setOwner(int uid, int gid) throws IOException {
        ensureOpen();
        bracket.runNonBlocking("fchown", () -> refusedAsDenied(IoDispatcher.fchown(file, uid, gid), "fchown"));
    }

    /**
     * {@code r}, unless it is EPERM or EACCES: then the {@link java.nio.file.AccessDeniedException}
     * that {@code Files.setOwner} and {@code setPosixFilePermissions} throw for the same
     * refusal by path (naming the channel's path: for a file opened without a name, its folder).
     */
    private long refusedAsDenied(int r, String call) throws IOException {
        if (r == -Errno.EPERM || r == -Errno.EACCES) throw Errors.forPath(r, call, path);
        return r;
    }

    @Override
    public void setTimes(Instant modified, Instant accessed) throws IOException {
        ensureOpen();
        bracket.runNonBlocking("futimens", () -> IoDispatcher.futimens(file, modified, accessed));
    }

    /** The file's mode bits, {@code st_mode & 07777} (set-id and sticky bits included), from one {@code fstat}. */
    public int modeBits() throws IOException {
        ensureOpen();
        return (int) bracket.runNonBlocking("fstat", () -> IoDispatcher.modeBits(file));
    }

    @Override
    public FileStatus status() throws IOException {
        ensureOpen();
        FileStatus[] status = new FileStatus[1];
        bracket.runNonBlocking("fstat", () -> {
            status[0] = IoDispatcher.status(file);
            return 0;
        });
        return status[0];
    }

    @Override
    public FileStatus statusAtOpen() {
        return opened.atOpen();
    }

    /**
     * {@inheritDoc} Under a use of the fd, so its {@code /proc/self/fd} link
     * names this file until the call returns, whatever a close does meanwhile.
     * Errors name {@code target} as {@code Files.createLink} does.
     */
    @Override
    public void linkInto(Path target) throws IOException {
        Objects.requireNonNull(target, "target");
        ensureOpen();
        int[] errno = new int[1];
        MemorySegment ctarget = NativeStrings.lend(target);
        bracket.run("linkat", () -> {
            errno[0] = Math.min(0, IoDispatcher.linkat(file, target.getParent(), ctarget));
            return 0;
        });
        NativeStrings.giveBack(ctarget);   // after the CQE; not if the call threw (NativeStrings.lend)
        if (errno[0] < 0) throw Errors.forPath(errno[0], "linkat", target);
    }

    // -------------------------------------------------- map and lock: the JDK's

    /**
     * A JDK channel on the same open file (through /proc/self/fd, so DELETE_ON_CLOSE
     * files work too), opened by the JDK's own provider: through {@code FileChannel.open}
     * Ringloom's provider, when it is the default, would answer with another of these.
     */
    private FileChannel delegate() throws IOException {
        synchronized (delegateLock) {
            ensureOpen();
            if (delegate == null) {
                Set<OpenOption> opts = new HashSet<>();
                if (readable) opts.add(StandardOpenOption.READ);
                if (writable) opts.add(StandardOpenOption.WRITE);
                delegate = JdkFileSystem.provider().newFileChannel(JdkFileSystem.path("/proc/self/fd/" + file.fdVal()), opts);
            }
            return delegate;
        }
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        Objects.requireNonNull(mode, "Mode is null");
        ensureOpen();
        if (mode == MapMode.READ_ONLY && !readable) throw new NonReadableChannelException();
        if ((mode == MapMode.READ_WRITE || mode == MapMode.PRIVATE) && (!readable || !writable)) {
            throw readable ? new NonWritableChannelException() : new NonReadableChannelException();
        }
        return delegate().map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return lockDelegate(shared).lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return lockDelegate(shared).tryLock(position, size, shared);
    }

    /** A shared lock needs reading, an exclusive one writing, as the JDK checks. */
    private FileChannel lockDelegate(boolean shared) throws IOException {
        ensureOpen();
        if (shared && !readable) throw new NonReadableChannelException();
        if (!shared && !writable) throw new NonWritableChannelException();
        return delegate();
    }

    @Override
    public String toString() {
        return "RingFileChannel[" + (path == null ? "fd " + file.fdVal() : path) + "]";
    }
}
