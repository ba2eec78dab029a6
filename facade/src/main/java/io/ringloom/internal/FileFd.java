package io.ringloom.internal;

import io.ringloom.FileStatus;

import java.time.Instant;

/**
 * An open file as {@link IoDispatcher} routes its I/O: the fd's holder and
 * what kind of file it is, found once at open (docs/DESIGN.md, "Dispatcher").
 */
public final class FileFd {
    /** {@link #kind} bit: a regular file, whose reads never block for long. */
    public static final int REGULAR = 1;
    /**
     * {@link #kind} bit: on tmpfs or ramfs, where I/O never waits for a device
     * and io_uring would punt every request to io-wq.
     */
    public static final int MEMORY_FS = 2;
    /**
     * {@link #kind} bit: on a local file system (a memory one, ext2/3/4, XFS, btrfs,
     * F2FS, overlayfs), where an in-kernel copy of cached pages does not wait on a network
     * server or a FUSE daemon.
     */
    public static final int LOCAL_FS = 4;
    /**
     * {@link #kind} bit: on a file system whose in-kernel copy may be a clone
     * (reflink: XFS, btrfs, and overlayfs, which may sit on them), which first
     * writes the source range's dirty pages to disk and waits for them.
     */
    public static final int CLONES = 8;

    /**
     * What {@link IoDispatcher#fileKind} learns of a newly opened fd: the
     * {@link #REGULAR}, {@link #MEMORY_FS}, {@link #LOCAL_FS} and {@link #CLONES} bits, the file's device
     * ({@code st_dev}), which tells in-kernel copies apart by file-system pair, and the
     * size, mode bits, times, owner and identity that the same {@code fstat} read, kept as numbers:
     * most opens never ask for them ({@link #atOpen} builds them).
     */
    public record Kind(int bits, long dev, long size, int mode, long mtimeSeconds, long mtimeNanos,
                       long atimeSeconds, long atimeNanos, int uid, int gid, long ino, long nlink) {
        /** Size, mode bits, times, owner and identity as the open's {@code fstat} read them. */
        public FileStatus atOpen() {
            return new FileStatus(size, mode, Instant.ofEpochSecond(mtimeSeconds, mtimeNanos),
                    Instant.ofEpochSecond(atimeSeconds, atimeNanos), uid, gid, dev, ino, nlink);
        }
    }

    /** The fd, and the uses that keep it open; shared by every call on the file. */
    final FdHolder holder;
    /** {@link #REGULAR}, {@link #MEMORY_FS}, {@link #LOCAL_FS} and {@link #CLONES} bits; fixed at open. */
    private final int kind;
    /** The file's {@code st_dev}; fixed at open (a mount does not change it under an open file). */
    private final long dev;
    /** Whether reads try {@code preadv2(RWF_NOWAIT)} first; cleared once, by {@link #nowaitRefused}. */
    private volatile boolean nowait;
    /** Whether an interrupt cancels a ring request on the file; cleared once, by {@link #setUninterruptible}. */
    private volatile boolean interruptible = true;
    /** Whether {@code cachestat(2)} may be asked about the file; cleared once, by {@link #cachestatRefused}. */
    private volatile boolean cachestat = true;

    public FileFd(int fdVal, Kind kind, boolean nowait, Runnable afterClose) {
        this.holder = new FdHolder(fdVal, afterClose);
        this.kind = kind.bits();
        this.dev = kind.dev();
        this.nowait = nowait && (this.kind & REGULAR) != 0;
    }

    public FdHolder holder() {
        return holder;
    }

    public int fdVal() {
        return holder.fd();
    }

    public boolean regular() {
        return (kind & REGULAR) != 0;
    }

    long dev() {
        return dev;
    }

    boolean memoryFs() {
        return (kind & MEMORY_FS) != 0;
    }

    boolean localFs() {
        return (kind & LOCAL_FS) != 0;
    }

    boolean clones() {
        return (kind & CLONES) != 0;
    }

    boolean nowait() {
        return nowait;
    }

    /** Whether an interrupt cancels the file's ring requests (and closes its channel). */
    boolean interruptible() {
        return interruptible;
    }

    /** From now on an interrupt neither cancels the file's ring requests nor closes its channel. */
    void setUninterruptible() {
        interruptible = false;
    }

    boolean cachestat() {
        return cachestat;
    }

    /**
     * The kernel refused {@code cachestat(2)} on this file (EPERM: opened read-only by
     * someone who could not write it, Linux 6.14+; EOPNOTSUPP: hugetlbfs): its copies
     * go through the ring from now on.
     */
    void cachestatRefused() {
        cachestat = false;
    }

    /** The kernel refused {@code RWF_NOWAIT} on this file (EOPNOTSUPP or EINVAL): reads go to the ring from now on. */
    void nowaitRefused() {
        nowait = false;
    }
}
