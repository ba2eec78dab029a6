package io.ringloom.internal;

import io.ringloom.rings.carrier.CarrierCache;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Direct staging memory for heap buffers and arrays (docs/DESIGN.md, "Buffers and staging").
 * A chunk is taken for one operation and given back only after that
 * operation's CQE, so the kernel never writes into memory lent to another.
 * Two size classes; the pools keep what they have handed out at peak. Each
 * carrier keeps a few chunks of each class for the threads that run on it
 * ({@link CarrierCache}), the rest are shared.
 */
public final class Staging {
    private Staging() {}

    public static final int SMALL = 16 * 1024;
    /** The largest chunk; bigger transfers are done chunk by chunk. */
    public static final int CHUNK = 256 * 1024;

    private static final ConcurrentLinkedQueue<MemorySegment> SMALL_FREE = new ConcurrentLinkedQueue<>();
    private static final ConcurrentLinkedQueue<MemorySegment> LARGE_FREE = new ConcurrentLinkedQueue<>();
    /** 16 small chunks (256 KiB) and 2 large ones (512 KiB) at most per carrier. */
    private static final CarrierCache<MemorySegment> SMALL_HERE = new CarrierCache<>(16, SMALL_FREE::offer);
    private static final CarrierCache<MemorySegment> LARGE_HERE = new CarrierCache<>(2, LARGE_FREE::offer);

    /** A whole chunk of at least {@code size} bytes, {@code size <= CHUNK}; slice it, give it back whole. */
    public static MemorySegment acquire(long size) {
        if (size > CHUNK) throw new IllegalArgumentException("staging chunk of " + size + " bytes");
        boolean small = size <= SMALL;
        MemorySegment s = (small ? SMALL_HERE : LARGE_HERE).poll();
        if (s == null) s = (small ? SMALL_FREE : LARGE_FREE).poll();
        if (s == null) s = Arena.global().allocate(small ? SMALL : CHUNK, 4096);
        assert IN_USE.add(s.address()) : "staging chunk handed out twice";
        return s;
    }

    public static void release(MemorySegment chunk) {
        assert IN_USE.remove(chunk.address()) : "staging chunk released twice, or never acquired";
        boolean small = chunk.byteSize() == SMALL;
        if (!(small ? SMALL_HERE : LARGE_HERE).offer(chunk)) (small ? SMALL_FREE : LARGE_FREE).offer(chunk);
    }

    /** Whether the chunk at {@code address} waits in a shared pool (not on a carrier, not handed out); for tests. */
    static boolean isShared(long address) {
        for (MemorySegment s : SMALL_FREE) if (s.address() == address) return true;
        for (MemorySegment s : LARGE_FREE) if (s.address() == address) return true;
        return false;
    }

    /** Addresses of the chunks handed out; kept only with assertions on (the tests run so). */
    private static final java.util.Set<Long> IN_USE = java.util.concurrent.ConcurrentHashMap.newKeySet();
}
