package io.ringloom.rings.carrier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The carrier's choice between its woken and its shared queue
 * ({@code QueueTurns.next}, which {@code Carrier.nextTask} calls), played out on
 * two queues that stay full: each thread taken comes back at the tail of its own
 * queue (a connection's thread woken again, a shared-queue thread made runnable
 * again). And the rule that sends a woken thread to the shared queue.
 */
class QueueTurnsTest {

    /** A thread in the test's queues: which queue it lives in, and the pick at which it was queued. */
    private record Waiting(boolean woken, long since) {}

    /** The longest wait in picks seen in each queue: {woken, shared}. */
    private static long[] longestWaits(int wokenThreads, int sharedThreads, int picks) {
        QueueTurns turns = new QueueTurns();
        ArrayDeque<Waiting> woken = new ArrayDeque<>(), sharedQueue = new ArrayDeque<>();
        QueueTurns.Shared<Waiting> shared = new QueueTurns.Shared<>() {
            @Override
            public Waiting poll() {
                return sharedQueue.poll();
            }

            @Override
            public int length() {
                return sharedQueue.size();
            }
        };
        for (int i = 0; i < wokenThreads; i++) woken.add(new Waiting(true, 0));
        for (int i = 0; i < sharedThreads; i++) sharedQueue.add(new Waiting(false, 0));
        long[] longest = new long[2];
        for (long pick = 0; pick < picks; pick++) {
            Waiting w = turns.next(woken, shared);
            assertNotNull(w, "both queues hold threads");
            int q = w.woken() ? 0 : 1;
            longest[q] = Math.max(longest[q], pick - w.since());
            (w.woken() ? woken : sharedQueue).add(new Waiting(w.woken(), pick));
        }
        return longest;
    }

    @ParameterizedTest(name = "{0} woken, {1} shared")
    @CsvSource({"1000, 10", "10, 1000", "500, 500", "1000, 1", "1, 1000", "1024, 1024", "37, 5"})
    void aThreadWaitsAboutAsManyPicksAsBothQueuesHold(int wokenThreads, int sharedThreads) {
        int all = wokenThreads + sharedThreads;
        long[] longest = longestWaits(wokenThreads, sharedThreads, 50 * all);
        // One FIFO queue would make every thread wait exactly `all` picks; a fixed
        // 8 woken per shared thread made a shared one wait 9 x sharedThreads (9,216
        // picks at 1,024 and 1,024).
        assertTrue(longest[0] <= 2L * all, () -> "a woken thread waited " + longest[0] + " picks with " + all + " runnable");
        assertTrue(longest[1] <= 2L * all, () -> "a shared-queue thread waited " + longest[1] + " picks with " + all + " runnable");
    }

    @Test
    void withAnEmptySharedQueueTheWokenOnesRunInOrder() {
        long[] longest = longestWaits(5, 0, 100);
        assertEquals(5, longest[0], "each woken thread waits for the other four, then runs");
        assertEquals(0, longest[1]);
    }

    @Test
    void aLoneSharedThreadIsNotStarvedByManyWokenOnes() {
        long[] longest = longestWaits(4096, 1, 100_000);
        assertTrue(longest[1] <= 2 * 4097, () -> "the shared-queue thread waited " + longest[1] + " picks");
    }

    @Test
    void bothQueuesEmptyGiveNothing() {
        assertNull(new QueueTurns().next(new ArrayDeque<Runnable>(), new QueueTurns.Shared<Runnable>() {
            @Override
            public Runnable poll() {
                return null;
            }

            @Override
            public int length() {
                return 0;
            }
        }));
    }

    @Test
    void aWokenThreadSpillsOnlyWithABacklogAndASleepingCarrier() {
        AtomicInteger asked = new AtomicInteger();
        BooleanSupplier asleep = () -> {
            asked.incrementAndGet();
            return true;
        };
        assertFalse(QueueTurns.spills(QueueTurns.SPILL_BACKLOG - 1, asleep), "no backlog yet");
        assertEquals(0, asked.get(), "the other carriers are not asked without a backlog");
        assertTrue(QueueTurns.spills(QueueTurns.SPILL_BACKLOG, asleep));
        assertEquals(1, asked.get());
        assertFalse(QueueTurns.spills(10 * QueueTurns.SPILL_BACKLOG, () -> false), "nobody idle to run it");
    }
}
