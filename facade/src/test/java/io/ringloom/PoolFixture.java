package io.ringloom;

import io.ringloom.rings.Request;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.ProcFds;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pipes and blocking ring calls for pool tests, and the end-of-test health check. */
final class PoolFixture {
    private PoolFixture() {}

    /** The name the pool-level tests give their pools, so checks see only their own carriers. */
    static final String POOL_NAME = "pooltest";

    static int[] pipe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(8, 4);
            int ret = SysCalls.get().pipe2(fds.address(), SysCalls.O_CLOEXEC);
            if (ret < 0) throw new IllegalStateException("pipe2: " + Errno.name(ret));
            return new int[] {fds.get(ValueLayout.JAVA_INT, 0), fds.get(ValueLayout.JAVA_INT, 4)};
        }
    }

    static void close(int... fds) {
        for (int fd : fds) SysCalls.get().close(fd);
    }

    /** A blocking read through the pool's primitive. */
    static int read(CarrierPool pool, int fd, MemorySegment buf) throws IOException {
        return pool.scheduler().submitAndAwait(Request.read(fd, buf, -1));
    }

    static int write(CarrierPool pool, int fd, MemorySegment buf) throws IOException {
        return pool.scheduler().submitAndAwait(Request.write(fd, buf, -1));
    }

    /**
     * {@code n} one-byte round trips between two threads of {@code pool} over
     * two pipes, started at once; {@link #done} counts them. Close it only
     * after {@link #await} (the threads use its memory and fds).
     */
    static final class PingPong implements AutoCloseable {
        final java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        private final int[] ab = pipe(), ba = pipe();
        private final Arena arena = Arena.ofShared();
        private final Thread pinger, ponger;

        PingPong(CarrierPool pool, long n) {
            MemorySegment b1 = arena.allocate(1), b2 = arena.allocate(1);
            ponger = pool.startVirtualThread(() -> {
                try {
                    for (long i = 0; i < n; i++) {
                        read(pool, ab[0], b2);
                        write(pool, ba[1], b2);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            pinger = pool.startVirtualThread(() -> {
                try {
                    for (long i = 0; i < n; i++) {
                        write(pool, ab[1], b1);
                        read(pool, ba[0], b1);
                        done.incrementAndGet();
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }

        /** Waits, at most {@code timeout} for each thread, for every round trip. */
        void await(java.time.Duration timeout) throws InterruptedException {
            assertTrue(pinger.join(timeout) && ponger.join(timeout), "round trips did not finish: " + done.get());
        }

        @Override
        public void close() {
            PoolFixture.close(ab[0], ab[1], ba[0], ba[1]);
            arena.close();
        }
    }

    /** Closes the pool and checks: no carrier died, none is left, no fd leaked since {@code before}. */
    static void closeAndCheck(CarrierPool pool, Map<Integer, String> before) {
        assertEquals(java.util.List.of(), pool.carrierFailures(), "a carrier died");
        pool.close();
        for (var s : pool.stats()) {
            assertEquals(0, s.inFlight(), "operations left in flight on " + s);
        }
        var left = Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().startsWith(POOL_NAME + "-carrier-") && e.getKey().isAlive())
                .map(e -> e.getKey().getName() + " at " + java.util.Arrays.toString(e.getValue()))
                .toList();
        assertEquals(java.util.List.of(), left, "carrier threads of this pool still alive");
        assertEquals(Map.of(), ProcFds.leakedSince(before), "fds leaked (rings, eventfds or pipes)");
        assertTrue(pool.carrierFailures().isEmpty(), "a carrier died: " + pool.carrierFailures());
    }
}
