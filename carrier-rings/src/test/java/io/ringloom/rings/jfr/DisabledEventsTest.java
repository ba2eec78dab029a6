package io.ringloom.rings.jfr;

import io.ringloom.rings.Request;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.*;

/** The hot path's event hooks: nothing, not even an allocation, while their events are disabled. */
class DisabledEventsTest {
    private static final int CALLS = 200_000;

    @Test
    void disabledHooksAnswerNullAndAllocateNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SlowOperationEvent.start();   // loads and initialises the event classes: that allocates, once
        PinnedWaitEvent.start(0);
        for (int round = 0; round < 3; round++) {   // interpreted, then compiled
            long before = threads.getCurrentThreadAllocatedBytes();
            int nonNull = 0;
            for (int i = 0; i < CALLS; i++) {
                if (SlowOperationEvent.start() != null) nonNull++;
                if (PinnedWaitEvent.start(i) != null) nonNull++;
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            System.out.println("DisabledEventsTest: round " + round + ": " + allocated + " bytes");
            assertEquals(0, nonNull);
            // getCurrentThreadAllocatedBytes itself may allocate its answer: allow a few bytes, not one per call
            assertTrue(allocated < 1024, "allocated " + allocated + " bytes in " + 2 * CALLS + " disabled hooks");
        }
    }

    @Test
    void aRecordingThatEnablesThemGetsStartedEvents() {
        try (Recording r = new Recording()) {
            r.enable(SlowOperationEvent.NAME).withThreshold(java.time.Duration.ofDays(1));
            r.enable(PinnedWaitEvent.NAME);
            r.start();
            SlowOperationEvent slow = SlowOperationEvent.start();
            assertNotNull(slow);
            slow.finish(Request.nop(), 0, 0);   // under the threshold: not committed
            assertNotNull(PinnedWaitEvent.start(System.nanoTime()));
            r.stop();
        }
        assertNull(SlowOperationEvent.start(), "disabled again once the recording ended");
    }
}
