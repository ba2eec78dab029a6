package io.ringloom.rings.layout;

/**
 * The fields Ringloom reads of x86-64 {@code struct stat} (144 bytes,
 * asm/stat.h), filled by {@code fstat(2)}.
 * <pre>
 *   0 u64 st_dev   8 u64 st_ino  16 u64 st_nlink  24 u32 st_mode  28 u32 st_uid  32 u32 st_gid
 *  36 u32 __pad0  40 u64 st_rdev 48 s64 st_size   56 s64 st_blksize 64 s64 st_blocks
 *  72 timespec st_atime  88 timespec st_mtime  104 timespec st_ctime  120 s64 __unused[3]
 * </pre>
 */
public final class Stat {
    private Stat() {}

    public static final long DEV_OFFSET = 0;
    public static final long INO_OFFSET = 8;
    public static final long NLINK_OFFSET = 16;
    public static final long MODE_OFFSET = 24;
    public static final long UID_OFFSET = 28;
    public static final long GID_OFFSET = 32;
    public static final long SIZE_OFFSET = 48;
    public static final long BLOCKS_OFFSET = 64;
    /** struct timespec: tv_sec, then tv_nsec 8 bytes on. */
    public static final long ATIME_OFFSET = 72;
    public static final long MTIME_OFFSET = 88;
    public static final long SIZE = 144;

    /** st_mode file-type bits (sys/stat.h). */
    public static final int S_IFMT = 0170000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
}
