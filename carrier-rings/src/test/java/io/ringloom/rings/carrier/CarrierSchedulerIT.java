package io.ringloom.rings.carrier;

import io.ringloom.rings.Request;
import io.ringloom.rings.RingMode;
import io.ringloom.rings.TestPipes;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.ProcFds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

/** A {@link CarrierScheduler} started directly on real rings: scheduling, the primitive, interrupt, close. */
class CarrierSchedulerIT {
    private static final String NAME = "schedtest";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private Map<Integer, String> fdsBefore;
    private CarrierScheduler scheduler;

    @BeforeAll
    static void startJdkPollerOnce() throws IOException {
        // The first scheduler starts the JDK's socket poller (epoll fds that live
        // for the JVM's lifetime); start it before any fd snapshot.
        CarrierScheduler.start(1, 8, RingMode.COOP, NAME + "-warmup").close();
    }

    @BeforeEach
    void start() throws IOException {
        fdsBefore = ProcFds.snapshot();
        scheduler = CarrierScheduler.start(2, 64, RingMode.COOP, NAME);
    }

    /** Every test ends here: no carrier died, nothing left in flight, no carrier thread or fd left. */
    @AfterEach
    void closeAndCheck() {
        assertEquals(List.of(), scheduler.carrierFailures(), "a carrier died");
        assertTrue(scheduler.close(10, TimeUnit.SECONDS), "every carrier ended");
        assertEquals(Lifecycle.STOPPED, scheduler.lifecycleState());
        for (CarrierStats s : scheduler.stats()) {
            assertEquals(0, s.inFlight(), "operations left in flight on " + s);
        }
        List<String> left = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(NAME + "-carrier-") && t.isAlive())
                .map(Thread::getName)
                .toList();
        assertEquals(List.of(), left, "carrier threads still alive");
        assertEquals(List.of(), scheduler.carrierFailures(), "a carrier died");
        assertEquals(Map.of(), ProcFds.leakedSince(fdsBefore), "fds leaked (rings, eventfds or pipes)");
    }

    private Thread startThread(ThrowingRunnable task, ConcurrentLinkedQueue<Throwable> failures) {
        Thread t = scheduler.newThread(() -> {
            try {
                task.run();
            } catch (Throwable e) {
                failures.add(e);
            }
        });
        t.start();
        return t;
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void virtualThreadsRunOnItsCarriers() throws Exception {
        int n = 200;
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> carriers = new ConcurrentLinkedQueue<>();
        AtomicInteger onThisPool = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            threads.add(startThread(() -> {
                assertTrue(Thread.currentThread().isVirtual());
                if (CarrierScheduler.current() == scheduler) onThisPool.incrementAndGet();
                carriers.add(Loom.currentCarrierThread().getName());
                Thread.yield();
                if (CarrierScheduler.current() == scheduler) onThisPool.incrementAndGet();
            }, failures));
        }
        for (Thread t : threads) t.join(WAIT.toMillis());
        assertEquals(List.of(), List.copyOf(failures));
        assertEquals(2 * n, onThisPool.get());
        assertTrue(carriers.stream().allMatch(c -> c.startsWith(NAME + "-carrier-")), carriers.toString());
        await().atMost(WAIT).until(() -> scheduler.liveThreads() == 0);
        long run = scheduler.stats().stream().mapToLong(CarrierStats::threadsRun).sum();
        assertTrue(run >= 2L * n, "carriers ran " + run + " continuations for " + n + " threads that yielded");
        assertNull(CarrierScheduler.current(), "the test's own thread is not on the pool");
    }

    @Test
    void aNopCompletesOnAVirtualThread() throws Exception {
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger zeros = new AtomicInteger();
        Thread t = startThread(() -> {
            for (int i = 0; i < 1000; i++) {
                if (scheduler.submitAndAwait(Request.nop()) == 0) zeros.incrementAndGet();
            }
        }, failures);
        t.join(WAIT.toMillis());
        assertEquals(List.of(), List.copyOf(failures));
        assertEquals(1000, zeros.get());
        long sqes = scheduler.stats().stream().mapToLong(CarrierStats::sqesSubmitted).sum();
        assertTrue(sqes >= 1000, "sqes submitted: " + sqes);
    }

    @Test
    void aPipeReadBlocksThenCompletes() throws Exception {
        int[] p = TestPipes.pipe();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(4);
            AtomicInteger res = new AtomicInteger(Integer.MIN_VALUE);
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            Thread reader = startThread(() -> res.set(scheduler.submitAndAwait(Request.read(p[0], buf, -1))), failures);
            await().atMost(WAIT).until(() -> reader.getState() == Thread.State.WAITING);
            await().atMost(WAIT).until(() -> inFlight() == 1);
            assertEquals(Integer.MIN_VALUE, res.get(), "the read cannot have completed yet");
            TestPipes.write(p[1], new byte[] {1, 2, 3, 4});
            reader.join(WAIT.toMillis());
            assertEquals(List.of(), List.copyOf(failures));
            assertEquals(4, res.get());
            assertEquals(0x04030201, buf.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0));
        } finally {
            TestPipes.close(p);
        }
    }

    @Test
    void interruptCancelsABlockedRead() throws Exception {
        int[] p = TestPipes.pipe();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(8);
            AtomicInteger res = new AtomicInteger(Integer.MIN_VALUE);
            AtomicBoolean interruptKept = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            Thread reader = startThread(() -> {
                res.set(scheduler.submitAndAwait(Request.read(p[0], buf, -1)));
                interruptKept.set(Thread.currentThread().isInterrupted());
            }, failures);
            await().atMost(WAIT).until(() -> reader.getState() == Thread.State.WAITING && inFlight() == 1);
            reader.interrupt();
            reader.join(WAIT.toMillis());
            assertFalse(reader.isAlive());
            assertEquals(List.of(), List.copyOf(failures));
            assertTrue(interruptKept.get(), "the interrupt must be reported");
            assertTrue(res.get() == -Errno.ECANCELED || res.get() == -Errno.EINTR,
                    "the read must have been cancelled, got " + res.get());
            assertEquals(0, inFlight(), "the cancelled read's own CQE was reaped");
        } finally {
            TestPipes.close(p);
        }
    }

    @Test
    void aPlatformThreadsRequestIsHandedToACarrier() throws Exception {
        int[] p = TestPipes.pipe();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(3);
            assertEquals(0, scheduler.submitAndAwait(Request.nop()), "a NOP from the test's own thread");
            AtomicInteger res = new AtomicInteger(Integer.MIN_VALUE);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    res.set(scheduler.submitAndAwait(Request.read(p[0], buf, -1)));
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            await().atMost(WAIT).until(() -> inFlight() == 1);
            assertEquals(Integer.MIN_VALUE, res.get());
            TestPipes.write(p[1], new byte[] {7, 8, 9});
            reader.join(WAIT.toMillis());
            assertNull(failure.get());
            assertEquals(3, res.get());
            assertEquals((byte) 9, buf.get(ValueLayout.JAVA_BYTE, 2));
        } finally {
            TestPipes.close(p);
        }
    }

    @Test
    void closeFailsBlockedRequestsAfterTheGrace() throws Exception {
        int[] onPool = TestPipes.pipe();
        int[] offPool = TestPipes.pipe();
        Arena arena = Arena.ofShared();
        try {
            ConcurrentLinkedQueue<Throwable> outcomes = new ConcurrentLinkedQueue<>();
            MemorySegment a = arena.allocate(8), b = arena.allocate(8);
            Thread virtual = startThread(() -> {
                scheduler.submitAndAwait(Request.read(onPool[0], a, -1));
                outcomes.add(new AssertionError("read returned without data"));
            }, outcomes);
            Thread platform = Thread.ofPlatform().start(() -> {
                try {
                    scheduler.submitAndAwait(Request.read(offPool[0], b, -1));
                    outcomes.add(new AssertionError("read returned without data"));
                } catch (Throwable t) {
                    outcomes.add(t);
                }
            });
            await().atMost(WAIT).until(() -> virtual.getState() == Thread.State.WAITING && inFlight() == 2);
            long grace = TimeUnit.MILLISECONDS.toNanos(300);
            long start = System.nanoTime();
            assertTrue(scheduler.close(grace, TimeUnit.NANOSECONDS));
            long took = System.nanoTime() - start;
            assertTrue(took >= grace, "close waited " + took + " ns, less than its grace");
            virtual.join(WAIT.toMillis());
            platform.join(WAIT.toMillis());
            assertEquals(2, outcomes.size(), outcomes.toString());
            for (Throwable t : outcomes) {
                assertInstanceOf(CarrierPoolClosedException.class, t);
            }
            assertTrue(scheduler.isClosed());
            assertThrows(RejectedExecutionException.class, () -> scheduler.newThread(() -> {}));
            assertThrows(CarrierPoolClosedException.class, () -> scheduler.submitAndAwait(Request.nop()));
        } finally {
            arena.close();
            TestPipes.close(onPool);
            TestPipes.close(offPool);
        }
    }

    private long inFlight() {
        return scheduler.stats().stream().mapToLong(CarrierStats::inFlight).sum();
    }
}
