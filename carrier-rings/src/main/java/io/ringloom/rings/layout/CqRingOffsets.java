package io.ringloom.rings.layout;

/**
 * {@code struct io_cqring_offsets} (40 bytes): where each word of the CQ ring
 * and the CQE array lie inside the CQ mapping.
 * <pre>
 *   0 u32 head     4 u32 tail   8 u32 ring_mask  12 u32 ring_entries
 *  16 u32 overflow 20 u32 cqes 24 u32 flags      28 u32 resv1   32 u64 user_addr
 * </pre>
 */
public final class CqRingOffsets {
    private CqRingOffsets() {}

    public static final long HEAD_OFFSET = 0;
    public static final long TAIL_OFFSET = 4;
    public static final long RING_MASK_OFFSET = 8;
    public static final long RING_ENTRIES_OFFSET = 12;
    public static final long OVERFLOW_OFFSET = 16;
    public static final long CQES_OFFSET = 20;
    public static final long FLAGS_OFFSET = 24;
    public static final long RESV1_OFFSET = 28;
    public static final long USER_ADDR_OFFSET = 32;
    public static final long SIZE = 40;

    public static final Field[] FIELDS = {
        new Field("head", HEAD_OFFSET, 4),
        new Field("tail", TAIL_OFFSET, 4),
        new Field("ring_mask", RING_MASK_OFFSET, 4),
        new Field("ring_entries", RING_ENTRIES_OFFSET, 4),
        new Field("overflow", OVERFLOW_OFFSET, 4),
        new Field("cqes", CQES_OFFSET, 4),
        new Field("flags", FLAGS_OFFSET, 4),
        new Field("resv1", RESV1_OFFSET, 4),
        new Field("user_addr", USER_ADDR_OFFSET, 8),
    };
}
