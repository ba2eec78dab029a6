package io.ringloom.internal;

import io.ringloom.rings.Request;
import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.layout.Stat;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.IoUring;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
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
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link FileChannel} whose blocking calls go through the ring of the
 * carrier the caller runs on ({@link Dispatch}); off the pool they are plain
 * syscalls. Semantics follow {@code sun.nio.ch.FileChannelImpl}: relative
 * calls use the fd's own offset (serialised by {@link #positionLock}),
 * interrupt closes the channel and throws {@code ClosedByInterruptException},
 * a close while a call is blocked ends that call with
 * {@code AsynchronousCloseException}.
 *
 * <p>fd lifetime: every call that hands {@link #fdVal} to the kernel holds a
 * use ({@link FdHolder}); the fd is closed by whoever drops the count to
 * zero after the channel closed, so it is never closed, and its number never
 * reused, while a request on it is in flight.
 */
public final class RingFileChannelImpl extends FileChannel {
    private static final SysCalls SYS = SysCalls.get();
    /** Try preadv2(RWF_NOWAIT) before the ring: a cached read then costs one syscall and no park. */
    private static final boolean NOWAIT_READS = !"false".equals(System.getProperty("ringloom.files.nowait"));
    private static final int MAX_RW = 0x7ffff000;   // Linux caps one read/write at this (MAX_RW_COUNT)

    private final int fdVal;
    private final Path path;                  // for messages and delegated map/lock
    private final boolean readable;
    private final boolean writable;
    private final boolean append;
    private final boolean regular;            // a regular file: reads never block for long
    private final boolean memoryFs;           // tmpfs/ramfs: I/O never waits for a device; plain syscalls
    /** Serialises relative reads and writes, which share the fd's offset. */
    private final ReentrantLock positionLock = new ReentrantLock();
    /** Holds fdVal for calls in flight; closes it once the last of them returned (see FdHolder). */
    private final FdHolder fd;
    /** Guards the delegate. */
    private final Object delegateLock = new Object();
    /** Disabled after the kernel refuses RWF_NOWAIT on this file. */
    private volatile boolean nowait = NOWAIT_READS;
    /** The JDK channel on the same file for map and lock; created on first use, guarded by delegateLock. */
    private FileChannel delegate;

    private RingFileChannelImpl(int fdVal, Path path, boolean readable, boolean writable, boolean append,
                                boolean regular, boolean memoryFs) {
        this.fdVal = fdVal;
        this.path = path;
        this.readable = readable;
        this.writable = writable;
        this.append = append;
        this.regular = regular;
        this.memoryFs = memoryFs;
        this.fd = new FdHolder(fdVal, this::closeDelegate);
    }

    // ------------------------------------------------------------------ open

    public static FileChannel open(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
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
        int mode = modeOf(attrs);

        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = NativeStrings.path(arena, path);
            CarrierScheduler s = Dispatch.scheduler();
            fd = s != null ? s.submitAndAwait(Request.openat(Request.AT_FDCWD, cpath, flags, mode))
                    : SYS.openat(SysCalls.AT_FDCWD, cpath.address(), flags, mode);
            if (fd < 0) throw Errors.forPath(fd, "openat", path);
            if (deleteOnClose) {
                // As the JDK does: unlink at once; the open fd keeps the file alive until close.
                SYS.unlinkat(SysCalls.AT_FDCWD, cpath.address(), 0);
            }
        }
        boolean isRegular, inMemory;
        try {
            long[] modeAndDev = statModeAndDev(fd);
            isRegular = (modeAndDev[0] & Stat.S_IFMT) == Stat.S_IFREG;
            inMemory = isRegular && isMemoryFs(fd, modeAndDev[1]);
        } catch (IOException e) {
            SYS.close(fd);
            throw e;
        }
        return new RingFileChannelImpl(fd, path, read, write, append, isRegular, inMemory);
    }

    private static int modeOf(FileAttribute<?>[] attrs) {
        int mode = 0666;
        for (FileAttribute<?> a : attrs) {
            if (!a.name().equals("posix:permissions") && !a.name().equals("unix:permissions")) {
                throw new UnsupportedOperationException("'" + a.name() + "' not supported as initial attribute");
            }
            @SuppressWarnings("unchecked")
            Set<PosixFilePermission> perms = (Set<PosixFilePermission>) a.value();
            mode = 0;
            for (PosixFilePermission p : perms) {
                mode |= switch (p) {
                    case OWNER_READ -> 0400; case OWNER_WRITE -> 0200; case OWNER_EXECUTE -> 0100;
                    case GROUP_READ -> 040; case GROUP_WRITE -> 020; case GROUP_EXECUTE -> 010;
                    case OTHERS_READ -> 04; case OTHERS_WRITE -> 02; case OTHERS_EXECUTE -> 01;
                };
            }
        }
        return mode;
    }

    /** st_mode and st_dev of an open fd. */
    private static long[] statModeAndDev(int fd) throws IOException {
        MemorySegment st = Scratch.acquire();
        try {
            int r = SYS.fstat(fd, st.address());
            if (r < 0) throw Errors.forFd(r, "fstat", fd, null);
            return new long[] {st.get(ValueLayout.JAVA_INT, Stat.MODE_OFFSET), st.get(ValueLayout.JAVA_LONG, Stat.DEV_OFFSET)};
        } finally {
            Scratch.release(st);
        }
    }

    /** Filesystem kind by device: a mount does not change type under an open file's st_dev. */
    private static final java.util.concurrent.ConcurrentHashMap<Long, Boolean> MEMORY_FS_BY_DEV =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * tmpfs and ramfs serve reads and writes from memory: io_uring would punt
     * them to io-wq workers (DESIGN.md: 45k against 548k IOPS), and RWF_NOWAIT
     * buys nothing, so they are plain syscalls on the caller's thread.
     */
    private static boolean isMemoryFs(int fd, long dev) throws IOException {
        Boolean known = MEMORY_FS_BY_DEV.get(dev);
        if (known != null) return known;
        boolean memory = fsTypeIsMemory(fd);
        MEMORY_FS_BY_DEV.put(dev, memory);
        return memory;
    }

    private static boolean fsTypeIsMemory(int fd) throws IOException {
        MemorySegment st = Scratch.acquire();
        try {
            int r = SYS.fstatfs(fd, st.address());
            if (r < 0) throw Errors.forFd(r, "fstatfs", fd, null);
            long type = st.get(ValueLayout.JAVA_LONG, 0);
            return type == SysCalls.TMPFS_MAGIC || type == SysCalls.RAMFS_MAGIC;
        } finally {
            Scratch.release(st);
        }
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
        fd.close();
    }

    private void ensureOpen() throws IOException {
        if (!isOpen()) throw new ClosedChannelException();
    }

    // ------------------------------------------------------------ transfers

    /** One read at {@code position} (-1: the fd's offset) into native memory; the kernel's result. */
    private long rawRead(MemorySegment seg, long position) throws IOException {
        if (memoryFs) {
            return position < 0 ? SYS.read(fdVal, seg.address(), seg.byteSize())
                    : SYS.pread(fdVal, seg.address(), seg.byteSize(), position);
        }
        if (regular && nowait) {
            long r = nowaitRead(seg, position);
            if (r != -Errno.EAGAIN) {
                if (r != -Errno.EOPNOTSUPP && r != -Errno.EINVAL) return r;
                nowait = false;
            }
        }
        CarrierScheduler s = Dispatch.scheduler();
        if (s != null) {
            return fd.submit(s, Request.read(fdVal, seg, position));
        }
        return position < 0 ? SYS.read(fdVal, seg.address(), seg.byteSize())
                : SYS.pread(fdVal, seg.address(), seg.byteSize(), position);
    }

    /**
     * {@code preadv2(RWF_NOWAIT)}: data already in the page cache, without
     * blocking the carrier. The iovec is taken from a pool for this call
     * alone: a virtual thread can unmount even here (JDK 24+ unmounts one
     * blocked on a contended monitor, e.g. class loading on a first call), and
     * memory shared by all threads of a carrier would then be rewritten under
     * the syscall. Measured before this: reads landing in other threads'
     * buffers under 10k concurrent readers.
     */
    private long nowaitRead(MemorySegment seg, long position) {
        MemorySegment iov = Scratch.acquire();
        try {
            iov.set(ValueLayout.JAVA_LONG, 0, seg.address());
            iov.set(ValueLayout.JAVA_LONG, 8, seg.byteSize());
            return SYS.preadv2(fdVal, iov.address(), 1, position, SysCalls.RWF_NOWAIT);
        } finally {
            Scratch.release(iov);
        }
    }

    private long rawWrite(MemorySegment seg, long position) throws IOException {
        CarrierScheduler s = memoryFs ? null : Dispatch.scheduler();
        if (s != null) {
            return fd.submit(s, Request.write(fdVal, seg, position));
        }
        return position < 0 ? SYS.write(fdVal, seg.address(), seg.byteSize())
                : SYS.pwrite(fdVal, seg.address(), seg.byteSize(), position);
    }

    /**
     * Reads into {@code dst} from {@code position} (-1: the fd's offset).
     * A regular file is read until {@code dst} is full or EOF, in chunks for
     * heap buffers; anything else gets one read, as the JDK does.
     *
     * @return bytes read, or -1 at EOF before any byte
     */
    private long readInto(ByteBuffer dst, long position) throws IOException {
        int rem = dst.remaining();
        if (rem == 0) return 0;
        long total = 0;
        long pos = position;
        while (dst.hasRemaining()) {
            int want = Math.min(dst.remaining(), MAX_RW);
            long n;
            if (dst.isDirect()) {
                MemorySegment seg = MemorySegment.ofBuffer(dst).asSlice(0, want);
                n = rawRead(seg, pos);
                if (n > 0) dst.position(dst.position() + (int) n);
            } else {
                want = Math.min(want, Staging.CHUNK);
                MemorySegment chunk = Staging.acquire(want);
                try {
                    MemorySegment seg = chunk.asSlice(0, want);
                    n = rawRead(seg, pos);
                    if (n > 0) {
                        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, dst.array(),
                                dst.arrayOffset() + dst.position(), (int) n);
                        dst.position(dst.position() + (int) n);
                    }
                } finally {
                    Staging.release(chunk);   // after the CQE: submitAndAwait returned
                }
            }
            if (n < 0) {
                return total > 0 ? total : n;
            }
            if (n == 0) return total == 0 ? -1 : total;
            total += n;
            if (pos >= 0) pos += n;
            if (!regular || n < want) break;
        }
        return total;
    }

    private long writeFrom(ByteBuffer src, long position) throws IOException {
        if (!src.hasRemaining()) return 0;
        long total = 0;
        long pos = position;
        while (src.hasRemaining()) {
            int want = Math.min(src.remaining(), MAX_RW);
            long n;
            if (src.isDirect()) {
                n = rawWrite(MemorySegment.ofBuffer(src).asSlice(0, want), pos);
            } else {
                want = Math.min(want, Staging.CHUNK);
                MemorySegment chunk = Staging.acquire(want);
                try {
                    MemorySegment seg = chunk.asSlice(0, want);
                    seg.copyFrom(MemorySegment.ofBuffer(src).asSlice(0, want));   // works for a read-only buffer too
                    n = rawWrite(seg, pos);
                } finally {
                    Staging.release(chunk);
                }
            }
            if (n < 0) {
                if (total > 0) break;
                return n;
            }
            src.position(src.position() + (int) n);
            total += n;
            if (pos >= 0) pos += n;
            // A ring write to a FIFO ends short once the pipe is full, where the JDK's
            // blocking write(2) waits to take it all: keep writing, as write(2) would.
            if (regular ? n < want : n == 0) break;
        }
        return total;
    }

    private static boolean isCancellation(long res) {
        return res == -Errno.ECANCELED || res == -Errno.EINTR;
    }

    /** The result of a call, or its exception; cancellations are left to end(). */
    private long check(long res, String call) throws IOException {
        if (res >= -1 || !isOpen() && isCancellation(res) || Thread.currentThread().isInterrupted()) {
            return res;
        }
        if (res == -Errno.EBADF && !isOpen()) throw new ClosedChannelException();
        throw Errors.forFd((int) res, call, fdVal, path);
    }

    private interface Call {
        long run() throws IOException;
    }

    /** begin / use the fd / end, the way every blocking call of an InterruptibleChannel must. */
    private long blocking(String name, Call call) throws IOException {
        long n = 0;
        boolean completed = false;
        begin();
        try {
            if (!fd.acquire()) return 0;
            try {
                n = check(call.run(), name);
                // as FileChannelImpl: EOF found after a concurrent close is an asynchronous close
                completed = n >= 0 || n == -1 && isOpen();
            } finally {
                fd.release();
            }
        } finally {
            end(completed);
        }
        return n;
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
            long n = blocking("read", () -> readInto(dst, -1));
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
        long n = blocking("pread", () -> readInto(dst, position));
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
            return blocking("readv", () -> eachBuffer(dsts, offset, length, b -> readInto(b, -1)));
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
            return normalize(blocking("write", () -> writeFrom(src, -1)));
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
        return normalize(blocking("pwrite", () -> writeFrom(src, position)));
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        ensureOpen();
        if (!writable) throw new NonWritableChannelException();
        for (int i = offset; i < offset + length; i++) Objects.requireNonNull(srcs[i]);
        positionLock.lock();
        try {
            return Math.max(0, blocking("writev", () -> eachBuffer(srcs, offset, length, b -> writeFrom(b, -1))));
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
            return Math.max(0, blocking("lseek", () -> append ? sizeOf() : SYS.lseek(fdVal, 0, SysCalls.SEEK_CUR)));
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
            blocking("lseek", () -> {
                long r = SYS.lseek(fdVal, newPosition, SysCalls.SEEK_SET);
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
        return Math.max(0, blocking("fstat", this::sizeOf));
    }

    private long sizeOf() {
        MemorySegment st = Scratch.acquire();
        try {
            int r = SYS.fstat(fdVal, st.address());
            return r < 0 ? r : st.get(ValueLayout.JAVA_LONG, Stat.SIZE_OFFSET);
        } finally {
            Scratch.release(st);
        }
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        ensureOpen();
        if (size < 0) throw new IllegalArgumentException("Negative size");
        if (!writable) throw new NonWritableChannelException();
        positionLock.lock();
        try {
            blocking("ftruncate", () -> {
                long current = sizeOf();
                if (current < 0) return current;
                long pos = SYS.lseek(fdVal, 0, SysCalls.SEEK_CUR);
                if (pos < 0) return pos;
                if (size < current) {
                    CarrierScheduler s = Dispatch.scheduler();
                    long r = s != null && s.supports(IoUring.IORING_OP_FTRUNCATE)
                            ? s.submitAndAwait(Request.ftruncate(fdVal, size))
                            : SYS.ftruncate(fdVal, size);
                    if (r < 0) return r;
                }
                if (pos > size) {
                    long r = SYS.lseek(fdVal, size, SysCalls.SEEK_SET);
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
        blocking("fsync", () -> {
            CarrierScheduler s = Dispatch.scheduler();
            if (s != null) {
                return fd.submit(s, Request.fsync(fdVal, !metaData));
            }
            return metaData ? SYS.fsync(fdVal) : SYS.fdatasync(fdVal);
        });
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

    // ------------------------------------------------ holes and exact sizes

    /**
     * {@code lseek(SEEK_DATA)} or {@code lseek(SEEK_HOLE)} from {@code from}:
     * the next data or hole offset, or -1 past the last data (ENXIO).
     */
    public long seek(long from, boolean data) throws IOException {
        if (from < 0) throw new IllegalArgumentException("Negative position");
        ensureOpen();
        long r = blocking("lseek", () -> {
            long x = SYS.lseek(fdVal, from, data ? SysCalls.SEEK_DATA : SysCalls.SEEK_HOLE);
            return x == -ENXIO ? -1 : x;
        });
        return r;
    }

    private static final int ENXIO = 6;

    /** Sets the file's size exactly, growing (with a hole) or shrinking: {@code ftruncate(2)}. */
    public void setSize(long size) throws IOException {
        ensureOpen();
        if (size < 0) throw new IllegalArgumentException("Negative size");
        if (!writable) throw new NonWritableChannelException();
        blocking("ftruncate", () -> SYS.ftruncate(fdVal, size));
    }

    // -------------------------------------------------- map and lock: the JDK's

    /** A JDK channel on the same open file (through /proc/self/fd, so DELETE_ON_CLOSE files work too). */
    private FileChannel delegate() throws IOException {
        synchronized (delegateLock) {
            ensureOpen();
            if (delegate == null) {
                Set<OpenOption> opts = new HashSet<>();
                if (readable) opts.add(StandardOpenOption.READ);
                if (writable) opts.add(StandardOpenOption.WRITE);
                delegate = FileChannel.open(Path.of("/proc/self/fd/" + fdVal), opts);
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
        return "RingFileChannel[" + (path == null ? "fd " + fdVal : path) + "]";
    }
}
