package io.ringloom;

import io.ringloom.rings.jfr.CarrierSampleEvent;
import io.ringloom.rings.jfr.FallbackEvent;
import io.ringloom.rings.jfr.PinnedWaitEvent;
import io.ringloom.rings.jfr.SlowOperationEvent;
import io.ringloom.rings.sys.ProcFds;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Ringloom's JFR events, recorded in this JVM while pool threads make pinned,
 * slow and ordinary ring calls, and read back from the file with
 * {@link RecordingFile}.
 */
class RingloomEventsIT {
    private static final boolean FALLBACK = Boolean.getBoolean("ringloom.fallback");
    private static final String POOL = "jfrtest";
    /** The slow read waits this long for its data; the shipped threshold is 20 ms. */
    private static final long SLOW_MILLIS = 80;
    private static final int ROUND_TRIPS = 2_000;

    @TempDir
    Path dir;

    /** The settings file Ringloom ships (README, "Observability"). */
    private static Configuration ringloomSettings() throws IOException, ParseException {
        try (Reader r = new InputStreamReader(CarrierPool.class.getResourceAsStream("ringloom.jfc"), StandardCharsets.UTF_8)) {
            return Configuration.create(r);
        }
    }

    @Test
    void withRingloomSettingsTheRecordingHasPinnedSlowAndSampleEvents() throws Exception {
        assumeFalse(FALLBACK, "pinned waits, ring operations and carriers exist only on rings");
        Path file = dir.resolve("on.jfr");
        try (RecordingStream recording = new RecordingStream(ringloomSettings())) {
            recording.enable(CarrierSampleEvent.NAME).withPeriod(Duration.ofMillis(100));
            AtomicInteger trafficSamples = new AtomicInteger();
            recording.onEvent(CarrierSampleEvent.NAME, e -> {
                if (POOL.equals(e.getString("pool")) && e.getLong("sqesSubmitted") >= ROUND_TRIPS) {
                    trafficSamples.incrementAndGet();
                }
            });
            recording.startAsync();
            driveTraffic(PinnedA::touch, () -> trafficSamples.get() > 0);
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        System.out.println("RingloomEventsIT: " + events.stream()
                .collect(Collectors.groupingBy(e -> e.getEventType().getName(), Collectors.counting())));

        List<RecordedEvent> pinned = named(events, PinnedWaitEvent.NAME);
        assertEquals(1, pinned.size(), "one pinned wait: " + pinned);
        RecordedEvent p = pinned.getFirst();
        assertEquals("READ", p.getString("operation"));
        assertEquals(3, p.getInt("result"));
        assertTrue(p.getInt("carrier") == 0 || p.getInt("carrier") == 1, p::toString);
        assertTrue(p.getThread().isVirtual() && p.getThread().getJavaName().startsWith(POOL + "-"), p::toString);
        assertTrue(p.getDuration().toNanos() > 0, p::toString);
        assertTrue(p.getDuration("stalledFor").toMillis() >= 5, "the watchdog looks every 10 ms: " + p);
        assertTrue(p.getStackTrace().getFrames().stream().anyMatch(RingloomEventsIT::inPinnedInitializer),
                () -> "the stack shows the class initializer: " + p.getStackTrace().getFrames());

        List<RecordedEvent> slow = named(events, SlowOperationEvent.NAME);
        for (RecordedEvent s : slow) {
            assertTrue(s.getDuration().toMillis() >= 20, "under the threshold: " + s);
        }
        RecordedEvent held = slow.stream().filter(s -> s.getLong("bytes") == 5).findFirst()
                .orElseThrow(() -> new AssertionError("no slow 5-byte read among " + slow));
        assertEquals("READ", held.getString("operation"));
        assertEquals(22, held.getInt("opcode"));   // IORING_OP_READ
        assertEquals("pipe", held.getString("fdType"));
        assertEquals(5, held.getInt("result"));
        assertTrue(held.getInt("carrier") == 0 || held.getInt("carrier") == 1, held::toString);
        assertTrue(held.getDuration().toMillis() >= SLOW_MILLIS - 5, held::toString);
        assertFalse(held.getStackTrace().getFrames().isEmpty(), held::toString);

        List<RecordedEvent> samples = named(events, CarrierSampleEvent.NAME).stream()
                .filter(e -> POOL.equals(e.getString("pool"))).toList();
        assertFalse(samples.isEmpty(), "no carrier samples for " + POOL);
        for (RecordedEvent s : samples) {
            int carrier = s.getInt("carrier");
            assertTrue(carrier == 0 || carrier == 1, s::toString);
            assertTrue(s.getLong("sqesSubmitted") >= 0 && s.getLong("cqesReaped") >= 0 && s.getInt("runQueueLength") >= 0
                    && s.getLong("inFlight") >= 0, s::toString);
        }
        long sqes = samples.stream().mapToLong(s -> s.getLong("sqesSubmitted")).max().orElseThrow();
        assertTrue(sqes >= ROUND_TRIPS, "a carrier's sample shows the traffic's SQEs: " + samples.getLast());
        assertTrue(samples.stream().anyMatch(s -> s.getLong("threadsRun") > 0 && s.getLong("enters") > 0), samples::toString);
        assertEquals(List.of(), named(events, FallbackEvent.NAME));
    }

    @Test
    void withRingloomEventsDisabledTheRecordingHasNone() throws Exception {
        assumeFalse(FALLBACK, "the traffic needs rings");
        Path file = dir.resolve("off.jfr");
        try (Recording recording = new Recording(Configuration.getConfiguration("default"))) {
            recording.start();
            driveTraffic(PinnedB::touch, () -> true);
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        assertFalse(events.isEmpty(), "the JDK's own events are there");
        assertEquals(List.of(), events.stream().filter(e -> e.getEventType().getName().startsWith("io.ringloom.")).toList());
    }

    @Test
    void aPoolWithoutRingsCommitsAFallbackEvent() throws Exception {
        Path file = dir.resolve("fallback.jfr");
        String before = System.getProperty("ringloom.fallback");
        try (Recording recording = new Recording(ringloomSettings())) {
            recording.start();
            System.setProperty("ringloom.fallback", "true");   // read at each pool's start
            try (CarrierPool pool = CarrierPool.builder().name("jfrfallback").build()) {
                assertTrue(pool.isFallback());
            } finally {
                if (before == null) System.clearProperty("ringloom.fallback");
                else System.setProperty("ringloom.fallback", before);
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> fallbacks = named(RecordingFile.readAllEvents(file), FallbackEvent.NAME);
        assertEquals(1, fallbacks.size(), fallbacks::toString);
        RecordedEvent f = fallbacks.getFirst();
        assertEquals("jfrfallback", f.getString("pool"));
        assertFalse(f.getBoolean("dropIn"));
        assertTrue(f.getString("reason").contains("ringloom.fallback=true"), f::toString);
    }

    // ------------------------------------------------------------ traffic

    /**
     * On a fresh pool: one pinned read (the class {@code pinned} names blocks in
     * its initializer), one read that waits {@link #SLOW_MILLIS} for its data,
     * and {@link #ROUND_TRIPS} quick pipe round trips; then, once {@code seen}
     * (the recording has what it needs), the pool closes and leaves no fd behind.
     */
    private static void driveTraffic(Runnable pinned, BooleanSupplier seen) throws Exception {
        Map<Integer, String> fdsBefore = ProcFds.snapshot();
        CarrierPool pool = CarrierPool.builder().carriers(2).closeGrace(Duration.ofSeconds(2)).name(POOL).build();
        assertFalse(pool.isFallback(), pool::fallbackReason);
        try {
            pinnedRead(pool, pinned);
            slowRead(pool);
            roundTrips(pool);
            await().atMost(Duration.ofSeconds(20)).until(seen::getAsBoolean);
        } finally {
            assertEquals(List.of(), pool.carrierFailures());
            pool.close();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(Map.of(),
                ProcFds.leakedSince(fdsBefore).entrySet().stream().filter(e -> !e.getValue().endsWith(".jfr"))
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue))));
    }

    private static final AtomicReference<CarrierPool> PINNED_POOL = new AtomicReference<>();
    private static final AtomicReference<int[]> PINNED_PIPE = new AtomicReference<>();

    /** Class initialisation pins the virtual thread; the read blocks until the test writes. */
    static final class PinnedA {
        static final int RESULT = pinnedRead();

        static void touch() {
            assertEquals(3, RESULT);
        }
    }

    static final class PinnedB {
        static final int RESULT = pinnedRead();

        static void touch() {
            assertEquals(3, RESULT);
        }
    }

    private static int pinnedRead() {
        try (Arena a = Arena.ofConfined()) {
            return PoolFixture.read(PINNED_POOL.get(), PINNED_PIPE.get()[0], a.allocate(3));
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static boolean inPinnedInitializer(RecordedFrame f) {
        return f.getMethod().getName().equals("<clinit>") && f.getMethod().getType().getName().endsWith("$PinnedA");
    }

    private static void pinnedRead(CarrierPool pool, Runnable touch) throws Exception {
        int[] p = PoolFixture.pipe();
        PINNED_POOL.set(pool);
        PINNED_PIPE.set(p);
        try {
            CompletableFuture<Void> done = new CompletableFuture<>();
            Thread t = pool.startVirtualThread(() -> {
                try {
                    touch.run();
                    done.complete(null);
                } catch (Throwable e) {
                    done.completeExceptionally(e);
                }
            });
            // The watchdog finds it within 10-20 ms; then it waits in place, on its carrier's ring.
            await().atMost(Duration.ofSeconds(10)).until(() -> waitsInPlace(t));
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(3);
                assertEquals(3, io.ringloom.rings.sys.SysCalls.get().write(p[1], out.address(), 3));
            }
            done.get(10, TimeUnit.SECONDS);
        } finally {
            PoolFixture.close(p);
        }
    }

    private static boolean waitsInPlace(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getMethodName().equals("waitInPlace")) return true;
        }
        return false;
    }

    private static void slowRead(CarrierPool pool) throws Exception {
        int[] p = PoolFixture.pipe();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(16);
            CompletableFuture<Integer> read = new CompletableFuture<>();
            Thread reader = pool.startVirtualThread(() -> {
                try {
                    read.complete(PoolFixture.read(pool, p[0], buf));
                } catch (Throwable e) {
                    read.completeExceptionally(e);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> reader.getState() == Thread.State.WAITING);
            // The data arrives SLOW_MILLIS later: the read is slow by construction.
            CompletableFuture.runAsync(() -> {
                try (Arena a = Arena.ofConfined()) {
                    io.ringloom.rings.sys.SysCalls.get().write(p[1], a.allocate(5).address(), 5);
                }
            }, CompletableFuture.delayedExecutor(SLOW_MILLIS, TimeUnit.MILLISECONDS)).get(10, TimeUnit.SECONDS);
            assertEquals(5, read.get(10, TimeUnit.SECONDS));
        } finally {
            PoolFixture.close(p);
        }
    }

    private static void roundTrips(CarrierPool pool) throws Exception {
        try (PoolFixture.PingPong traffic = new PoolFixture.PingPong(pool, ROUND_TRIPS)) {
            traffic.await(Duration.ofSeconds(60));
        }
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }
}
