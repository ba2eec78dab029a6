package io.ringloom.reliability;

import io.ringloom.CarrierPool;
import io.ringloom.core.CarrierPoolClosedException;
import io.ringloom.core.CarrierStats;
import io.ringloom.rings.sys.ProcFds;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;

import static io.ringloom.reliability.Reliability.scaled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenarios 7 and 8 of issue 7. The soak runs {@link Traffic} for 60 s (the
 * long form 10 minutes) and watches the process: every second its fd count,
 * and from the end of warm-up on, every 10 s after a full GC, the heap in
 * use, the JVM's direct buffers and the native memory allocated outside the
 * heap (NMT's "Other": what FFM arenas and Unsafe allocate, where Ringloom's
 * staging buffers and per-call memory live). The shutdown test closes a pool
 * under the same traffic and checks everything ended and was released.
 */
@Tag(Reliability.TAG)
class SoakAndShutdownIT {
    private static final int CLIENTS = 32;
    private static final int FILE_WORKERS = 16;
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void soakKeepsEveryByteAndHoldsFdsAndMemoryFlat() throws Exception {
        Duration length = scaled(Duration.ofSeconds(60), Duration.ofMinutes(10));
        Duration warmUp = Duration.ofSeconds(15);
        Map<Integer, String> fdsBefore = Reliability.fdsBefore();
        CarrierPool pool = Reliability.pool("soak");
        int fdBase = ProcFds.snapshot().size();
        // Every worker holds at most two fds at once (a copy: source and target), a client and its echo handler two.
        int fdBound = fdBase + 2 * CLIENTS + 2 * FILE_WORKERS + 16;
        Traffic traffic = new Traffic(pool, dir);
        traffic.start(CLIENTS, FILE_WORKERS);

        long start = System.nanoTime();
        int fdMax = 0, samples = 0;
        List<Memory> checkpoints = new ArrayList<>();
        long nextCheckpoint = warmUp.toNanos();
        while (System.nanoTime() - start < length.toNanos() && traffic.ended.isEmpty()) {
            Thread.sleep(1000);
            int fds = ProcFds.snapshot().size();
            fdMax = Math.max(fdMax, fds);
            samples++;
            assertTrue(fds <= fdBound, "fd count " + fds + " over the bound " + fdBound + " at sample " + samples);
            if (System.nanoTime() - start >= nextCheckpoint) {
                checkpoints.add(Memory.now((System.nanoTime() - start) / 1_000_000_000L));
                nextCheckpoint += Duration.ofSeconds(10).toNanos();
            }
        }
        long ops = traffic.operations.sum(), bytes = traffic.bytes.sum(), mismatches = traffic.mismatches.sum();
        traffic.stop(30_000);
        List<Throwable> ended = new ArrayList<>(traffic.ended);
        Reliability.closeAndCheck(pool, fdsBefore);

        Memory first = checkpoints.getFirst(), last = checkpoints.getLast();
        // Direct and native memory freed by the GC's cleaner can lag a checkpoint: a leak
        // shows in both of the last two, a buffer waiting for its cleaner in one.
        Memory beforeLast = checkpoints.get(Math.max(0, checkpoints.size() - 2));
        long lastDirect = Math.min(last.direct(), beforeLast.direct());
        long lastNative = Math.min(last.nativeOther(), beforeLast.nativeOther());
        Reliability.report("soak",
                "%d s, %d clients and %d file workers, %,d operations, %,d MiB checked, %d CRC mismatches, "
                        + "%d workers failed; fds %d at start, at most %d (bound %d), none left; after warm-up "
                        + "heap %s, direct buffers %s, native (NMT Other) %s",
                length.toSeconds(), CLIENTS, FILE_WORKERS, ops, bytes / MIB, mismatches, ended.size(),
                fdBase, fdMax, fdBound, Memory.series(checkpoints, Memory::heap), Memory.series(checkpoints, Memory::direct),
                first.nativeOther() < 0 ? "(NMT off)" : Memory.series(checkpoints, Memory::nativeOther));
        assertEquals(List.of(), ended.stream().limit(3).map(Throwable::toString).toList(), "workers failed");
        assertEquals(0, mismatches, "bytes came back different");
        assertTrue(ops > 0, "no traffic");
        assertTrue(checkpoints.size() >= 2, "too few memory checkpoints: " + checkpoints.size());
        // Not growing after warm-up: the last checkpoint within a margin of the first.
        assertTrue(last.heap() <= first.heap() + first.heap() / 4 + 32 * MIB,
                "heap after GC grew: " + Memory.series(checkpoints, Memory::heap));
        assertTrue(lastDirect <= first.direct() + 8 * MIB,
                "direct buffers grew: " + Memory.series(checkpoints, Memory::direct));
        if (first.nativeOther() >= 0) {
            assertTrue(lastNative <= first.nativeOther() + 16 * MIB,
                    "native memory grew: " + Memory.series(checkpoints, Memory::nativeOther));
        }
    }

