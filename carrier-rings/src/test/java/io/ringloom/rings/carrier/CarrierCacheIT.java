package io.ringloom.rings.carrier;

import io.ringloom.core.RingMode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link CarrierCache}: objects kept per carrier, bounded, given back when a carrier ends. */
class CarrierCacheIT {
    /** Runs {@code body} on a virtual thread of {@code scheduler} and returns what it returns. */
    private static <T> T onPool(CarrierScheduler scheduler, java.util.concurrent.Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        scheduler.newThread(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }).start();
        return result.get(10, TimeUnit.SECONDS);
    }

    @Test
    void offCarriersNothingIsKept() {
        CarrierCache<Object> cache = new CarrierCache<>(4, o -> { });
        assertFalse(cache.offer(new Object()), "the test's thread is no carrier");
        assertNull(cache.poll());
        assertThrows(IllegalArgumentException.class, () -> new CarrierCache<>(0, o -> { }));
    }

    @Test
    void aCarrierKeepsUpToItsCapacityLastInFirstOut() throws Exception {
        List<Object> spilled = Collections.synchronizedList(new ArrayList<>());
        CarrierCache<Object> cache = new CarrierCache<>(2, spilled::add);
        Object a = new Object(), b = new Object(), c = new Object();
        CarrierScheduler scheduler = CarrierScheduler.start(1, 8, RingMode.COOP, "cache-test");
        try {
            List<Object> seen = onPool(scheduler, () -> {
                List<Object> out = new ArrayList<>();
                out.add(cache.offer(a));
                out.add(cache.offer(b));
                out.add(cache.offer(c));   // full: the caller keeps it
                out.add(cache.poll());
                return out;
            });
            assertEquals(List.of(true, true, false), seen.subList(0, 3));
            assertSame(b, seen.get(3), "the last one given is the first taken");
            // another thread on the same (only) carrier finds what the first left
            assertSame(a, onPool(scheduler, cache::poll));
            assertNull(onPool(scheduler, cache::poll));
            assertTrue(onPool(scheduler, () -> cache.offer(c)));
            assertTrue(spilled.isEmpty(), "nothing given back while the carrier runs");
        } finally {
            // the carrier gives back what it holds as its thread ends, which close waits for
            assertTrue(scheduler.close(30, TimeUnit.SECONDS), "the carrier ended");
        }
        assertEquals(List.of(c), spilled, "what the carrier held went back when it ended");
    }
}
