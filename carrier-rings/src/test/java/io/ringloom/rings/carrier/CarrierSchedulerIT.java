package io.ringloom.rings.carrier;

import io.ringloom.core.CarrierPoolClosedException;
import io.ringloom.core.CarrierStats;
import io.ringloom.core.RingMode;
import io.ringloom.rings.Request;
import io.ringloom.rings.TestPipes;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.IoUring;
import io.ringloom.rings.sys.ProcFds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    void threadsStartedOnACarrierGoToTheCarriersInTurn() throws Exception {
        threadsStartedOnACarrierAreQueuedPerCarrier(task -> {
            Thread t = scheduler.newThread(task);
            t.start();
            return t;
        });
    }

    @Test
    void threadsStartedWithTheJdkBuilderOnACarrierGoToTheCarriersInTurn() throws Exception {
        // Thread.ofVirtual() on a pool thread inherits the pool's scheduler: its start
        // reaches execute() as a bare continuation, like any unpark.
        threadsStartedOnACarrierAreQueuedPerCarrier(task -> Thread.ofVirtual().start(task));
    }

    /** Starts 8 threads from a pool thread while both carriers are held, then counts each run queue. */
    private void threadsStartedOnACarrierAreQueuedPerCarrier(Function<Runnable, Thread> start) throws Exception {
        int n = 8;
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean release = new AtomicBoolean();
        CountDownLatch startedAll = new CountDownLatch(1);
        List<Thread> started = new ArrayList<>();
        AtomicInteger ran = new AtomicInteger();
        // One thread holds each carrier without parking (the holder, then the starter),
        // so neither carrier runs or steals anything queued until the release: the
        // queues show where starts went.
        Thread holder = holdOneCarrier(release, failures);
        Thread starter = startThread(() -> {
            for (int i = 0; i < n; i++) started.add(start.apply(ran::incrementAndGet));
            startedAll.countDown();
            while (!release.get()) Thread.onSpinWait();
        }, failures);
        try {
            assertTrue(startedAll.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            assertEquals(List.of(n / 2, n / 2), List.of(scheduler.runQueueLength(0), scheduler.runQueueLength(1)),
                    "threads started from one carrier, queued per carrier");
        } finally {
            release.set(true);
        }
        holder.join(WAIT.toMillis());
        starter.join(WAIT.toMillis());
        for (Thread t : started) t.join(WAIT.toMillis());
        assertEquals(List.of(), List.copyOf(failures));
        assertEquals(n, ran.get());
    }

    /** Starts a thread that spins on a carrier without parking until {@code release}, and waits until it runs. */
    private Thread holdOneCarrier(AtomicBoolean release, ConcurrentLinkedQueue<Throwable> failures) throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        Thread holder = startThread(() -> {
            holding.countDown();
            while (!release.get()) Thread.onSpinWait();
        }, failures);
        assertTrue(holding.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        return holder;
    }

    @Test
    void aThreadUnparkedOnACarrierStaysOnIt() throws Exception {
        // Only starts are spread: a thread unparked by a pool thread is queued on the
        // unparker's carrier, as before.
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean release = new AtomicBoolean();
        CountDownLatch unparked = new CountDownLatch(1);
        int n = 4;
        List<Thread> parked = new ArrayList<>();
        AtomicInteger woke = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            parked.add(startThread(() -> {
                LockSupport.park();
                woke.incrementAndGet();
            }, failures));
        }
        await().atMost(WAIT).until(() -> parked.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
        Thread holder = holdOneCarrier(release, failures);
        Thread unparker = startThread(() -> {
            for (Thread t : parked) LockSupport.unpark(t);
            unparked.countDown();
            while (!release.get()) Thread.onSpinWait();
        }, failures);
        try {
            assertTrue(unparked.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            List<Integer> queues = List.of(scheduler.runQueueLength(0), scheduler.runQueueLength(1));
            assertTrue(queues.equals(List.of(n, 0)) || queues.equals(List.of(0, n)),
                    "threads unparked from one carrier, queued per carrier: " + queues);
        } finally {
            release.set(true);
        }
        holder.join(WAIT.toMillis());
        unparker.join(WAIT.toMillis());
        for (Thread t : parked) t.join(WAIT.toMillis());
        assertEquals(List.of(), List.copyOf(failures));
        assertEquals(n, woke.get());
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
    void whileTheJvmExitsCarriersPollInsteadOfSleepingInTheKernel() throws Exception {
        // HotSpot waits up to 300 ms at exit while any thread is in native code, and an idle
        // carrier asleep in io_uring_enter is one, until the JVM's shutdown tells the pool
        List<Path> carriers = ExitHookApp.carrierSyscallFiles(NAME);
        assertEquals(2, carriers.size(), "carrier threads found in /proc/self/task: " + carriers);
        await().atMost(WAIT).until(() -> carriers.stream().allMatch(f -> ExitHookApp.syscallOf(f) == IoUring.SYS_IO_URING_ENTER));
        scheduler.jvmExiting();
        int inKernel = ExitHookApp.samplesInKernel(carriers, 50);
        // parked in Java between looks, in the kernel only for a look (microseconds of each millisecond)
        assertTrue(inKernel <= 10, inKernel + " of 100 samples found a carrier in io_uring_enter");
        // and the pool works on: a request completes, a blocked read too
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        startThread(() -> assertEquals(0, scheduler.submitAndAwait(Request.nop())), failures).join(WAIT.toMillis());
        assertEquals(List.of(), List.copyOf(failures));
        try (BlockedRead read = new BlockedRead(4, true)) {
            read.completesWhenWritten(new byte[] {5, 6, 7, 8});
        }
    }

    @Test
    void aProgramThatEndsWithAPoolRunningHasNoCarrierInTheKernelAtExit() throws Exception {
        // the real shutdown hook, in a JVM of its own: ExitHookApp returns from main with its
        // pool running and samples the carriers from a shutdown hook of its own
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-Dringloom.native=" + System.getProperty("ringloom.native", "ffm"),
                "-cp", System.getProperty("java.class.path"), ExitHookApp.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ExitHookApp did not end");
            out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), out);
        Matcher before = Pattern.compile("carriers=2 before=(\\d+)").matcher(out);
        assertTrue(before.find(), out);
        assertTrue(Integer.parseInt(before.group(1)) >= 30, "idle carriers asleep in the kernel before: " + out);
        Matcher atExit = Pattern.compile("inkernel=(\\d+)").matcher(out);
        assertTrue(atExit.find(), out);
        assertTrue(Integer.parseInt(atExit.group(1)) <= 4, "samples of 40 with a carrier in io_uring_enter at exit: " + out);
    }

    @Test
    void aPipeReadBlocksThenCompletes() throws Exception {
        try (BlockedRead read = new BlockedRead(4, true)) {
            read.completesWhenWritten(new byte[] {1, 2, 3, 4});
        }
    }

    @Test
    void interruptCancelsABlockedRead() throws Exception {
        try (BlockedRead read = new BlockedRead(8, true)) {
            read.reader.interrupt();
            read.join();
            assertNull(read.failure.get());
            assertTrue(read.interruptKept.get(), "the interrupt must be reported");
            assertTrue(read.res.get() == -Errno.ECANCELED || read.res.get() == -Errno.EINTR,
                    "the read must have been cancelled, got " + read.res.get());
            assertEquals(0, inFlight(), "the cancelled read's own CQE was reaped");
        }
    }

    /** Not interruptible, on a pool thread and on a platform thread: the interrupt is kept, the read goes on. */
    @Test
    void interruptLeavesAnUninterruptibleReadInTheRing() throws Exception {
        for (boolean onPool : new boolean[] {true, false}) {
            try (BlockedRead read = new BlockedRead(4, onPool, false)) {
                read.interruptAndSeeItWaitAgain();
                read.completesWhenWritten(new byte[] {5, 6, 7, 8});
                assertTrue(read.interruptKept.get(), "the interrupt status must be set again on return");
            }
        }
    }

    /** What a channel's close does to a request that is not interruptible: the fd-wide cancel still ends it. */
    @Test
    void anFdCancelEndsAnUninterruptibleRead() throws Exception {
        for (boolean onPool : new boolean[] {true, false}) {
            try (BlockedRead read = new BlockedRead(8, onPool, false)) {
                read.interruptAndSeeItWaitAgain();
                CountDownLatch issued = new CountDownLatch(1);
                scheduler.cancelAll(read.pipe[0], issued::countDown);
                assertTrue(issued.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the fd-wide cancel was issued");
                read.join();
                assertNull(read.failure.get());
                assertTrue(read.res.get() == -Errno.ECANCELED || read.res.get() == -Errno.EINTR,
                        "the read must have been cancelled, got " + read.res.get());
                assertTrue(read.interruptKept.get(), "the interrupt status must be set again on return");
                assertEquals(0, inFlight(), "the cancelled read's own CQE was reaped");
            }
        }
    }

    @Test
    void aPlatformThreadsRequestIsHandedToACarrier() throws Exception {
        assertEquals(0, scheduler.submitAndAwait(Request.nop()), "a NOP from the test's own thread");
        try (BlockedRead read = new BlockedRead(3, false)) {
            read.completesWhenWritten(new byte[] {7, 8, 9});
        }
    }

    @Test
    void closeFailsBlockedRequestsAfterTheGrace() throws Exception {
        try (BlockedRead onPool = new BlockedRead(8, true); BlockedRead offPool = new BlockedRead(8, false)) {
            long grace = TimeUnit.MILLISECONDS.toNanos(300);
            long start = System.nanoTime();
            assertTrue(scheduler.close(grace, TimeUnit.NANOSECONDS));
            long took = System.nanoTime() - start;
            assertTrue(took >= grace, "close waited " + took + " ns, less than its grace");
            for (BlockedRead read : List.of(onPool, offPool)) {
                read.join();
                assertInstanceOf(CarrierPoolClosedException.class, read.failure.get(), "res " + read.res.get());
            }
            assertTrue(scheduler.isClosed());
            assertThrows(RejectedExecutionException.class, () -> scheduler.newThread(() -> {}));
            assertThrows(CarrierPoolClosedException.class, () -> scheduler.submitAndAwait(Request.nop()));
        }
    }

    /** A read of an empty pipe, on a pool virtual thread or a platform thread, blocked in the ring. */
    private final class BlockedRead implements AutoCloseable {
        final int[] pipe = TestPipes.pipe();
        final Arena arena = Arena.ofShared();
        final MemorySegment buf;
        final AtomicInteger res = new AtomicInteger(Integer.MIN_VALUE);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicBoolean interruptKept = new AtomicBoolean();
        final Thread reader;

        BlockedRead(int size, boolean onPool) {
            this(size, onPool, true);
        }

        BlockedRead(int size, boolean onPool, boolean interruptible) {
            buf = arena.allocate(size);
            long before = inFlight();
            Runnable read = () -> {
                try {
                    res.set(scheduler.submitAndAwait(Request.read(pipe[0], buf, -1), null, null, interruptible));
                    interruptKept.set(Thread.currentThread().isInterrupted());
                } catch (Throwable t) {
                    failure.set(t);
                }
            };
            reader = onPool ? scheduler.newThread(read) : Thread.ofPlatform().unstarted(read);
            reader.start();
            await().atMost(WAIT).until(() -> reader.getState() == Thread.State.WAITING && inFlight() == before + 1);
        }

        /**
         * Interrupts the reader and waits until it has taken the interrupt
         * status off itself (the scheduler does, to park again) and parked again.
         */
        void interruptAndSeeItWaitAgain() {
            long before = inFlight();
            reader.interrupt();
            await().atMost(WAIT).until(() -> !reader.isInterrupted() && reader.getState() == Thread.State.WAITING);
            assertEquals(before, inFlight(), "the read is still in the ring");
        }

        /** Checks the read is still blocked, writes {@code data} (the buffer's size) and checks it arrived. */
        void completesWhenWritten(byte[] data) throws InterruptedException {
            assertEquals(Integer.MIN_VALUE, res.get(), "the read cannot have completed yet");
            TestPipes.write(pipe[1], data);
            join();
            assertNull(failure.get());
            assertEquals(data.length, res.get());
            assertArrayEquals(data, buf.toArray(ValueLayout.JAVA_BYTE));
        }

        void join() throws InterruptedException {
            reader.join(WAIT.toMillis());
            assertFalse(reader.isAlive(), "the reader is still blocked");
        }

        @Override
        public void close() {
            arena.close();
            TestPipes.close(pipe);
        }
    }

    private long inFlight() {
        return scheduler.stats().stream().mapToLong(CarrierStats::inFlight).sum();
    }
}
