package io.ringloom.rings;

/**
 * The 64-bit {@code user_data} Ringloom puts in every SQE: completions are
 * routed by an operation-table slot and a generation, never by fd.
 * <pre>
 *  63      56 55                 32 31                           0
 * +----------+---------------------+------------------------------+
 * |   kind   |   generation (24)   |          slot index          |
 * +----------+---------------------+------------------------------+
 * </pre>
 */
public final class UserData {
    private UserData() {}

    /** A blocking operation in the operation table. */
    public static final int KIND_OP = 1;
    /** The carrier's own eventfd read that wakes it from other threads. */
    public static final int KIND_WAKE = 2;
    /** An {@code IORING_OP_ASYNC_CANCEL}; its own result is not waited for. */
    public static final int KIND_CANCEL = 3;
    /** A request whose completion nobody waits for (tests, MSG_RING). */
    public static final int KIND_IGNORED = 4;

    public static final int GENERATION_MASK = 0xFF_FFFF;

    public static long pack(int kind, int generation, int index) {
        return ((long) kind << 56) | ((long) (generation & GENERATION_MASK) << 32) | Integer.toUnsignedLong(index);
    }

    public static int kind(long userData) {
        return (int) (userData >>> 56);
    }

    public static int generation(long userData) {
        return (int) (userData >>> 32) & GENERATION_MASK;
    }

    public static int index(long userData) {
        return (int) userData;
    }
}
