package io.ringloom.rings.layout;

/**
 * {@code struct io_uring_cqe} (16 bytes without CQE32), one completion.
 * <pre>
 *   0 u64 user_data   8 s32 res   12 u32 flags
 * </pre>
 * The kernel publishes CQEs by release-storing the CQ tail; we read entries
 * below an acquire-loaded tail, then release-store the head past them.
 */
public final class Cqe {
    private Cqe() {}

    public static final long USER_DATA_OFFSET = 0;
    public static final long RES_OFFSET = 8;
    public static final long FLAGS_OFFSET = 12;
    public static final long SIZE = 16;

    public static final Field[] FIELDS = {
        new Field("user_data", USER_DATA_OFFSET, 8),
        new Field("res", RES_OFFSET, 4),
        new Field("flags", FLAGS_OFFSET, 4),
    };
}
