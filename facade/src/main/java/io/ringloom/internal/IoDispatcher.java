package io.ringloom.internal;

import io.ringloom.FileStatus;
import io.ringloom.rings.Config;
import io.ringloom.rings.Request;
import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.layout.Cachestat;
import io.ringloom.rings.layout.KernelTimespec;
import io.ringloom.rings.layout.Stat;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.IoUring;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * Makes the facade's syscalls: the one place that decides, for the calling
 * thread, whether a call goes through the ring of the carrier it runs on or
 * is a plain syscall (off the pool, in fallback mode, or on tmpfs), and that
 * owns the fast paths tried before the ring: {@code preadv2(RWF_NOWAIT)} for
 * files, in-kernel copies of cached file ranges ({@link #copyInKernel}),
 * {@code MSG_DONTWAIT} and a no-wait {@code poll} for sockets
 * (docs/DESIGN.md, "Dispatcher"). Heap buffers and arrays reach the kernel
 * through {@link Staging} chunks here, direct buffers as they are
 * (docs/DESIGN.md, "Buffers and staging").
 *
 * <p>Methods on an open fd take its {@link FdHolder} (or {@link FileFd}) and
 * must be called under a use of it ({@link Bracket}, or
 * {@link FdHolder#acquire}), or before any other thread has the holder (a
 * listener's bind and listen): every ring request on the fd goes through
 * {@link #submit}, so a close cancels it (docs/DESIGN.md, "fd lifetime").
 * Results are the kernel's: a count or {@code -errno}; {@link Errors} maps them.
 */
public final class IoDispatcher {
    private IoDispatcher() {}

    private static final SysCalls SYS = SysCalls.get();
    private static final boolean FORCED_FALLBACK = Config.forcedFallback();
    private static final boolean NOWAIT_READS = Config.filesNowait();
    private static final boolean SOCKET_TRY_DIRECT = Config.socketTryDirect();
    /**
     * A thread that has run at least this long since it was last resumed tries a
     * socket receive or send as a {@code MSG_DONTWAIT} system call first: the
     * ring's batching pays off for many short runs sharing one kernel entry, and a
     * long handler gains little from it but pays a park and the wait for that entry
     * (docs/DESIGN.md, "Socket I/O on the ring").
     */
    private static final long LONG_RUN_NANOS = 10_000;
    /**
     * A thread that has run this long on a carrier since it was last resumed yields
     * before its next file call made there as a system call (a cached or memory-file
     * read or write, an in-kernel copy): such calls never park, and a thread making
     * them in a loop would hold the carrier, and the completions in its ring, until
     * it ended (docs/DESIGN.md, "Time slice").
     */
    private static final long TIME_SLICE_NANOS = 1_000_000;
    /** Linux caps one read or write at this many bytes ({@code MAX_RW_COUNT}, include/linux/fs.h). */
    public static final int MAX_RW = 0x7ffff000;
    /** lseek(2): SEEK_DATA or SEEK_HOLE past the last data. */
    private static final int ENXIO = 6;
    /** iovec (include/uapi/linux/uio.h): 0 u64 iov_base, 8 u64 iov_len. */
    private static final long IOV_BASE_OFFSET = 0;
    private static final long IOV_LEN_OFFSET = 8;
    /** statfs(2): {@code f_type} is the first field. */
    private static final long STATFS_TYPE_OFFSET = 0;
    /**
     * File-system kind ({@link FileFd#MEMORY_FS}, {@link FileFd#LOCAL_FS} bits) by device:
     * a mount does not change type under an open file's st_dev.
     */
    private static final ConcurrentHashMap<Long, Integer> FS_BITS_BY_DEV = new ConcurrentHashMap<>();
    /** Folders in which a file was created on a memory file system, by path ({@link #createdIn}). */
    private static final ConcurrentHashMap<Path, Boolean> MEMORY_FS_FOLDERS = new ConcurrentHashMap<>();
    /** Past this many, the folders are forgotten and learnt again. */
    private static final int MEMORY_FS_FOLDERS_MAX = 4096;

    // ------------------------------------------------------------------ where

    /** The scheduler whose ring this thread's calls use, or null for plain syscalls. */
    public static CarrierScheduler scheduler() {
        return FORCED_FALLBACK ? null : CarrierScheduler.current();
    }

    /**
     * As {@link #scheduler()}, for a socket made on {@code home}'s pool:
     * callers off every pool hand their requests to that pool while it is open.
     */
    public static CarrierScheduler scheduler(CarrierScheduler home) {
        CarrierScheduler s = scheduler();
        if (s == null && home != null && !home.isClosed() && !FORCED_FALLBACK) s = home;
        return s;
    }

    public static boolean forcedFallback() {
        return FORCED_FALLBACK;
    }

    /**
     * One request on {@code fd} through {@code s}'s ring, under a use of it.
     * The scheduler is recorded before the SQE is pushed, and the carrier
     * cancels the request if a close got in first (see
     * {@link CarrierScheduler#submitAndAwait(Request, Request, java.util.function.BooleanSupplier, boolean)}).
     * {@code linkedTimeout} may be null. Not {@code interruptible}: an
     * interrupt leaves the request in the ring, and only its CQE or a close ends it.
     */
    private static int submit(FdHolder fd, CarrierScheduler s, Request request, Request linkedTimeout,
                              boolean interruptible) throws IOException {
        fd.usedBy(s);
        return s.submitAndAwait(request, linkedTimeout, fd.closingCheck(), interruptible);
    }

    /** A socket's request: interruptible unless the socket is {@code java.net}'s and the caller a platform thread. */
    static int submit(FdHolder fd, CarrierScheduler s, Request request, Request linkedTimeout) throws IOException {
        return submit(fd, s, request, linkedTimeout, fd.interruptibleByCurrentThread());
    }

    private static int submit(FdHolder fd, CarrierScheduler s, Request request) throws IOException {
        return submit(fd, s, request, null);
    }

    /** A request on a file, interruptible until its channel is made uninterruptible ({@link FileFd#interruptible()}). */
    private static int submit(FileFd f, CarrierScheduler s, Request request) throws IOException {
        return submit(f.holder, s, request, null, f.interruptible());
    }

    // ------------------------------------------------------------------ paths

    public static int openat(MemorySegment cpath, int flags, int mode) throws IOException {
        CarrierScheduler s = scheduler();
        return s != null ? s.submitAndAwait(Request.openat(Request.AT_FDCWD, cpath, flags, mode))
                : SYS.openat(SysCalls.AT_FDCWD, cpath.address(), flags, mode);
    }

    /**
     * {@code openat(2)} that may create a file ({@code O_CREAT} or {@code O_TMPFILE})
     * in {@code folder}. io_uring hands every such open to an io-wq worker, a
     * wake-up and a switch there and back. One that can only make a new file
     * ({@code O_TMPFILE}, or {@code O_CREAT | O_EXCL}, which follows no link and
     * opens nothing that exists, so never a FIFO that would wait for its other end)
     * in a folder known to be on a memory file system ({@link #createdIn}), which
     * never waits for a disk, is a plain call on the calling thread instead, as that
     * file system's reads and writes are (docs/DESIGN.md, "Creates in memory
     * folders"). {@code folder} null: through the ring.
     */
    public static int create(Path folder, MemorySegment cpath, int flags, int mode) throws IOException {
        CarrierScheduler s = scheduler();
        if (s != null && makesOnlyNew(flags) && folder != null && MEMORY_FS_FOLDERS.containsKey(folder)) {
            yieldAfterSlice(s);
            return SYS.openat(SysCalls.AT_FDCWD, cpath.address(), flags, mode);
        }
        return s != null ? s.submitAndAwait(Request.openat(Request.AT_FDCWD, cpath, flags, mode))
                : SYS.openat(SysCalls.AT_FDCWD, cpath.address(), flags, mode);
    }

    /**
     * Whether an open with {@code flags} can only make a new file ({@code O_TMPFILE},
     * or {@code O_CREAT | O_EXCL}): the opens {@link #create} may make plainly and
     * {@link #createdIn} may learn a folder from.
     */
    public static boolean makesOnlyNew(int flags) {
        return (flags & SysCalls.O_TMPFILE) == SysCalls.O_TMPFILE
                || (flags & (SysCalls.O_CREAT | SysCalls.O_EXCL)) == (SysCalls.O_CREAT | SysCalls.O_EXCL);
    }

    /**
     * Records what a file just created in {@code folder} is on: a folder on a
     * memory file system is remembered by its path for {@link #create}, and
     * forgotten when a file created there is found on another one (a mount over
     * it). A wrong entry costs speed only, never a result: the call is the same.
     */
    public static void createdIn(Path folder, FileFd created) {
        if (folder == null) return;
        if (created.memoryFs()) {
            if (MEMORY_FS_FOLDERS.containsKey(folder)) return;   // most creates: no write to the map
            if (MEMORY_FS_FOLDERS.size() >= MEMORY_FS_FOLDERS_MAX) MEMORY_FS_FOLDERS.clear();
            MEMORY_FS_FOLDERS.put(folder, Boolean.TRUE);
        } else if (!MEMORY_FS_FOLDERS.isEmpty()) {
            MEMORY_FS_FOLDERS.remove(folder);
        }
    }

    public static int unlinkat(MemorySegment cpath, int flags) throws IOException {
        CarrierScheduler s = scheduler();
        return s != null ? s.submitAndAwait(Request.unlinkat(Request.AT_FDCWD, cpath, flags))
                : SYS.unlinkat(SysCalls.AT_FDCWD, cpath.address(), flags);
    }

    public static int mkdirat(MemorySegment cpath, int mode) throws IOException {
        CarrierScheduler s = scheduler();
        return s != null ? s.submitAndAwait(Request.mkdirat(Request.AT_FDCWD, cpath, mode))
                : SYS.mkdirat(SysCalls.AT_FDCWD, cpath.address(), mode);
    }

    /**
     * {@code renameat2(2)}: through the ring ({@code IORING_OP_RENAMEAT}, 5.11) on a
     * pool thread whose ring has it, else the plain syscall.
     *
     * @param flags {@code SysCalls.RENAME_NOREPLACE} or 0
     */
    public static int renameat(MemorySegment from, MemorySegment to, int flags) throws IOException {
        CarrierScheduler s = scheduler();
        return s != null && s.supports(IoUring.IORING_OP_RENAMEAT)
                ? s.submitAndAwait(Request.renameat(Request.AT_FDCWD, from, Request.AT_FDCWD, to, flags))
                : SYS.renameat2(SysCalls.AT_FDCWD, from.address(), SysCalls.AT_FDCWD, to.address(), flags);
    }

    /**
     * False once the kernel refused {@code linkat(fd, "", ..., AT_EMPTY_PATH)}: before 6.10
     * that needs {@code CAP_DAC_READ_SEARCH}, from 6.10 the opener's credentials do.
     */
    private static volatile boolean emptyPathLinks = true;

    /**
     * {@code linkat(2)} of the file open on {@code f}, named or not, to
     * {@code target}: through the ring ({@code IORING_OP_LINKAT}, 5.15) on a
     * pool thread whose ring has it, else the plain syscall. An existing target
     * is never replaced (EEXIST). The file is named by its fd
     * ({@code AT_EMPTY_PATH}), or where the kernel refuses that, by its
     * {@code /proc/self/fd} link, which the kernel follows to the open file;
     * the empty path skips that link's lookup, about half of the call's work on
     * a small file (docs/DESIGN.md, "Unnamed copies"). The caller holds a use of
     * {@code f}, so its number names this file until the call returns.
     */
    public static int linkat(FileFd f, Path targetFolder, MemorySegment target) throws IOException {
        // a file on a memory file system, into a folder known to be on one, is linked by a
        // plain call, as it was created (see create): no lookup there can wait for a server
        boolean plain = f.memoryFs() && targetFolder != null && MEMORY_FS_FOLDERS.containsKey(targetFolder);
        if (emptyPathLinks) {
            int r = linkat(f.fdVal(), NativeStrings.EMPTY, target, SysCalls.AT_EMPTY_PATH, plain);
            if (r != -Errno.ENOENT) return r;
            // ENOENT: the target's folder is missing, or the empty path was refused; the /proc link tells which
        }
        try (Arena arena = Arena.ofConfined()) {
            int r = linkat(Request.AT_FDCWD, arena.allocateFrom("/proc/self/fd/" + f.fdVal()), target,
                    SysCalls.AT_SYMLINK_FOLLOW, plain);
            if (r != -Errno.ENOENT && emptyPathLinks) emptyPathLinks = false;
            return r;
        }
    }

    private static int linkat(int fromDirFd, MemorySegment from, MemorySegment target, int flags, boolean plain)
            throws IOException {
        CarrierScheduler s = scheduler();
        if (plain) {
            yieldAfterSlice(s);
            s = null;
        }
        return s != null && s.supports(IoUring.IORING_OP_LINKAT)
                ? s.submitAndAwait(Request.linkat(fromDirFd, from, Request.AT_FDCWD, target, flags))
                : SYS.linkat(fromDirFd, from.address(), SysCalls.AT_FDCWD, target.address(), flags);
    }

    // ------------------------------------------------------------------ files

    /**
     * The {@link FileFd} kind of a newly opened fd (not yet shared): its device,
     * whether it is a regular file, and whether on tmpfs or ramfs, which serve
     * I/O from memory: io_uring would punt it to io-wq workers (45k against
     * 548k IOPS, docs/DESIGN.md, "Decisions and measurements") and
     * RWF_NOWAIT buys nothing, so such files get plain syscalls.
     */
    public static FileFd.Kind fileKind(int fdVal) throws IOException {
        MemorySegment st = Scratch.acquire();
        try {
            int r = SYS.fstat(fdVal, st.address());
            if (r < 0) throw Errors.forFd(r, "fstat", fdVal, null);
            long dev = st.get(ValueLayout.JAVA_LONG, Stat.DEV_OFFSET);
            if ((st.get(ValueLayout.JAVA_INT, Stat.MODE_OFFSET) & Stat.S_IFMT) != Stat.S_IFREG) return kind(0, dev, st);
            Integer fsBits = FS_BITS_BY_DEV.get(dev);
            if (fsBits == null) {
                // into a block of its own: st's size, mode and times are read after
                MemorySegment sfs = Scratch.acquire();
                try {
                    r = SYS.fstatfs(fdVal, sfs.address());
                    if (r < 0) throw Errors.forFd(r, "fstatfs", fdVal, null);
                    fsBits = fsBits(sfs.get(ValueLayout.JAVA_LONG, STATFS_TYPE_OFFSET));
                } finally {
                    Scratch.release(sfs);
                }
                FS_BITS_BY_DEV.put(dev, fsBits);
            }
            return kind(FileFd.REGULAR | fsBits, dev, st);
        } finally {
            Scratch.release(st);
        }
    }

    /** A {@link FileFd.Kind} with the size, mode bits, times and owner of {@code st}, filled by {@code fstat(2)}. */
    private static FileFd.Kind kind(int bits, long dev, MemorySegment st) {
        return new FileFd.Kind(bits, dev, st.get(ValueLayout.JAVA_LONG, Stat.SIZE_OFFSET),
                st.get(ValueLayout.JAVA_INT, Stat.MODE_OFFSET) & 07777,
                st.get(ValueLayout.JAVA_LONG, Stat.MTIME_OFFSET + KernelTimespec.TV_SEC_OFFSET),
                st.get(ValueLayout.JAVA_LONG, Stat.MTIME_OFFSET + KernelTimespec.TV_NSEC_OFFSET),
                st.get(ValueLayout.JAVA_LONG, Stat.ATIME_OFFSET + KernelTimespec.TV_SEC_OFFSET),
                st.get(ValueLayout.JAVA_LONG, Stat.ATIME_OFFSET + KernelTimespec.TV_NSEC_OFFSET),
                st.get(ValueLayout.JAVA_INT, Stat.UID_OFFSET), st.get(ValueLayout.JAVA_INT, Stat.GID_OFFSET),
                st.get(ValueLayout.JAVA_LONG, Stat.INO_OFFSET), st.get(ValueLayout.JAVA_LONG, Stat.NLINK_OFFSET));
    }

    /** The {@link FileFd} bits of a file system by its statfs {@code f_type}. */
    private static int fsBits(long type) {
        if (type == SysCalls.TMPFS_MAGIC || type == SysCalls.RAMFS_MAGIC) return FileFd.MEMORY_FS | FileFd.LOCAL_FS;
        if (type == SysCalls.XFS_SUPER_MAGIC || type == SysCalls.BTRFS_SUPER_MAGIC
                || type == SysCalls.OVERLAYFS_SUPER_MAGIC) return FileFd.LOCAL_FS | FileFd.CLONES;
        return type == SysCalls.EXT4_SUPER_MAGIC || type == SysCalls.F2FS_SUPER_MAGIC ? FileFd.LOCAL_FS : 0;
    }

    /**
     * {@code getdents64(2)} into {@code buf}: the bytes of records filled, 0 at the end,
     * or {@code -errno}. A plain call, as the JDK's {@code readdir} is: io_uring has no
     * such op; after the time slice's check on a carrier.
     */
    static long getdents(int fdVal, MemorySegment buf) {
        yieldAfterSlice(scheduler());
        return SYS.getdents64(fdVal, buf.address(), buf.byteSize());
    }

    /** Closes an fd that no other thread has seen yet, so no request on it can be in flight. */
    public static void closeUnshared(int fdVal) {
        SYS.close(fdVal);
    }

    /** Whether reads of files opened from now on try {@code preadv2(RWF_NOWAIT)} first ({@code ringloom.files.nowait}). */
    public static boolean nowaitReads() {
        return NOWAIT_READS;
    }

    /**
     * One read at {@code position} (-1: the fd's offset) into native memory.
     * tmpfs/ramfs: a plain syscall. A regular file: {@code preadv2(RWF_NOWAIT)}
     * first, so a cached read costs one syscall and no park. Then the ring,
     * or off the pool a plain syscall.
     *
     * <p>A read of a regular file fills the memory unless it meets the end of
     * the file, as the JDK's does and as applications expect (a short count
     * within the file reads as a truncated file to many). RWF_NOWAIT breaks
     * that: the kernel answers with what it copied before the first page it
     * would wait for (mm/filemap.c {@code filemap_read}: {@code -EAGAIN} from
     * {@code filemap_get_pages} after some bytes ends the loop with the
     * count). The rest is then read the slow way and the counts added.
     */
    public static long read(FileFd f, MemorySegment seg, long position) throws IOException {
        int fdVal = f.fdVal();
        CarrierScheduler s = scheduler();
        // the slice before a read that may not park; a read through the ring parks anyway
        if (f.memoryFs() || f.nowait()) yieldAfterSlice(s);
        if (f.memoryFs()) return plainRead(fdVal, seg, position);
        if (f.nowait()) {
            long r = nowaitRead(fdVal, seg, position);
            if (r > 0 && r < seg.byteSize()) {
                long rest = blockingRead(f, s, seg.asSlice(r), position < 0 ? -1 : position + r);
                // An error after some bytes is the next call's to report, as read(2) does.
                return rest > 0 ? r + rest : r;
            }
            if (r != -Errno.EAGAIN) {
                if (r != -Errno.EOPNOTSUPP && r != -Errno.EINVAL) return r;
                f.nowaitRefused();
            }
        }
        return blockingRead(f, s, seg, position);
    }

    /** A read that may wait for the disk: through {@code s}'s ring, or off the pool ({@code s} null) a plain syscall. */
    private static long blockingRead(FileFd f, CarrierScheduler s, MemorySegment seg, long position) throws IOException {
        return s != null ? submit(f, s, Request.read(f.fdVal(), seg, position)) : plainRead(f.fdVal(), seg, position);
    }

    private static long plainRead(int fdVal, MemorySegment seg, long position) {
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
    private static long nowaitRead(int fdVal, MemorySegment seg, long position) {
        MemorySegment iov = Scratch.acquire();
        try {
            iov.set(ValueLayout.JAVA_LONG, IOV_BASE_OFFSET, seg.address());
            iov.set(ValueLayout.JAVA_LONG, IOV_LEN_OFFSET, seg.byteSize());
            return SYS.preadv2(fdVal, iov.address(), 1, position, SysCalls.RWF_NOWAIT);
        } finally {
            Scratch.release(iov);
        }
    }

    /** One write at {@code position} (-1: the fd's offset) from native memory. */
    public static long write(FileFd f, MemorySegment seg, long position) throws IOException {
        int fdVal = f.fdVal();
        CarrierScheduler s = scheduler();
        if (f.memoryFs()) {
            yieldAfterSlice(s);
            s = null;
        }
        if (s != null) return submit(f, s, Request.write(fdVal, seg, position));
        return position < 0 ? SYS.write(fdVal, seg.address(), seg.byteSize())
                : SYS.pwrite(fdVal, seg.address(), seg.byteSize(), position);
    }

    /** {@code fsync(2)}, or {@code fdatasync(2)} when not {@code metaData}. */
    public static long fsync(FileFd f, boolean metaData) throws IOException {
        CarrierScheduler s = scheduler();
        if (s != null) return submit(f, s, Request.fsync(f.fdVal(), !metaData));
        return metaData ? SYS.fsync(f.fdVal()) : SYS.fdatasync(f.fdVal());
    }

    /** {@code ftruncate(2)}: through the ring where the kernel has {@code IORING_OP_FTRUNCATE} (6.9). */
    public static long ftruncate(FileFd f, long size) throws IOException {
        CarrierScheduler s = scheduler();
        if (s != null && s.supports(IoUring.IORING_OP_FTRUNCATE)) {
            return submit(f, s, Request.ftruncate(f.fdVal(), size));
        }
        return SYS.ftruncate(f.fdVal(), size);
    }

    /** {@code fchmod(2)}: there is no ring op for it, and on a local file it does not wait for the disk. */
    public static int fchmod(FileFd f, int mode) {
        return SYS.fchmod(f.fdVal(), mode);
    }

    /** {@code fchown(2)}; -1 leaves that ID as it is. No ring op, as {@link #fchmod}. */
    public static int fchown(FileFd f, int uid, int gid) {
        return SYS.fchown(f.fdVal(), uid, gid);
    }

    /**
     * {@code futimens(3)} with the two times; null leaves that time as it is
     * ({@code UTIME_OMIT}). No ring op, as {@link #fchmod}.
     */
    public static int futimens(FileFd f, Instant modified, Instant accessed) {
        MemorySegment times = Scratch.acquire();
        try {
            // struct timespec[2]: the access time first, then the modification time
            putTimespec(times, 0, accessed);
            putTimespec(times, KernelTimespec.SIZE, modified);
            return SYS.futimens(f.fdVal(), times.address());
        } finally {
            Scratch.release(times);
        }
    }

    private static void putTimespec(MemorySegment times, long offset, Instant t) {
        times.set(ValueLayout.JAVA_LONG, offset + KernelTimespec.TV_SEC_OFFSET, t == null ? 0 : t.getEpochSecond());
        times.set(ValueLayout.JAVA_LONG, offset + KernelTimespec.TV_NSEC_OFFSET, t == null ? SysCalls.UTIME_OMIT : t.getNano());
    }

    /** {@code lseek(2)}; it never blocks, so never the ring. */
    public static long seek(FileFd f, long offset, int whence) {
        return SYS.lseek(f.fdVal(), offset, whence);
    }

    /**
     * {@code lseek(SEEK_DATA)} or {@code lseek(SEEK_HOLE)} from {@code from}:
     * the next data or hole offset, -1 past the last data (ENXIO), or {@code -errno}.
     */
    public static long seekDataOrHole(FileFd f, long from, boolean data) {
        long r = SYS.lseek(f.fdVal(), from, data ? SysCalls.SEEK_DATA : SysCalls.SEEK_HOLE);
        return r == -ENXIO ? -1 : r;
    }

    /**
     * {@code fstat(2)}: size, mode bits, times, owner and identity; it does not wait for the
     * disk once the file is open (the inode is in memory), so never the ring.
     */
    public static FileStatus status(FileFd f) throws IOException {
        MemorySegment st = Scratch.acquire();
        try {
            int r = SYS.fstat(f.fdVal(), st.address());
            if (r < 0) throw Errors.forFd(r, "fstat", f.fdVal(), null);
            return statusOf(st);
        } finally {
            Scratch.release(st);
        }
    }

    /** What {@code fstat(2)} filled in {@code st}, read as an open reads it. */
    private static FileStatus statusOf(MemorySegment st) {
        return kind(0, st.get(ValueLayout.JAVA_LONG, Stat.DEV_OFFSET), st).atOpen();
    }

    /** {@code st_mode & 07777} from {@code fstat(2)}, or {@code -errno}. */
    public static int modeBits(FileFd f) {
        MemorySegment st = Scratch.acquire();
        try {
            int r = SYS.fstat(f.fdVal(), st.address());
            return r < 0 ? r : st.get(ValueLayout.JAVA_INT, Stat.MODE_OFFSET) & 07777;
        } finally {
            Scratch.release(st);
        }
    }

    /** {@code st_size} from {@code fstat(2)}, or {@code -errno}. */
    public static long size(FileFd f) {
        MemorySegment st = Scratch.acquire();
        try {
            int r = SYS.fstat(f.fdVal(), st.address());
            return r < 0 ? r : st.get(ValueLayout.JAVA_LONG, Stat.SIZE_OFFSET);
        } finally {
            Scratch.release(st);
        }
    }

    // ---------------------------------------------------------- in-kernel copies

    /** Whether copies of cached ranges may stay in the kernel ({@code ringloom.copy.inkernel}). */
    private static final boolean COPY_IN_KERNEL = Config.copyInKernel();
    /** Ranges up to this size that only {@code sendfile} would copy in the kernel go through a buffer instead. */
    private static final long SMALL_BY_BUFFER = 64 * 1024;
    /**
     * log2 of the page size: 4 KiB on x86-64, the one architecture whose syscall
     * numbers ({@link SysCalls#SYS_CACHESTAT}) and {@code struct stat} Ringloom binds.
     */
    private static final int PAGE_SHIFT = 12;
    /** Where {@link #cached} puts {@code struct cachestat} in its scratch block, after the range. */
    private static final long CACHESTAT_AT = Cachestat.RANGE_SIZE;
    /** Where {@link #copyFileRange} puts its two {@code loff_t}s, and {@link #sendfileAt} its {@code off_t}. */
    private static final long OFF_IN_AT = 0;
    private static final long OFF_OUT_AT = 8;
    /** False once the kernel answered {@code cachestat(2)} with ENOSYS (before 6.5): no copy stays in the kernel on a ring. */
    private static volatile boolean cachestatAvailable = true;

    /** How the kernel copies between two file systems, learnt from its refusals. */
    private enum InKernel {
        /** {@code copy_file_range(2)}: both offsets given, so parallel chunks never share a file position. */
        COPY_FILE_RANGE,
        /**
         * {@code sendfile(2)}: copy_file_range refused the pair (across file systems it
         * splices only for file systems with their own {@code ->copy_file_range} of
         * the same type, fs/read_write.c {@code vfs_copy_file_range}: ext4 to tmpfs is EXDEV).
         */
        SENDFILE,
        /** Both refused: every chunk goes the ring's way. */
        NONE
    }

    /**
     * A source and a target device, the key of what the kernel refused. Its own
     * equals and hashCode: a record's generated ones are bootstrapped on first use,
     * ~3 ms of a short command's start-up (docs/DESIGN.md, "Start-up").
     */
    private record Devices(long in, long out) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Devices d && d.in == in && d.out == out;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(in) * 31 + Long.hashCode(out);
        }
    }

    /** What the kernel refused per (source, target) device pair; a pair not here tries copy_file_range. */
    private static final ConcurrentHashMap<Devices, InKernel> IN_KERNEL_BY_DEVICES = new ConcurrentHashMap<>();

    /**
     * Copies what it can of {@code [position, position + length)} of {@code in}
     * to the same offsets of {@code out} inside the kernel, never through user
     * memory: {@code copy_file_range(2)}, or {@code sendfile(2)} where the kernel
     * refuses that for the pair of file systems (remembered per device pair, so
     * each refusal is met once per process, not once per chunk).
     *
     * <p>On a pool thread only when {@code cachestat(2)} finds every page of the
     * source range in the page cache. Then the copy is memory copying the carrier
     * would make anyway, as the {@code preadv2(RWF_NOWAIT)} fast path of
     * {@link #read(FileFd, MemorySegment, long)} does, only once instead of twice
     * and without the round trip through a buffer. An uncached range would block
     * the carrier on the disk, which is what the ring is for: 0 is answered and
     * the caller reads and writes through it. So is any range between files not
     * both on local file systems ({@link FileFd#LOCAL_FS}): on NFS, SMB or FUSE
     * the copy is a request to a server or daemon, however cached the source.
     * (The write side is an ordinary buffered write; like every buffered write it
     * may be throttled by dirty-page writeback, which a ring write would leave to
     * an io-wq worker.) Off the pools the
     * caller's thread may block, and the kernel's copy beats {@code pread} and
     * {@code pwrite} whether the pages are cached or not, so no question is asked.
     *
     * <p>Under uses of both fds ({@link RingFileChannelImpl#copyInKernel}).
     * {@code out} must not be in append mode (copy_file_range answers EBADF).
     * {@code outPosition} serialises {@code sendfile}, which writes at the target
     * fd's own file position, with the target channel's relative calls; the
     * position is put back after each call.
     *
     * @return the bytes copied, from 0 to {@code length}; the caller copies the
     *         rest its own way (which also finds where a source that shrank now
     *         ends); or {@code -errno} when the kernel failed before copying anything
     */
    public static long copyInKernel(FileFd in, FileFd out, Lock outPosition, long position, long length) {
        // Regular files only: the kernel refuses anything else (EINVAL), or for a pipe
        // source with an offset fails outright (ESPIPE), where the caller's way works.
        if (!COPY_IN_KERNEL || length <= 0 || !in.regular() || !out.regular()) return 0;
        Devices devices = new Devices(in.dev(), out.dev());
        // sendfile costs a small range four calls (cachestat, sendfile between two lseeks
        // that keep the target's position); through a buffer it costs two (docs/DESIGN.md, "Copies")
        if (length <= SMALL_BY_BUFFER && IN_KERNEL_BY_DEVICES.get(devices) == InKernel.SENDFILE) return 0;
        CarrierScheduler s = scheduler();
        yieldAfterSlice(s);
        // a network or FUSE file system could hold the carrier on its server, cached or not
        // and a clone first writes the source's dirty pages back and waits: clean pages only there
        if (s != null && (!in.localFs() || !out.localFs() || !cached(in, position, length, in.clones() || out.clones()))) {
            return 0;
        }
        long done = 0;
        while (done < length) {
            InKernel how = IN_KERNEL_BY_DEVICES.getOrDefault(devices, InKernel.COPY_FILE_RANGE);
            long n = switch (how) {
                case COPY_FILE_RANGE -> copyFileRange(in.fdVal(), out.fdVal(), position + done, length - done);
                case SENDFILE -> sendfileAt(in.fdVal(), out.fdVal(), outPosition, position + done, length - done);
                case NONE -> 0;
            };
            if (n > 0) {
                done += n;
                continue;
            }
            if (n < 0 && refusal(n)) {
                IN_KERNEL_BY_DEVICES.put(devices, how == InKernel.COPY_FILE_RANGE ? InKernel.SENDFILE : InKernel.NONE);
                continue;
            }
            // 0: the source ends here; EINTR: a signal; anything else: a real failure,
            // reported here unless some bytes were copied, in which case the caller's
            // own way meets it again on the rest.
            return done > 0 || n == 0 || n == -Errno.EINTR ? done : n;
        }
        return done;
    }

    /**
     * The answers that mean the kernel does not copy this way between these
     * file systems (man copy_file_range(2), sendfile(2)): EXDEV across super
     * blocks, EINVAL for files it cannot splice, EOPNOTSUPP and ENOSYS.
     */
    private static boolean refusal(long res) {
        return res == -Errno.EXDEV || res == -Errno.EINVAL || res == -Errno.EOPNOTSUPP || res == -Errno.ENOSYS;
    }

    /**
     * Whether every page of {@code [position, position + length)} of {@code in} is in
     * the page cache: {@code nr_cache} equals the range's page count (a folio across
     * either end counts only its pages inside, mm/filemap.c {@code filemap_cachestat}),
     * and with {@code clean} none of them dirty or under writeback (a clone's
     * {@code generic_remap_file_range_prep} would write them back and wait).
     * False when the kernel cannot say: ENOSYS (before 6.5, then never asked again),
     * EPERM (6.14+, a file the caller could not write) or EOPNOTSUPP (hugetlbfs),
     * then not asked again for that file.
     */
    private static boolean cached(FileFd in, long position, long length, boolean clean) {
        if (!cachestatAvailable || !in.cachestat()) return false;
        MemorySegment s = Scratch.acquire();
        try {
            s.set(ValueLayout.JAVA_LONG, Cachestat.RANGE_OFF_OFFSET, position);
            s.set(ValueLayout.JAVA_LONG, Cachestat.RANGE_LEN_OFFSET, length);
            int r = SYS.cachestat(in.fdVal(), s.address(), s.address() + CACHESTAT_AT, 0);
            if (r == -Errno.ENOSYS) {
                cachestatAvailable = false;
                return false;
            }
            if (r == -Errno.EPERM || r == -Errno.EOPNOTSUPP) {
                in.cachestatRefused();
                return false;
            }
            if (r < 0) return false;
            long pages = ((position + length - 1) >>> PAGE_SHIFT) - (position >>> PAGE_SHIFT) + 1;
            if (s.get(ValueLayout.JAVA_LONG, CACHESTAT_AT + Cachestat.NR_CACHE_OFFSET) != pages) return false;
            return !clean || s.get(ValueLayout.JAVA_LONG, CACHESTAT_AT + Cachestat.NR_DIRTY_OFFSET) == 0
                    && s.get(ValueLayout.JAVA_LONG, CACHESTAT_AT + Cachestat.NR_WRITEBACK_OFFSET) == 0;
        } finally {
            Scratch.release(s);
        }
    }

    /** One {@code copy_file_range(2)} between the same offsets of both files; the fds' positions stay as they are. */
    private static long copyFileRange(int in, int out, long position, long length) {
        MemorySegment offsets = Scratch.acquire();
        try {
            offsets.set(ValueLayout.JAVA_LONG, OFF_IN_AT, position);
            offsets.set(ValueLayout.JAVA_LONG, OFF_OUT_AT, position);
            return SYS.copyFileRange(in, offsets.address() + OFF_IN_AT, out, offsets.address() + OFF_OUT_AT,
                    Math.min(length, MAX_RW), 0);
        } finally {
            Scratch.release(offsets);
        }
    }

    /**
     * One {@code sendfile(2)} from {@code position} of {@code in} to the same offset of
     * {@code out}. It writes at the target fd's file position, shared by every
     * thread copying into that file and by the channel's relative calls, so the
     * position is set, used and put back under the channel's position lock.
     */
    private static long sendfileAt(int in, int out, Lock outPosition, long position, long length) {
        MemorySegment offset = Scratch.acquire();
        outPosition.lock();
        try {
            long saved = SYS.lseek(out, 0, SysCalls.SEEK_CUR);
            if (saved < 0) return saved;
            if (saved != position) {   // a new file's first chunk is already there
                long r = SYS.lseek(out, position, SysCalls.SEEK_SET);
                if (r < 0) return r;
            }
            try {
                offset.set(ValueLayout.JAVA_LONG, OFF_IN_AT, position);
                return SYS.sendfile(out, in, offset.address() + OFF_IN_AT, Math.min(length, MAX_RW));
            } finally {
                SYS.lseek(out, saved, SysCalls.SEEK_SET);
            }
        } finally {
            outPosition.unlock();
            Scratch.release(offset);
        }
    }

    // ---------------------------------------------------------------- staging

    /**
     * One transfer between an fd and native memory: {@link #read(FileFd, MemorySegment, long)},
     * {@link #recv}, ... as a method reference, so that staging makes no object per call.
     */
    @FunctionalInterface
    public interface SegmentIo<T> {
        long run(T target, MemorySegment seg, long arg) throws IOException;
    }

    /**
     * The bytes one transfer on {@code buf} moves at most: all it has left
     * for a direct buffer (up to {@link #MAX_RW}), one {@link Staging#CHUNK}
     * for a heap buffer.
     */
    public static int transferSize(ByteBuffer buf) {
        return Math.min(buf.remaining(), buf.isDirect() ? MAX_RW : Staging.CHUNK);
    }

    /**
     * One transfer of {@link #transferSize} bytes from {@code io} into
     * {@code dst} at its position, which advances by what was read. A direct
     * buffer is handed to the kernel as it is; a heap buffer's bytes land in a
     * staging chunk first, given back only after {@code io} returned, that is
     * after the request's CQE.
     *
     * @return {@code io}'s result: bytes read, 0 at EOF, or {@code -errno}
     */
    public static <T> long readStaged(SegmentIo<T> io, T target, ByteBuffer dst, long arg) throws IOException {
        int len = transferSize(dst);
        if (dst.isDirect()) {
            long n = io.run(target, MemorySegment.ofBuffer(dst).asSlice(0, len), arg);
            if (n > 0) dst.position(dst.position() + (int) n);
            return n;
        }
        MemorySegment chunk = Staging.acquire(len);
        try {
            MemorySegment seg = chunk.asSlice(0, len);
            long n = io.run(target, seg, arg);
            if (n > 0) {
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, dst.array(), dst.arrayOffset() + dst.position(), (int) n);
                dst.position(dst.position() + (int) n);
            }
            return n;
        } finally {
            Staging.release(chunk);
        }
    }

    /**
     * One transfer of {@link #transferSize} bytes from {@code src} at its
     * position to {@code io}; the position advances by what was written. A
     * heap or read-only buffer is copied into a staging chunk first.
     *
     * @return {@code io}'s result: bytes written, or {@code -errno}
     */
    public static <T> long writeStaged(SegmentIo<T> io, T target, ByteBuffer src, long arg) throws IOException {
        int len = transferSize(src);
        long n;
        if (src.isDirect()) {
            n = io.run(target, MemorySegment.ofBuffer(src).asSlice(0, len), arg);
        } else {
            MemorySegment chunk = Staging.acquire(len);
            try {
                MemorySegment seg = chunk.asSlice(0, len);
                seg.copyFrom(MemorySegment.ofBuffer(src).asSlice(0, len));   // works for a read-only buffer too
                n = io.run(target, seg, arg);
            } finally {
                Staging.release(chunk);
            }
        }
        if (n > 0) src.position(src.position() + (int) n);
        return n;
    }

    /** {@link #readStaged} into {@code a[off, off + len)}. */
    /**
     * {@link #writeStaged} until {@code src} is empty, as a blocking socket
     * writes. @return bytes written, or the first {@code -errno}
     */
    public static <T> long writeAllStaged(SegmentIo<T> io, T target, ByteBuffer src) throws IOException {
        long total = 0;
        while (src.hasRemaining()) {
            long n = writeStaged(io, target, src, 0);
            if (n < 0) return n;
            total += n;
        }
        return total;
    }

    public static <T> long readStaged(SegmentIo<T> io, T target, byte[] a, int off, int len, long arg) throws IOException {
        return readStaged(io, target, ByteBuffer.wrap(a, off, len), arg);
    }

    /** {@link #writeStaged} from {@code a[off, off + len)}. */
    public static <T> long writeStaged(SegmentIo<T> io, T target, byte[] a, int off, int len, long arg) throws IOException {
        return writeStaged(io, target, ByteBuffer.wrap(a, off, len), arg);
    }

    // ---------------------------------------------------------------- sockets

    /**
     * A new TCP socket's fd ({@code SOCK_STREAM | SOCK_CLOEXEC}), or
     * {@code -errno}: through {@code s}'s ring where the kernel has
     * {@code IORING_OP_SOCKET} (5.19); {@code s} may be null.
     */
    public static int socket(CarrierScheduler s, int family) throws IOException {
        int type = SysCalls.SOCK_STREAM | SysCalls.SOCK_CLOEXEC;
        return s != null && s.supports(IoUring.IORING_OP_SOCKET) ? s.submitAndAwait(Request.socket(family, type, 0))
                : SYS.socket(family, type, 0);
    }

    /** Whether {@link #bind} and {@link #listen} go through {@code s}'s ring (BIND and LISTEN, 6.11). */
    private static boolean ringBindsAndListens(CarrierScheduler s) {
        return s != null && s.supports(IoUring.IORING_OP_BIND) && s.supports(IoUring.IORING_OP_LISTEN);
    }

    public static int bind(CarrierScheduler s, FdHolder fd, MemorySegment sockaddr) throws IOException {
        return ringBindsAndListens(s) ? submit(fd, s, Request.bind(fd.fd(), sockaddr))
                : SYS.bind(fd.fd(), sockaddr.address(), (int) sockaddr.byteSize());
    }

    public static int listen(CarrierScheduler s, FdHolder fd, int backlog) throws IOException {
        return ringBindsAndListens(s) ? submit(fd, s, Request.listen(fd.fd(), backlog)) : SYS.listen(fd.fd(), backlog);
    }

    /**
     * Connects, waiting at most {@code timeoutMillis} (0: no limit): through
     * the ring of {@link #scheduler(CarrierScheduler) scheduler(home)} with a
     * linked timeout, which ends it with {@code -ECANCELED}; else a plain
     * {@code connect(2)}.
     */
    public static int connect(FdHolder fd, CarrierScheduler home, MemorySegment sockaddr, int timeoutMillis)
            throws IOException {
        CarrierScheduler s = scheduler(home);
        if (s == null) return SYS.connect(fd.fd(), sockaddr.address(), (int) sockaddr.byteSize());
        if (timeoutMillis <= 0) return submit(fd, s, Request.connect(fd.fd(), sockaddr));
        try (Arena arena = Arena.ofConfined()) {
            return submit(fd, s, Request.connect(fd.fd(), sockaddr), linkTimeout(arena, timeoutMillis));
        }
    }

    /**
     * One receive into {@code seg}, waiting at most {@code timeoutMillis}
     * (0: no limit; {@code -ECANCELED} when it ran out). On a ring: a RECV
     * on the ring, which one kernel entry submits with the other threads'
     * requests; with {@code ringloom.socket.trydirect} a {@code MSG_DONTWAIT}
     * attempt first, as the JDK makes, and the ring only for an empty socket
     * (docs/DESIGN.md, "Sockets", has the measurements). Off the rings:
     * {@code poll(2)} for the timeout, then {@code read(2)};
     * a failed poll throws, naming the poll.
     *
     * @return bytes read, 0 at EOF, or {@code -errno}
     */
    public static long recv(FdHolder fd, CarrierScheduler home, MemorySegment seg, int timeoutMillis) throws IOException {
        CarrierScheduler s = scheduler(home);
        if (s != null) {
            if (tryDirect(s)) {
                long r = SYS.recv(fd.fd(), seg.address(), seg.byteSize(), SysCalls.MSG_DONTWAIT);
                if (r != -Errno.EAGAIN) return r;
            }
            if (timeoutMillis <= 0) return submit(fd, s, Request.recv(fd.fd(), seg, 0));
            try (Arena arena = Arena.ofConfined()) {
                return submit(fd, s, Request.recv(fd.fd(), seg, 0), linkTimeout(arena, timeoutMillis));
            }
        }
        long r;
        do {
            if (timeoutMillis > 0) {
                int ready = pollIn(fd.fd(), timeoutMillis);
                if (ready < 0) throw Errors.forSocket(ready, "poll");   // names the poll, not the read
                if (ready == 0) return -Errno.ECANCELED;
            }
            do {
                r = SYS.read(fd.fd(), seg.address(), seg.byteSize());
            } while (r == -Errno.EINTR);
            // A JDK channel's fd is non-blocking (RingSocketChannel): wait for data, then read again.
            if (r == -Errno.EAGAIN && timeoutMillis <= 0) pollIn(fd.fd(), -1);
        } while (r == -Errno.EAGAIN);
        return r;
    }

    /**
     * Yields the carrier when the calling virtual thread has run a time slice on it
     * ({@link #TIME_SLICE_NANOS}): the carrier then reaps its ring and runs the threads
     * queued behind this one, and a sleeping carrier is woken to take some of them.
     * No-op off the carriers, on a carrier's own thread, and on a pinned thread (whose
     * yield the JDK refuses).
     */
    private static void yieldAfterSlice(CarrierScheduler s) {
        if (s != null && s.currentRunNanos() >= TIME_SLICE_NANOS && Thread.currentThread().isVirtual()) {
            Thread.yield();
        }
    }

    /** Whether a socket call on a carrier of {@code s} tries a {@code MSG_DONTWAIT} system call before the ring. */
    private static boolean tryDirect(CarrierScheduler s) {
        return SOCKET_TRY_DIRECT || s.currentRunNanos() >= LONG_RUN_NANOS;
    }

    /**
     * One send from {@code seg}, never raising SIGPIPE: on a ring a SEND on
     * the ring (with {@code ringloom.socket.trydirect} a {@code MSG_DONTWAIT}
     * attempt first, the ring only when the socket buffer is full).
     *
     * @return bytes sent, or {@code -errno}
     */
    public static long send(FdHolder fd, CarrierScheduler home, MemorySegment seg) throws IOException {
        CarrierScheduler s = scheduler(home);
        if (s != null) {
            if (tryDirect(s)) {
                long r = SYS.send(fd.fd(), seg.address(), seg.byteSize(), SysCalls.MSG_DONTWAIT | SysCalls.MSG_NOSIGNAL);
                if (r != -Errno.EAGAIN) return r;
            }
            return submit(fd, s, Request.send(fd.fd(), seg, SysCalls.MSG_NOSIGNAL));
        }
        long r;
        do {
            r = SYS.send(fd.fd(), seg.address(), seg.byteSize(), SysCalls.MSG_NOSIGNAL);
            if (r == -Errno.EAGAIN) awaitPlain(fd.fd(), SysCalls.POLLOUT, -1);   // a non-blocking fd, as in recv
        } while (r == -Errno.EINTR || r == -Errno.EAGAIN);
        return r;
    }

    /**
     * Waits until {@code fd} is ready for {@code events} (poll(2) bits),
     * at most {@code timeoutMillis} (0: no limit): a POLL_ADD with a linked
     * timeout on {@link #scheduler(CarrierScheduler) scheduler(home)}'s ring,
     * else {@code poll(2)}. For a non-blocking fd a JDK channel owns, before
     * that channel's own non-blocking call (RingSocketChannel).
     *
     * @return the ready events, {@code -ECANCELED} when the time ran out, or {@code -errno}
     */
    public static int awaitReady(FdHolder fd, CarrierScheduler home, int events, int timeoutMillis) throws IOException {
        CarrierScheduler s = scheduler(home);
        if (s == null) return awaitPlain(fd.fd(), events, timeoutMillis);
        if (timeoutMillis <= 0) return submit(fd, s, Request.pollAdd(fd.fd(), events));
        try (Arena arena = Arena.ofConfined()) {
            return submit(fd, s, Request.pollAdd(fd.fd(), events), linkTimeout(arena, timeoutMillis));
        }
    }

    /** {@code poll(2)} retried on EINTR; 0 ready (the time ran out) as {@code -ECANCELED}. */
    private static int awaitPlain(int fdVal, int events, int timeoutMillis) {
        int r;
        do {
            r = Poll.poll(fdVal, (short) events, timeoutMillis <= 0 ? -1 : timeoutMillis);
        } while (r == -Errno.EINTR);
        return r == 0 ? -Errno.ECANCELED : r;
    }

    /**
     * Accepts a connection on a listening socket; the peer's address goes to
     * {@code addr} (of {@code *addrLen} bytes). On a ring a connection already
     * queued is taken at once: one {@code poll(2)} that never waits, then
     * {@code accept4(2)}, which cannot block with one queued while the caller
     * holds the socket's accept lock. A busy acceptor so drains its backlog
     * without going to the back of the run queue for each connection.
     *
     * @return the new fd ({@code SOCK_CLOEXEC}), or {@code -errno}
     */
    public static int accept(FdHolder fd, CarrierScheduler home, MemorySegment addr, MemorySegment addrLen)
            throws IOException {
        CarrierScheduler s = scheduler(home);
        int r;
        if (s != null) {
            r = Poll.poll(fd.fd(), SysCalls.POLLIN, 0) > 0
                    ? SYS.accept4(fd.fd(), addr.address(), addrLen.address(), SysCalls.SOCK_CLOEXEC)
                    : -Errno.EAGAIN;
            return r != -Errno.EAGAIN ? r : submit(fd, s, Request.accept(fd.fd(), addr, addrLen));
        }
        do {
            r = SYS.accept4(fd.fd(), addr.address(), addrLen.address(), SysCalls.SOCK_CLOEXEC);
        } while (r == -Errno.EINTR && !fd.isClosing());
        return r;
    }

    /** {@code shutdown(2)}; it never blocks. ENOTCONN counts as done, as the JDK does. */
    public static int shutdown(FdHolder fd, int how) {
        int r = SYS.shutdown(fd.fd(), how);
        return r == -Errno.ENOTCONN ? 0 : r;
    }

    /** {@code setsockopt(2)} of an {@code int} option; it never blocks, so never the ring. */
    public static int setIntOption(int fdVal, int level, int name, int value) {
        MemorySegment v = Scratch.acquire();
        try {
            v.set(ValueLayout.JAVA_INT, 0, value);
            return SYS.setsockopt(fdVal, level, name, v.address(), Integer.BYTES);
        } finally {
            Scratch.release(v);
        }
    }

    /** {@code getsockname(2)} into {@code addr}, of {@code *addrLen} bytes; it never blocks. */
    public static int localAddress(int fdVal, MemorySegment addr, MemorySegment addrLen) {
        return SYS.getsockname(fdVal, addr.address(), addrLen.address());
    }

    /** A ready count of 0 or 1 from {@code poll(2)} for POLLIN, retried on EINTR; or {@code -errno}. */
    private static int pollIn(int fdVal, int timeoutMillis) {
        int r;
        do {
            r = Poll.poll(fdVal, SysCalls.POLLIN, timeoutMillis);
        } while (r == -Errno.EINTR);
        return r;
    }

    private static Request linkTimeout(Arena arena, int millis) {
        return Request.linkTimeout(KernelTimespec.of(arena, TimeUnit.MILLISECONDS.toNanos(millis)));
    }
}
