package io.ringloom.rings.carrier;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a busy carrier enters the kernel for waiting requests ({@code SubmitPacing}), on a clock the test moves. */
class SubmitPacingTest {
    private static final long DELAY = 50_000;
    private final AtomicLong now = new AtomicLong(1_000_000);

    @Test
    void quickThreadsShareOneEnterUntilTheBatchIsFull() {
        SubmitPacing pacing = new SubmitPacing(16, DELAY, now::get);
        for (int run = 1; run < 16; run++) {
            now.addAndGet(1_000);   // 1 us per thread: the batch comes before the delay
            assertFalse(pacing.ranWhileWaiting(), "run " + run);
        }
        assertTrue(pacing.ranWhileWaiting());
    }

    @Test
    void longThreadsGetTheirEnterAfterTheDelay() {
        SubmitPacing pacing = new SubmitPacing(16, DELAY, now::get);
        assertFalse(pacing.ranWhileWaiting());   // the requests begin to wait here
        now.addAndGet(DELAY - 1);
        assertFalse(pacing.ranWhileWaiting());
        now.addAndGet(1);
        assertTrue(pacing.ranWhileWaiting());
    }

    @Test
    void anEnterStartsTheCountAndTheClockAgain() {
        SubmitPacing pacing = new SubmitPacing(2, DELAY, now::get);
        assertFalse(pacing.ranWhileWaiting());
        now.addAndGet(10 * DELAY);
        pacing.entered();
        assertFalse(pacing.ranWhileWaiting(), "the time before the enter no longer counts");
        assertTrue(pacing.ranWhileWaiting(), "a batch of 2");
    }

    @Test
    void aBatchOfOneEntersAfterEveryThread() {
        SubmitPacing pacing = new SubmitPacing(1, DELAY, now::get);
        assertTrue(pacing.ranWhileWaiting());
        pacing.entered();
        assertTrue(pacing.ranWhileWaiting());
    }

    @Test
    void refusesAnEmptyBatchAndANegativeDelay() {
        assertThrows(IllegalArgumentException.class, () -> new SubmitPacing(0, DELAY, now::get));
        assertThrows(IllegalArgumentException.class, () -> new SubmitPacing(1, -1, now::get));
    }
}
