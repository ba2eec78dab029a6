package io.ringloom.rings.carrier;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a busy carrier enters the kernel for waiting requests ({@code SubmitPacing}), with run end times the test moves. */
class SubmitPacingTest {
    private static final long DELAY = 50_000;
    private final AtomicLong now = new AtomicLong(1_000_000);

    @Test
    void quickThreadsShareOneEnterUntilTheBatchIsFull() {
        SubmitPacing pacing = new SubmitPacing(16, DELAY);
        for (int run = 1; run < 16; run++) {
            now.addAndGet(1_000);   // 1 us per thread: the batch comes before the delay
            assertFalse(pacing.ranWhileWaiting(now.get()), "run " + run);
        }
        assertTrue(pacing.ranWhileWaiting(now.get()));
    }

    @Test
    void longThreadsGetTheirEnterAfterTheDelay() {
        SubmitPacing pacing = new SubmitPacing(16, DELAY);
        assertFalse(pacing.ranWhileWaiting(now.get()));   // the requests begin to wait here
        now.addAndGet(DELAY - 1);
        assertFalse(pacing.ranWhileWaiting(now.get()));
        now.addAndGet(1);
        assertTrue(pacing.ranWhileWaiting(now.get()));
    }

    @Test
    void anEnterStartsTheCountAndTheClockAgain() {
        SubmitPacing pacing = new SubmitPacing(2, DELAY);
        assertFalse(pacing.ranWhileWaiting(now.get()));
        now.addAndGet(10 * DELAY);
        pacing.entered();
        assertFalse(pacing.ranWhileWaiting(now.get()), "the time before the enter no longer counts");
        assertTrue(pacing.ranWhileWaiting(now.get()), "a batch of 2");
    }

    @Test
    void aBatchOfOneEntersAfterEveryThread() {
        SubmitPacing pacing = new SubmitPacing(1, DELAY);
        assertTrue(pacing.ranWhileWaiting(now.get()));
        pacing.entered();
        assertTrue(pacing.ranWhileWaiting(now.get()));
    }

    @Test
    void refusesAnEmptyBatchAndANegativeDelay() {
        assertThrows(IllegalArgumentException.class, () -> new SubmitPacing(0, DELAY));
        assertThrows(IllegalArgumentException.class, () -> new SubmitPacing(1, -1));
    }
}
