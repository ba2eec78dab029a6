package io.ringloom.rings.sys;

/**
 * Linux errno values (asm-generic/errno-base.h, errno.h) that Ringloom names
 * or maps. Raw results follow the kernel convention: a negative value is
 * {@code -errno}.
 */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EPIPE = 32;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int ETIME = 62;
    public static final int EBADR = 53;
    public static final int EOPNOTSUPP = 95;
    public static final int ECONNRESET = 104;
    public static final int ENOTCONN = 107;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTUNREACH = 113;
    public static final int EALREADY = 114;
    public static final int ECANCELED = 125;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int ENODEV = 19;
    public static final int ETXTBSY = 26;
    public static final int EFBIG = 27;
    public static final int EROFS = 30;
    public static final int EMLINK = 31;
    public static final int ENAMETOOLONG = 36;
    public static final int EOVERFLOW = 75;
    public static final int ESTALE = 116;
    public static final int EDQUOT = 122;
    /**
     * Kernel-internal, seen from a cancelled io-wq request: treat as EINTR
     * (docs/DESIGN.md, "Decisions and measurements").
     */
    public static final int ERESTARTSYS = 512;

    /** The symbolic name of an errno value (positive or negated), e.g. {@code "ENOENT"}. */
    public static String name(int errno) {
        int e = Math.abs(errno);
        return switch (e) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case EXDEV -> "EXDEV";
            case ENOTDIR -> "ENOTDIR";
            case EISDIR -> "EISDIR";
            case EINVAL -> "EINVAL";
            case ENFILE -> "ENFILE";
            case EMFILE -> "EMFILE";
            case ENOSPC -> "ENOSPC";
            case ESPIPE -> "ESPIPE";
            case EPIPE -> "EPIPE";
            case ENOSYS -> "ENOSYS";
            case ENOTEMPTY -> "ENOTEMPTY";
            case ELOOP -> "ELOOP";
            case ETIME -> "ETIME";
            case EBADR -> "EBADR";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case ECONNRESET -> "ECONNRESET";
            case ENOTCONN -> "ENOTCONN";
            case ETIMEDOUT -> "ETIMEDOUT";
            case ECONNREFUSED -> "ECONNREFUSED";
            case EHOSTUNREACH -> "EHOSTUNREACH";
            case EALREADY -> "EALREADY";
            case ECANCELED -> "ECANCELED";
            case ENXIO -> "ENXIO";
            case E2BIG -> "E2BIG";
            case ENODEV -> "ENODEV";
            case ETXTBSY -> "ETXTBSY";
            case EFBIG -> "EFBIG";
            case EROFS -> "EROFS";
            case EMLINK -> "EMLINK";
            case ENAMETOOLONG -> "ENAMETOOLONG";
            case EOVERFLOW -> "EOVERFLOW";
            case ESTALE -> "ESTALE";
            case EDQUOT -> "EDQUOT";
            case ERESTARTSYS -> "ERESTARTSYS";
            default -> "errno " + e;
        };
    }
}
