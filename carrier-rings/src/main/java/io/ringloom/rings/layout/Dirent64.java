package io.ringloom.rings.layout;

/**
 * One record of {@code getdents64(2)} (include/linux/dirent.h):
 * <pre>
 *   struct linux_dirent64:  0 u64 d_ino   8 s64 d_off   16 u16 d_reclen   18 u8 d_type
 *                          19 char d_name[]   (NUL-terminated, padded to d_reclen)
 * </pre>
 * Records follow one another, each {@code d_reclen} bytes long (a multiple of 8).
 * {@code d_type} is one of the {@code DT_} values; a file system that does not
 * keep types answers {@link #DT_UNKNOWN}, and the caller must ask {@code lstat}.
 */
public final class Dirent64 {
    private Dirent64() {}

    public static final long INO_OFFSET = 0;
    public static final long OFF_OFFSET = 8;
    public static final long RECLEN_OFFSET = 16;
    public static final long TYPE_OFFSET = 18;
    public static final long NAME_OFFSET = 19;
    /** The fixed part, before the name. */
    public static final long HEADER_SIZE = NAME_OFFSET;

    public static final byte DT_UNKNOWN = 0;
    public static final byte DT_FIFO = 1;
    public static final byte DT_CHR = 2;
    public static final byte DT_DIR = 4;
    public static final byte DT_BLK = 6;
    public static final byte DT_REG = 8;
    public static final byte DT_LNK = 10;
    public static final byte DT_SOCK = 12;

    public static final Field[] FIELDS = {
        new Field("d_ino", INO_OFFSET, 8),
        new Field("d_off", OFF_OFFSET, 8),
        new Field("d_reclen", RECLEN_OFFSET, 2),
        new Field("d_type", TYPE_OFFSET, 1),
    };
}
