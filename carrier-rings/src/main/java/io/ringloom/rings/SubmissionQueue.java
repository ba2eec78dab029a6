package io.ringloom.rings;

import io.ringloom.rings.layout.Sqe;
import io.ringloom.rings.layout.SqRingOffsets;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The SQ ring and its SQE array. Only the ring's owner thread touches it
 * (SINGLE_ISSUER makes the kernel enforce that for submission).
 */
public final class SubmissionQueue {
    private final MemorySegment ring;     // the SQ ring mapping
    private final MemorySegment sqes;     // the SQE array mapping
    private final long kHeadOffset;       // advanced by the kernel as it consumes SQEs
    private final long kTailOffset;       // advanced by us to publish SQEs
    private final long kFlagsOffset;      // IORING_SQ_* flags, written by the kernel
    private final long kDroppedOffset;    // SQEs the kernel found invalid and skipped
    private final int ringMask;
    private final int ringEntries;
    private int tail;                     // local copy of kTail: the next SQE slot to fill

    SubmissionQueue(MemorySegment ring, MemorySegment sqes, MemorySegment params, boolean hasArray) {
        this.ring = ring;
        this.sqes = sqes;
        long off = io.ringloom.rings.layout.IoUringParams.SQ_OFF_OFFSET;
        this.kHeadOffset = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, off + SqRingOffsets.HEAD_OFFSET));
        this.kTailOffset = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, off + SqRingOffsets.TAIL_OFFSET));
        this.kFlagsOffset = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, off + SqRingOffsets.FLAGS_OFFSET));
        this.kDroppedOffset = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, off + SqRingOffsets.DROPPED_OFFSET));
        long maskOffset = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, off + SqRingOffsets.RING_MASK_OFFSET));
        long entriesOffset = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, off + SqRingOffsets.RING_ENTRIES_OFFSET));
        this.ringMask = ring.get(ValueLayout.JAVA_INT, maskOffset);
        this.ringEntries = ring.get(ValueLayout.JAVA_INT, entriesOffset);
        this.tail = ring.get(ValueLayout.JAVA_INT, kTailOffset);
        if (hasArray) {
            // Without NO_SQARRAY the kernel reads SQE indexes through this array;
            // an identity map lets slot (tail & mask) be the SQE index.
            long arrayOffset = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, off + SqRingOffsets.ARRAY_OFFSET));
            for (int i = 0; i < ringEntries; i++) {
                ring.set(ValueLayout.JAVA_INT, arrayOffset + 4L * i, i);
            }
        }
    }

    public int entries() {
        return ringEntries;
    }

    /** SQEs published but not yet consumed by the kernel. */
    public int pending() {
        // pairs with the kernel's smp_store_release of sq.head in io_commit_sqring
        return tail - SharedMemory.getIntAcquire(ring, kHeadOffset);
    }

    public boolean isFull() {
        return pending() == ringEntries;
    }

    /** The kernel's {@code IORING_SQ_*} flags word. */
    public int flags() {
        // pairs with the kernel's atomic_or on rings->sq_flags (io_uring.c, task work and overflow)
        return SharedMemory.getIntAcquire(ring, kFlagsOffset);
    }

    public int dropped() {
        return SharedMemory.getIntOpaque(ring, kDroppedOffset);
    }

    /**
     * Writes all 64 bytes of the next SQE and publishes it.
     *
     * @return false when the SQ is full (submit to make room, then retry)
     */
    boolean push(Request r, long userData) {
        if (isFull()) {
            return false;
        }
        long base = (long) (tail & ringMask) * Sqe.SIZE;
        MemorySegment s = sqes;
        s.set(ValueLayout.JAVA_BYTE, base + Sqe.OPCODE_OFFSET, r.opcode);
        s.set(ValueLayout.JAVA_BYTE, base + Sqe.FLAGS_OFFSET, r.flags);
        s.set(ValueLayout.JAVA_SHORT, base + Sqe.IOPRIO_OFFSET, r.ioprio);
        s.set(ValueLayout.JAVA_INT, base + Sqe.FD_OFFSET, r.fd);
        s.set(ValueLayout.JAVA_LONG, base + Sqe.OFF_OFFSET, r.off);
        s.set(ValueLayout.JAVA_LONG, base + Sqe.ADDR_OFFSET, r.addr);
        s.set(ValueLayout.JAVA_INT, base + Sqe.LEN_OFFSET, r.len);
        s.set(ValueLayout.JAVA_INT, base + Sqe.OP_FLAGS_OFFSET, r.opFlags);
        s.set(ValueLayout.JAVA_LONG, base + Sqe.USER_DATA_OFFSET, userData);
        s.set(ValueLayout.JAVA_SHORT, base + Sqe.BUF_INDEX_OFFSET, r.bufIndex);
        s.set(ValueLayout.JAVA_SHORT, base + Sqe.PERSONALITY_OFFSET, (short) 0);
        s.set(ValueLayout.JAVA_INT, base + Sqe.SPLICE_FD_IN_OFFSET, r.spliceFdIn);
        s.set(ValueLayout.JAVA_LONG, base + Sqe.ADDR3_OFFSET, r.addr3);
        s.set(ValueLayout.JAVA_LONG, base + Sqe.PAD2_OFFSET, 0L);
        tail++;
        // pairs with the kernel's smp_load_acquire of sq.tail in io_sqring_entries:
        // the SQE bytes above are visible before the new tail
        SharedMemory.putIntRelease(ring, kTailOffset, tail);
        return true;
    }
}
