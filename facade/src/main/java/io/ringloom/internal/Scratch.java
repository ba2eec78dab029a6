package io.ringloom.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Small native scratch blocks (iovecs, struct stat) lent for one synchronous syscall. */
public final class Scratch {
    private Scratch() {}

    static final int SIZE = 256;
    private static final ConcurrentLinkedQueue<MemorySegment> FREE = new ConcurrentLinkedQueue<>();

    static MemorySegment acquire() {
        MemorySegment s = FREE.poll();
        return s != null ? s : Arena.global().allocate(SIZE, 16);
    }

    static void release(MemorySegment s) {
        FREE.offer(s);
    }
}
