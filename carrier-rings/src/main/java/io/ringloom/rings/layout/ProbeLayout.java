package io.ringloom.rings.layout;

/**
 * {@code struct io_uring_probe} (16-byte header) followed by {@code ops_len}
 * {@code struct io_uring_probe_op} (8 bytes each), filled in by
 * {@code IORING_REGISTER_PROBE}.
 * <pre>
 * header:  0 u8 last_op   1 u8 ops_len   2 u16 resv   4 u32 resv2[3]
 * op:      0 u8 op        1 u8 resv      2 u16 flags  4 u32 resv2
 * </pre>
 */
public final class ProbeLayout {
    private ProbeLayout() {}

    public static final long LAST_OP_OFFSET = 0;
    public static final long OPS_LEN_OFFSET = 1;
    public static final long HEADER_SIZE = 16;
    public static final long OP_OP_OFFSET = 0;
    public static final long OP_FLAGS_OFFSET = 2;
    public static final long OP_SIZE = 8;
    /** The largest probe the kernel fills (ops are indexed by a u8). */
    public static final int MAX_OPS = 256;

    public static final Field[] HEADER_FIELDS = {
        new Field("last_op", LAST_OP_OFFSET, 1),
        new Field("ops_len", OPS_LEN_OFFSET, 1),
        new Field("resv", 2, 2),
        new Field("resv2", 4, 12),
    };

    public static final Field[] OP_FIELDS = {
        new Field("op", OP_OP_OFFSET, 1),
        new Field("resv", 1, 1),
        new Field("flags", OP_FLAGS_OFFSET, 2),
        new Field("resv2", 4, 4),
    };
}
