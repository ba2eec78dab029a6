package io.ringloom.internal;

import io.ringloom.CarrierPool;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.awaitility.Awaitility.await;

/**
 * {@link Staging}'s chunks kept per carrier: a chunk given back on a carrier is taken
 * again there, one taken and not given back is never handed out twice, and what a
 * carrier holds goes to the shared pool when the carrier ends.
 */
class StagingOnCarriersIT {
    private static <T> T onPool(CarrierPool pool, java.util.concurrent.Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        pool.startVirtualThread(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aCarrierReusesItsChunksAndGivesThemBackWhenItEnds() throws Exception {
        assumeFalse(Boolean.getBoolean("ringloom.fallback"),
                "per-carrier staging needs carriers; a fallback pool is the JDK's own scheduler");
        long kept;
        try (CarrierPool pool = CarrierPool.builder().carriers(1).name("staging-test").build()) {
            assertFalse(pool.isFallback(), () -> "pool fell back: " + pool.fallbackReason());
            long[] addresses = onPool(pool, () -> {
                MemorySegment a = Staging.acquire(100);
                MemorySegment b = Staging.acquire(100);   // a is out: b must be another chunk
                long[] out = {a.address(), b.address(), 0};
                Staging.release(a);
                MemorySegment again = Staging.acquire(100);
                out[2] = again.address();
                Staging.release(again);
                Staging.release(b);
                return out;
            });
            assertNotEquals(addresses[0], addresses[1], "two chunks out at once are two chunks");
            assertEquals(addresses[0], addresses[2], "a chunk given back on the carrier is taken again there");
            // another thread on the same (only) carrier takes the last one given back
            kept = onPool(pool, () -> {
                MemorySegment c = Staging.acquire(100);
                Staging.release(c);
                return c.address();
            });
            assertEquals(addresses[1], kept);
        }
        // What the carrier held goes to the shared pool as its thread ends, after close returned.
        long chunk = kept;
        await().atMost(Duration.ofSeconds(30)).until(() -> Staging.isShared(chunk));
    }
}
