package io.ringloom.internal;

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

    /** The fd, and the uses that keep it open; shared by every call on the file. */
    final FdHolder holder;
    /** {@link #REGULAR} and {@link #MEMORY_FS} bits; fixed at open. */
    private final int kind;
    /** Whether reads try {@code preadv2(RWF_NOWAIT)} first; cleared once, by {@link #nowaitRefused}. */
    private volatile boolean nowait;
    /** Whether an interrupt cancels a ring request on the file; cleared once, by {@link #setUninterruptible}. */
    private volatile boolean interruptible = true;

    public FileFd(int fdVal, int kind, boolean nowait, Runnable afterClose) {
        this.holder = new FdHolder(fdVal, afterClose);
        this.kind = kind;
        this.nowait = nowait && (kind & REGULAR) != 0;
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

    boolean memoryFs() {
        return (kind & MEMORY_FS) != 0;
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

    /** The kernel refused {@code RWF_NOWAIT} on this file (EOPNOTSUPP or EINVAL): reads go to the ring from now on. */
    void nowaitRefused() {
        nowait = false;
    }
}