    @Test
    void closingThePoolUnderLoadEndsEveryThreadAndReleasesEverything() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(Reliability.FALLBACK,
                "a fallback pool is the JDK's scheduler: it has no carriers, rings or ring fds to release");
        Duration load = scaled(Duration.ofSeconds(5), Duration.ofSeconds(60));
        Map<Integer, String> fdsBefore = Reliability.fdsBefore();
        CarrierPool pool = CarrierPool.builder().carriers(2).name("shutdown").closeGrace(Duration.ofSeconds(1)).build();
        assertFalse(pool.isFallback(), pool.fallbackReason());
        Traffic traffic = new Traffic(pool, dir);
        traffic.start(CLIENTS, FILE_WORKERS);
        Thread.sleep(load.toMillis());
        long opsBeforeClose = traffic.operations.sum();
        assertTrue(traffic.ended.isEmpty(), () -> "a worker failed before the close: " + traffic.ended.peek());
        long inFlightAtClose = pool.stats().stream().mapToLong(CarrierStats::inFlight).sum();

        long closeStart = System.nanoTime();
        pool.close();
        long closeMillis = (System.nanoTime() - closeStart) / 1_000_000;

        List<Thread> alive = traffic.joinAll(30_000);
        Reliability.soon().until(() -> traffic.echoHandlersLeft() == 0);
        Map<String, Integer> endings = new TreeMap<>();
        List<String> unexpected = new ArrayList<>();
        for (Throwable e : traffic.ended) {
            endings.merge(e.getClass().getSimpleName(), 1, Integer::sum);
            boolean expected = e instanceof CarrierPoolClosedException || e instanceof ClosedChannelException
                    || e instanceof RejectedExecutionException || e instanceof IOException;
            if (!expected) unexpected.add(e.toString());
        }
        List<String> carriersLeft = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("shutdown-carrier-") && t.isAlive()).map(Thread::getName).toList();
        long inFlightAfter = pool.stats().stream().mapToLong(CarrierStats::inFlight).sum();

        Reliability.report("shutdown-under-load",
                "pool closed after %d s of traffic (%,d operations, %d requests in flight) in %d ms; "
                        + "%d workers, %d still alive after it, endings %s, %d unexpected, %d CRC mismatches; "
                        + "carriers left %d, requests in flight %d",
                load.toSeconds(), opsBeforeClose, inFlightAtClose, closeMillis, traffic.workers(), alive.size(), endings,
                unexpected.size(), traffic.mismatches.sum(), carriersLeft.size(), inFlightAfter);
        assertEquals(List.of(), alive.stream().map(t -> t + " " + java.util.Arrays.toString(t.getStackTrace())).toList(),
                "threads still alive after the close");
        assertEquals(List.of(), unexpected);
        assertEquals(0, traffic.mismatches.sum());
        assertEquals(List.of(), carriersLeft);
        assertEquals(0, inFlightAfter);
        assertEquals(List.of(), pool.carrierFailures());
        Reliability.soon().untilAsserted(() -> assertEquals(Map.of(), ProcFds.leakedSince(fdsBefore), "fds left"));
    }

    /** One checkpoint, taken after a full GC; sizes in bytes, nativeOther -1 when NMT is off. */
    private record Memory(long atSecond, long heap, long direct, long nativeOther) {
        private static final Pattern OTHER = Pattern.compile("Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)");

        static Memory now(long atSecond) throws Exception {
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                    .filter(p -> p.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
            String nmt = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
            Matcher m = OTHER.matcher(nmt);
            return new Memory(atSecond, heap, direct, m.find() ? Long.parseLong(m.group(1)) * 1024 : -1);
        }

        static String series(List<Memory> ms, java.util.function.ToLongFunction<Memory> f) {
            StringBuilder sb = new StringBuilder();
            for (Memory m : ms) {
                if (!sb.isEmpty()) sb.append(", ");
                sb.append(String.format("%.1f", f.applyAsLong(m) / (double) MIB)).append(" MiB at ").append(m.atSecond).append(" s");
            }
            return sb.toString();
        }
    }
}
