package io.ringloom.reliability;

import io.ringloom.CarrierPool;
import io.ringloom.core.CarrierStats;
import io.ringloom.rings.sys.ProcFds;
import org.awaitility.core.ConditionFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the reliability scenarios share: the bounded or long form, the line
 * each prints, and the end-of-scenario health check.
 *
 * <p>{@code ./ringloom test} runs the bounded form; {@code ./ringloom stress}
 * sets {@code -Dringloom.stress=true} for the long one.
 */
final class Reliability {
    private Reliability() {}

    /** The JUnit tag on every scenario; {@code ./ringloom stress} runs only these. */
    static final String TAG = "reliability";
    static final boolean LONG = Boolean.getBoolean("ringloom.stress");
    /** The facade suite runs a second time with io_uring forced off (issue 7, scenario 5). */
    static final boolean FALLBACK = Boolean.getBoolean("ringloom.fallback");

    static int scaled(int bounded, int longForm) {
        return LONG ? longForm : bounded;
    }

    static Duration scaled(Duration bounded, Duration longForm) {
        return LONG ? longForm : bounded;
    }

    /** One line per scenario in the test log (and so in CI's): {@code reliability/<name>: ...}. */
    static void report(String scenario, String format, Object... args) {
        System.out.printf("reliability/%s%s%s: %s%n", scenario, LONG ? " (long form)" : "",
                FALLBACK ? " (fallback mode)" : "", format.formatted(args));
        System.out.flush();
    }

    /** Awaitility, polling every millisecond: rounds of a scenario wait for short conditions many times. */
    static ConditionFactory soon() {
        return await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
    }

    /** This process's fds before a scenario (see {@link io.ringloom.FdSnapshots}). */
    static Map<Integer, String> fdsBefore() {
        return io.ringloom.FdSnapshots.afterJdkWarmUp();
    }

    /** A pool for a scenario: on rings, or the JDK's scheduler when the run forces fallback. */
    static CarrierPool pool(String name) {
        CarrierPool pool = CarrierPool.builder().carriers(2).name(name).build();
        assertEquals(FALLBACK, pool.isFallback(), () -> "fallback: " + pool.fallbackReason());
        return pool;
    }

    /** Waits for every carrier's op table to empty, closes the pool, and checks no carrier died and no fd leaked. */
    static void closeAndCheck(CarrierPool pool, Map<Integer, String> fdsBefore) {
        await().atMost(Duration.ofSeconds(10)).until(() ->
                pool.stats().stream().mapToLong(CarrierStats::inFlight).sum() == 0);
        assertEquals(List.of(), pool.carrierFailures(), "a carrier died");
        pool.close();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertEquals(Map.of(), ProcFds.leakedSince(fdsBefore), "fds leaked"));
    }

    static void mkfifo(Path p) throws IOException, InterruptedException {
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        if (mk.waitFor() != 0) throw new IOException("mkfifo " + p + " failed");
    }

    /**
     * Buffers a worker rotates through. After a call returns, its buffer is
     * filled with {@link #CANARY}; the next time it comes round it must still
     * hold only that byte, or something wrote it after the call had returned.
     */
    static final class Canaries {
        static final byte CANARY = 0x5A;
        private final ByteBuffer[] buffers;
        private int next;

        Canaries(int capacity) {
            buffers = new ByteBuffer[] {
                    ByteBuffer.allocateDirect(capacity), ByteBuffer.allocate(capacity),
                    ByteBuffer.allocateDirect(capacity), ByteBuffer.allocate(capacity)};
            for (ByteBuffer b : buffers) fill(b);
        }

        /** The next buffer, cleared, after checking it kept its canary; null if it did not. */
        ByteBuffer take() {
            ByteBuffer b = buffers[next++ & (buffers.length - 1)];
            if (!intact(b)) return null;
            b.clear();
            return b;
        }

        /** Call once the call using {@code b} has returned or thrown. */
        static void release(ByteBuffer b) {
            fill(b);
        }

        boolean allIntact() {
            for (ByteBuffer b : buffers) if (!intact(b)) return false;
            return true;
        }

        private static void fill(ByteBuffer b) {
            b.clear();
            for (int i = 0; i < b.capacity(); i++) b.put(i, CANARY);
        }

        private static boolean intact(ByteBuffer b) {
            b.clear();
            for (int i = 0; i < b.capacity(); i++) if (b.get(i) != CANARY) return false;
            return true;
        }
    }
}
