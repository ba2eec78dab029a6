package io.ringloom.rings;

import io.ringloom.rings.layout.Cqe;
import io.ringloom.rings.layout.CqRingOffsets;
import io.ringloom.rings.layout.IoUringParams;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The CQ ring. Only the ring's owner thread reaps it. */
public final class CompletionQueue {

    /** Receives one completion; called after the CQE's slot was handed back to the kernel. */
    @FunctionalInterface
    public interface Handler {
        void completed(long userData, int res, int flags);
    }

    private final MemorySegment ring;     // the CQ ring mapping (may be the SQ mapping)
    private final long kHeadOffset;       // advanced by us after reading CQEs
    private final long kTailOffset;       // advanced by the kernel as it posts CQEs
    private final long kOverflowOffset;   // CQEs the kernel could not post (legacy counter)
    private final long cqesOffset;
    private final int ringMask;
    private final int ringEntries;
    private int head;                     // local copy of kHead

    CompletionQueue(MemorySegment ring, MemorySegment params) {
        this.ring = ring;
        long off = IoUringParams.CQ_OFF_OFFSET;
        this.kHeadOffset = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, off + CqRingOffsets.HEAD_OFFSET));
        this.kTailOffset = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, off + CqRingOffsets.TAIL_OFFSET));
        this.kOverflowOffset = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, off + CqRingOffsets.OVERFLOW_OFFSET));
        this.cqesOffset = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, off + CqRingOffsets.CQES_OFFSET));
        long maskOffset = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, off + CqRingOffsets.RING_MASK_OFFSET));
        long entriesOffset = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT, off + CqRingOffsets.RING_ENTRIES_OFFSET));
        this.ringMask = ring.get(ValueLayout.JAVA_INT, maskOffset);
        this.ringEntries = ring.get(ValueLayout.JAVA_INT, entriesOffset);
        this.head = ring.get(ValueLayout.JAVA_INT, kHeadOffset);
    }

    public int entries() {
        return ringEntries;
    }

    /** CQEs posted and not yet reaped. */
    public int ready() {
        // pairs with the kernel's smp_store_release of cq.tail in io_commit_cqring
        return SharedMemory.getIntAcquire(ring, kTailOffset) - head;
    }

    public int overflow() {
        return SharedMemory.getIntOpaque(ring, kOverflowOffset);
    }

    /**
     * Reaps every CQE visible now. Each CQE's slot is released to the kernel
     * before the handler runs, so a handler may itself enter the ring.
     *
     * @return the number of CQEs reaped
     */
    int reap(Handler handler) {
        int n = 0;
        // pairs with the kernel's release of cq.tail: CQE contents below it are visible
        int tail = SharedMemory.getIntAcquire(ring, kTailOffset);
        while (head != tail) {
            long base = cqesOffset + (long) (head & ringMask) * Cqe.SIZE;
            long userData = ring.get(ValueLayout.JAVA_LONG, base + Cqe.USER_DATA_OFFSET);
            int res = ring.get(ValueLayout.JAVA_INT, base + Cqe.RES_OFFSET);
            int flags = ring.get(ValueLayout.JAVA_INT, base + Cqe.FLAGS_OFFSET);
            head++;
            // pairs with the kernel's READ_ONCE/acquire of cq.head in io_cqring_event_overflow
            // and __io_cqring_events: the CQE was read before its slot is given back
            SharedMemory.putIntRelease(ring, kHeadOffset, head);
            n++;
            handler.completed(userData, res, flags);
            if (head == tail) {
                tail = SharedMemory.getIntAcquire(ring, kTailOffset);
            }
        }
        return n;
    }
}
