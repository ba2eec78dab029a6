package io.ringloom.rings;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Ordered access to words shared with the kernel. The ordering is in the
 * method's name; callers say in a comment what each access pairs with.
 */
final class SharedMemory {
    private SharedMemory() {}

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    static int getIntAcquire(MemorySegment segment, long offset) {
        return (int) INT.getAcquire(segment, offset);
    }

    static void putIntRelease(MemorySegment segment, long offset, int value) {
        INT.setRelease(segment, offset, value);
    }

    static int getIntOpaque(MemorySegment segment, long offset) {
        return (int) INT.getOpaque(segment, offset);
    }
}
