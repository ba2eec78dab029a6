package io.ringloom.reliability;

import io.ringloom.CarrierPool;
import io.ringloom.core.CarrierStats;
import io.ringloom.rings.Request;
import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.sys.ProcFds;
import io.ringloom.rings.sys.SysCalls;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Reliability scenarios 3 and 4 of issue 7, bounded for CI: a ring of 32 SQEs
 * under 100k submitting threads, and a CQ of 64 under 2000 completions at once.
 * Each prints what it tried and what failed (must be 0).
 */
@org.junit.jupiter.api.Tag(Reliability.TAG)
class BackpressureAndOverflowIT {

    @org.junit.jupiter.api.BeforeEach
    void needsRings() {
        org.junit.jupiter.api.Assumptions.assumeFalse(Reliability.FALLBACK,
                "exercises the rings' own limits (SQ and CQ sizes); a fallback pool has no ring");
    }

    @Test
    void hundredThousandThreadsOnARingOf32Entries() throws Exception {
        int threads = 100_000;
        AtomicInteger ok = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        try (CarrierPool pool = CarrierPool.builder().carriers(2).ringEntries(32).name("backpressure").build()) {
            assertFalse(pool.isFallback(), pool.fallbackReason());
            CarrierScheduler s = io.ringloom.PoolInternals.scheduler(pool);
            List<Thread> all = new ArrayList<>(threads);
            for (int i = 0; i < threads; i++) {
                all.add(pool.startVirtualThread(() -> {
                    try {
                        if (s.submitAndAwait(Request.nop()) == 0) ok.incrementAndGet();
                        else failures.add(new AssertionError("NOP gave non-zero"));
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread t : all) t.join(60_000);
            long sqes = pool.stats().stream().mapToLong(CarrierStats::sqesSubmitted).sum();
            Reliability.report("backpressure", "%,d operations tried at once on 32-entry rings, %,d SQEs submitted, %d failures",
                    threads, sqes, failures.size());
            assertEquals(List.of(), failures.stream().limit(3).map(Throwable::toString).toList());
            assertEquals(threads, ok.get());
        }
    }

    @Test
    void cqFarSmallerThanTheOperationsInFlightLosesNothing() throws Exception {
        int n = 2000;
        SysCalls sys = SysCalls.get();
        Map<Integer, String> before = ProcFds.snapshot();
        int[][] pipes = new int[n][];
        try (Arena arena = Arena.ofShared()) {
            for (int i = 0; i < n; i++) {
                MemorySegment fds = arena.allocate(8, 4);
                assertEquals(0, sys.pipe2(fds.address(), SysCalls.O_CLOEXEC));
                pipes[i] = new int[] {fds.get(ValueLayout.JAVA_INT, 0), fds.get(ValueLayout.JAVA_INT, 4)};
            }
            AtomicInteger exact = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            long overflows;
            try (CarrierPool pool = CarrierPool.builder().carriers(2).ringEntries(32).name("overflow").build()) {
                assertFalse(pool.isFallback(), pool.fallbackReason());
                CarrierScheduler s = io.ringloom.PoolInternals.scheduler(pool);
                List<Thread> readers = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    int id = i;
                    MemorySegment buf = arena.allocate(8, 8);
                    readers.add(pool.startVirtualThread(() -> {
                        try {
                            int r = s.submitAndAwait(Request.read(pipes[id][0], buf, -1));
                            if (r == 8 && buf.get(ValueLayout.JAVA_LONG, 0) == 0xC0FFEE00L + id) exact.incrementAndGet();
                            else failures.add("reader " + id + ": res " + r);
                        } catch (Throwable e) {
                            failures.add("reader " + id + ": " + e);
                        }
                    }));
                }
                // every read armed in the kernel before any data arrives
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        pool.stats().stream().mapToLong(CarrierStats::inFlight).sum() == n);
                MemorySegment v = arena.allocate(8, 8);
                for (int i = 0; i < n; i++) {
                    v.set(ValueLayout.JAVA_LONG, 0, 0xC0FFEE00L + i);
                    assertEquals(8, sys.write(pipes[i][1], v.address(), 8));
                }
                for (Thread t : readers) t.join(60_000);
                overflows = pool.stats().stream().mapToLong(CarrierStats::overflows).sum();
                long cqEntries = 64;   // the kernel's default CQ: twice the 32 SQ entries
                Reliability.report("cq-overflow", "%,d reads in flight over CQs of %d entries, "
                        + "%d overflow flags seen, %,d completed exactly once, %d failures",
                        n, cqEntries, overflows, exact.get(), failures.size());
                assertEquals(List.of(), failures.stream().limit(3).toList());
                assertEquals(n, exact.get());
                assertEquals(List.of(), pool.carrierFailures());
            }
        } finally {
            for (int[] p : pipes) {
                if (p != null) {
                    sys.close(p[0]);
                    sys.close(p[1]);
                }
            }
        }
        assertEquals(Map.of(), ProcFds.leakedSince(before));
    }
}
