package io.ringloom.rings.carrier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayDeque;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The carrier's choice between its woken and its shared queue, played out on two
 * queues that stay full: each thread taken comes back at the tail of its own queue
 * (a connection's thread woken again, a shared-queue thread made runnable again),
 * as {@code Carrier.nextTask} takes them.
 */
class QueueTurnsTest {

    /** The longest wait in picks seen in each queue: {woken, shared}. */
    private static long[] longestWaits(int wokenThreads, int sharedThreads, int picks) {
        QueueTurns turns = new QueueTurns();
        ArrayDeque<Long> woken = new ArrayDeque<>(), shared = new ArrayDeque<>();
        for (int i = 0; i < wokenThreads; i++) woken.add(0L);
        for (int i = 0; i < sharedThreads; i++) shared.add(0L);
        long[] longest = new long[2];
        for (long pick = 0; pick < picks; pick++) {
            ArrayDeque<Long> from;
            if (turns.wokenNext() && !woken.isEmpty()) {
                turns.tookWoken();
                from = woken;
            } else {
                from = shared.isEmpty() ? woken : shared;
                Long head = shared.poll();
                turns.sharedTurn(woken.size(), shared.size());
                if (head != null) {
                    longest[1] = Math.max(longest[1], pick - head);
                    shared.add(pick);
                    continue;
                }
            }
            long enqueued = from.poll();
            longest[from == woken ? 0 : 1] = Math.max(longest[from == woken ? 0 : 1], pick - enqueued);
            from.add(pick);
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
}
