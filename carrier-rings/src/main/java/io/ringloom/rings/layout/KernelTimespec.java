package io.ringloom.rings.layout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * {@code struct __kernel_timespec} (include/uapi/linux/time_types.h), as
 * {@code IORING_OP_LINK_TIMEOUT}, {@code IORING_OP_TIMEOUT} and
 * {@code io_uring_getevents_arg.ts} take it.
 * <pre>
 *   0 s64 tv_sec   8 s64 tv_nsec
 * </pre>
 * The kernel copies it when the SQE is prepared (or, for an enter, at the call),
 * so it need live only until the submission.
 */
public final class KernelTimespec {
    private KernelTimespec() {}

    public static final long TV_SEC_OFFSET = 0;
    public static final long TV_NSEC_OFFSET = 8;
    public static final long SIZE = 16;
    public static final long ALIGNMENT = 8;

    public static final Field[] FIELDS = {
        new Field("tv_sec", TV_SEC_OFFSET, 8),
        new Field("tv_nsec", TV_NSEC_OFFSET, 8),
    };

    /** A new timespec of {@code nanos} (not negative) from {@code allocator}. */
    public static MemorySegment of(SegmentAllocator allocator, long nanos) {
        MemorySegment ts = allocator.allocate(SIZE, ALIGNMENT);
        set(ts, nanos);
        return ts;
    }

    /** Writes {@code nanos} (not negative) into the timespec at {@code ts}. */
    public static void set(MemorySegment ts, long nanos) {
        if (nanos < 0) throw new IllegalArgumentException("negative time-out: " + nanos + " ns");
        ts.set(ValueLayout.JAVA_LONG, TV_SEC_OFFSET, nanos / TimeUnit.SECONDS.toNanos(1));
        ts.set(ValueLayout.JAVA_LONG, TV_NSEC_OFFSET, nanos % TimeUnit.SECONDS.toNanos(1));
    }
}
