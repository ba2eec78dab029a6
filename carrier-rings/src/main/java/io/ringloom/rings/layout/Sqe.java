package io.ringloom.rings.layout;

/**
 * {@code struct io_uring_sqe} (64 bytes), one submission-queue entry.
 * <pre>
 *   0 u8  opcode   1 u8 flags   2 u16 ioprio   4 s32 fd
 *   8 u64 off | addr2 | cmd_op
 *  16 u64 addr | splice_off_in
 *  24 u32 len
 *  28 u32 rw_flags | fsync_flags | poll32_events | accept_flags | cancel_flags | msg_ring_flags ...
 *  32 u64 user_data
 *  40 u16 buf_index | buf_group   42 u16 personality   44 s32 splice_fd_in | file_index
 *  48 u64 addr3    56 u64 __pad2[0]
 * </pre>
 * An SQE is published by writing all 64 bytes, then release-storing the SQ
 * tail past it; Ringloom writes every field every time.
 */
public final class Sqe {
    private Sqe() {}

    public static final long OPCODE_OFFSET = 0;
    public static final long FLAGS_OFFSET = 1;
    public static final long IOPRIO_OFFSET = 2;
    public static final long FD_OFFSET = 4;
    public static final long OFF_OFFSET = 8;
    public static final long ADDR_OFFSET = 16;
    public static final long LEN_OFFSET = 24;
    public static final long OP_FLAGS_OFFSET = 28;
    public static final long USER_DATA_OFFSET = 32;
    public static final long BUF_INDEX_OFFSET = 40;
    public static final long PERSONALITY_OFFSET = 42;
    public static final long SPLICE_FD_IN_OFFSET = 44;
    public static final long ADDR3_OFFSET = 48;
    public static final long PAD2_OFFSET = 56;
    public static final long SIZE = 64;

    public static final Field[] FIELDS = {
        new Field("opcode", OPCODE_OFFSET, 1),
        new Field("flags", FLAGS_OFFSET, 1),
        new Field("ioprio", IOPRIO_OFFSET, 2),
        new Field("fd", FD_OFFSET, 4),
        new Field("off", OFF_OFFSET, 8),
        new Field("addr", ADDR_OFFSET, 8),
        new Field("len", LEN_OFFSET, 4),
        new Field("op_flags", OP_FLAGS_OFFSET, 4),
        new Field("user_data", USER_DATA_OFFSET, 8),
        new Field("buf_index", BUF_INDEX_OFFSET, 2),
        new Field("personality", PERSONALITY_OFFSET, 2),
        new Field("splice_fd_in", SPLICE_FD_IN_OFFSET, 4),
        new Field("addr3", ADDR3_OFFSET, 8),
        new Field("__pad2", PAD2_OFFSET, 8),
    };
}
