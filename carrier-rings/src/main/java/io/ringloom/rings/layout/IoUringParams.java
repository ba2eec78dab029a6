package io.ringloom.rings.layout;

/**
 * {@code struct io_uring_params} (120 bytes), filled in by {@code io_uring_setup(2)}.
 * <pre>
 *   0 u32 sq_entries      4 u32 cq_entries      8 u32 flags        12 u32 sq_thread_cpu
 *  16 u32 sq_thread_idle 20 u32 features       24 u32 wq_fd       28 u32 resv[3]
 *  40 struct io_sqring_offsets sq_off (40 bytes, {@link SqRingOffsets})
 *  80 struct io_cqring_offsets cq_off (40 bytes, {@link CqRingOffsets})
 * </pre>
 * The caller writes {@code flags} (and {@code cq_entries} with CQSIZE); the
 * kernel writes back the entry counts, the flags it kept, the features and
 * both offset blocks.
 */
public final class IoUringParams {
    private IoUringParams() {}

    public static final long SQ_ENTRIES_OFFSET = 0;
    public static final long CQ_ENTRIES_OFFSET = 4;
    public static final long FLAGS_OFFSET = 8;
    public static final long SQ_THREAD_CPU_OFFSET = 12;
    public static final long SQ_THREAD_IDLE_OFFSET = 16;
    public static final long FEATURES_OFFSET = 20;
    public static final long WQ_FD_OFFSET = 24;
    public static final long RESV_OFFSET = 28;
    public static final long SQ_OFF_OFFSET = 40;
    public static final long CQ_OFF_OFFSET = 80;
    public static final long SIZE = 120;

    public static final Field[] FIELDS = {
        new Field("sq_entries", SQ_ENTRIES_OFFSET, 4),
        new Field("cq_entries", CQ_ENTRIES_OFFSET, 4),
        new Field("flags", FLAGS_OFFSET, 4),
        new Field("sq_thread_cpu", SQ_THREAD_CPU_OFFSET, 4),
        new Field("sq_thread_idle", SQ_THREAD_IDLE_OFFSET, 4),
        new Field("features", FEATURES_OFFSET, 4),
        new Field("wq_fd", WQ_FD_OFFSET, 4),
        new Field("resv", RESV_OFFSET, 12),
        new Field("sq_off", SQ_OFF_OFFSET, (int) SqRingOffsets.SIZE),
        new Field("cq_off", CQ_OFF_OFFSET, (int) CqRingOffsets.SIZE),
    };
}
