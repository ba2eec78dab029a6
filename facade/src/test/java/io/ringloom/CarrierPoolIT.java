package io.ringloom;

import io.ringloom.core.CarrierPoolClosedException;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.ProcFds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

/** The carrier pool on real rings: scheduling, blocking through the ring, interrupt, pinning, close. */
class CarrierPoolIT {
    private Map<Integer, String> fdsBefore;
    private CarrierPool pool;

    @org.junit.jupiter.api.BeforeAll
    static void startJdkPollerOnce() {
        // The first pool starts the JDK's socket poller (epoll fds that live
        // for the JVM's lifetime); start it before any fd snapshot.
        CarrierPool.builder().carriers(1).build().close();
    }

    @BeforeEach
    void openPool() {
        org.junit.jupiter.api.Assumptions.assumeFalse(Boolean.getBoolean("ringloom.fallback"),
                "tests the carriers and their rings; a fallback pool has neither, it is the JDK's own scheduler");
        fdsBefore = ProcFds.snapshot();
        pool = CarrierPool.builder().carriers(2).closeGrace(Duration.ofSeconds(2)).name(PoolFixture.POOL_NAME).build();
        assertFalse(pool.isFallback(), () -> "pool fell back: " + pool.fallbackReason());
    }

    @AfterEach
    void closePool() {
        if (pool == null) return;   // skipped in fallback mode
        PoolFixture.closeAndCheck(pool, fdsBefore);
    }

    @Test
    void hundredThousandThreadsSleepYieldParkAndLock() throws Exception {
        int n = 100_000;
        AtomicInteger finished = new AtomicInteger();
        ReentrantLock lock = new ReentrantLock();
        Object monitor = new Object();
        long[] shared = new long[2];
        Thread[] threads = new Thread[n];
        CountDownLatch partnersReady = new CountDownLatch(1);
        for (int i = 0; i < n; i++) {
            int id = i;
            threads[i] = pool.threadFactory().newThread(() -> {
                switch (id % 4) {
                    case 0 -> sleepQuietly(1);
                    case 1 -> Thread.yield();
                    case 2 -> {
                        // park until the partner (id + 1) unparks us
                        awaitQuietly(partnersReady);
                        while (!Thread.currentThread().isInterrupted() && shared[0] >= 0
                                && !PARKED_DONE.get(id)) {
                            LockSupport.parkNanos(1_000_000);
                        }
                    }
                    default -> {
                        awaitQuietly(partnersReady);
                        PARKED_DONE.set(id - 1);
                        LockSupport.unpark(THREADS.get()[id - 1]);
                    }
                }
                lock.lock();
                try {
                    shared[0]++;
                } finally {
                    lock.unlock();
                }
                synchronized (monitor) {
                    shared[1]++;
                }
                finished.incrementAndGet();
            });
        }
        THREADS.set(threads);
        PARKED_DONE.clear();
        for (Thread t : threads) t.start();
        partnersReady.countDown();
        await().atMost(Duration.ofSeconds(60)).until(() -> finished.get() == n);
        for (Thread t : threads) t.join();
        assertEquals(n, shared[0]);
        assertEquals(n, shared[1]);
        long run = pool.stats().stream().mapToLong(s -> s.threadsRun()).sum();
        assertTrue(run >= n, "carriers ran " + run + " continuations for " + n + " threads");
    }

    private static final AtomicReference<Thread[]> THREADS = new AtomicReference<>();
    private static final java.util.BitSet PARKED_DONE_BITS = new java.util.BitSet();
    private static final class BitsView {
        synchronized boolean get(int i) { return PARKED_DONE_BITS.get(i); }
        synchronized void set(int i) { PARKED_DONE_BITS.set(i); }
        synchronized void clear() { PARKED_DONE_BITS.clear(); }
    }
    private static final BitsView PARKED_DONE = new BitsView();

    @Test
    void noLostWakeUpsUnderARaceOfUnparks() throws Exception {
        int rounds = 200_000;
        int pairs = 4;
        AtomicLong consumed = new AtomicLong();
        List<Thread> parkers = new ArrayList<>();
        List<Thread> unparkers = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            AtomicLong permits = new AtomicLong();
            Thread parker = pool.startVirtualThread(() -> {
                for (int i = 0; i < rounds; i++) {
                    while (permits.get() == 0) {
                        LockSupport.park();
                    }
                    permits.decrementAndGet();
                    consumed.incrementAndGet();
                }
            });
            parkers.add(parker);
            unparkers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < rounds; i++) {
                    permits.incrementAndGet();
                    LockSupport.unpark(parker);
                    if ((i & 1023) == 0) Thread.yield();
                }
            }));
        }
        for (Thread t : unparkers) t.join();
        await().atMost(Duration.ofSeconds(60)).until(() -> consumed.get() == (long) rounds * pairs);
        for (Thread t : parkers) {
            t.join(10_000);
            assertFalse(t.isAlive(), "a parker stayed parked");
        }
    }

    @Test
    void aBlockedReadDoesNotStopItsCarrier() throws Exception {
        pool.close();
        pool = CarrierPool.builder().carriers(1).closeGrace(Duration.ofSeconds(2)).name(PoolFixture.POOL_NAME).build();
        int[] p = PoolFixture.pipe();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(4);
            AtomicInteger readResult = new AtomicInteger(Integer.MIN_VALUE);
            Thread reader = pool.startVirtualThread(() -> {
                try {
                    readResult.set(PoolFixture.read(pool, p[0], buf));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            // On the single carrier, other threads keep running while the read is blocked.
            AtomicInteger ran = new AtomicInteger();
            for (int i = 0; i < 100; i++) {
                pool.startVirtualThread(ran::incrementAndGet);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 100);
            assertEquals(Integer.MIN_VALUE, readResult.get(), "the read cannot have completed yet");
            Thread writer = pool.startVirtualThread(() -> {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment out = a.allocate(4);
                    out.set(ValueLayout.JAVA_INT, 0, 0x01020304);
                    PoolFixture.write(pool, p[1], out);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            reader.join(10_000);
            writer.join(10_000);
            assertEquals(4, readResult.get());
            assertEquals(0x01020304, buf.get(ValueLayout.JAVA_INT, 0));
        } finally {
            PoolFixture.close(p);
        }
    }

    @Test
    void interruptCancelsABlockedReadAndTheBufferIsNeverWrittenAfter() throws Exception {
        int[] p = PoolFixture.pipe();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(64);
            buf.fill((byte) 0x5A);   // canary
            AtomicInteger res = new AtomicInteger(Integer.MIN_VALUE);
            AtomicBoolean interruptKept = new AtomicBoolean();
            CountDownLatch started = new CountDownLatch(1);
            Thread reader = pool.startVirtualThread(() -> {
                started.countDown();
                try {
                    res.set(PoolFixture.read(pool, p[0], buf));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
                interruptKept.set(Thread.currentThread().isInterrupted());
            });
            started.await();
            await().atMost(Duration.ofSeconds(5)).until(() -> reader.getState() == Thread.State.WAITING);
            reader.interrupt();
            reader.join(10_000);
            assertFalse(reader.isAlive());
            assertTrue(interruptKept.get(), "the interrupt must be reported");
            assertTrue(res.get() == -Errno.ECANCELED || res.get() == -Errno.EINTR,
                    "the read must have been cancelled, got " + res.get());
            // After the call returned, data arriving on the pipe must not reach the buffer.
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(8);
                out.fill((byte) 0x11);
                io.ringloom.rings.sys.SysCalls.get().write(p[1], out.address(), 8);
            }
            Thread.ofPlatform().start(() -> LockSupport.parkNanos(50_000_000)).join();
            for (long i = 0; i < buf.byteSize(); i++) {
                assertEquals((byte) 0x5A, buf.get(ValueLayout.JAVA_BYTE, i), "canary overwritten at " + i);
            }
        } finally {
            PoolFixture.close(p);
        }
    }

    /** Its initializer blocks in a ring read: class initialisation pins the virtual thread. */
    static final class PinnedReader {
        static final int RESULT = readInInitializer(PINNED_PIPE, 3);
    }

    private static final AtomicReference<CarrierPool> CURRENT_POOL = new AtomicReference<>();
    private static final AtomicReference<int[]> PINNED_PIPE = new AtomicReference<>();

    /**
     * For a class initializer: reads {@code bytes} from the read end of
     * {@code pipe} through {@link #CURRENT_POOL}'s ring; class initialisation
     * pins the virtual thread.
     */
    private static int readInInitializer(AtomicReference<int[]> pipe, int bytes) {
        try (Arena a = Arena.ofConfined()) {
            return PoolFixture.read(CURRENT_POOL.get(), pipe.get()[0], a.allocate(bytes));
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Test
    void aPinnedThreadInAClassInitializerCompletesItsRead() throws Exception {
        int[] p = PoolFixture.pipe();
        CURRENT_POOL.set(pool);
        PINNED_PIPE.set(p);
        try {
            AtomicInteger result = new AtomicInteger(Integer.MIN_VALUE);
            Thread t = pool.startVirtualThread(() -> result.set(PinnedReader.RESULT));
            // Other pool threads still run while the pinned one waits in place.
            AtomicInteger others = new AtomicInteger();
            for (int i = 0; i < 50; i++) pool.startVirtualThread(others::incrementAndGet);
            await().atMost(Duration.ofSeconds(10)).until(() -> others.get() == 50);
            Thread writer = pool.startVirtualThread(() -> {
                try (Arena a = Arena.ofConfined()) {
                    PoolFixture.write(pool, p[1], a.allocate(3));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            t.join(10_000);
            writer.join(10_000);
            assertEquals(3, result.get());
        } finally {
            PoolFixture.close(p);
        }
    }

    /** Its initializer blocks in a ring read, as {@link PinnedReader}'s, on a pipe of its own. */
    static final class PinnedHolder {
        static final int RESULT = readInInitializer(HOLDER_PIPE, 3);
    }

    private static final AtomicReference<int[]> HOLDER_PIPE = new AtomicReference<>();

    /**
     * A thread's request is on a carrier that a pinned thread then holds
     * (waiting in place); the thread is interrupted, resumes on the other
     * carrier and asks the held one to cancel its request. The held carrier
     * takes the cancel from its mailbox while it waits: the interrupted
     * thread ends while the pinned one still waits.
     */
    @Test
    void aCarrierHeldByAPinnedWaitStillTakesCancelsFromOtherCarriers() throws Exception {
        int[] held = PoolFixture.pipe();
        int[] quiet = PoolFixture.pipe();
        CURRENT_POOL.set(pool);
        HOLDER_PIPE.set(held);
        try {
            AtomicInteger interruptedResult = new AtomicInteger(Integer.MIN_VALUE);
            AtomicReference<Thread> pinned = new AtomicReference<>();
            AtomicInteger pinnedResult = new AtomicInteger(Integer.MIN_VALUE);
            Thread reader = pool.startVirtualThread(() -> {
                // Started from here, the pinned thread queues on this carrier and runs
                // on it once this thread parks in its read: the read's request is in
                // the ring of the carrier the pinned thread then holds.
                pinned.set(Thread.ofVirtual().start(() -> pinnedResult.set(PinnedHolder.RESULT)));
                try (Arena a = Arena.ofConfined()) {
                    interruptedResult.set(PoolFixture.read(pool, quiet[0], a.allocate(1)));
                } catch (IOException e) {
                    interruptedResult.set(Integer.MAX_VALUE);
                }
            });
            // the pinned thread is found stalled after 10-20 ms and then waits in place
            Thread.sleep(200);
            reader.interrupt();
            reader.join(5_000);
            assertFalse(reader.isAlive(), "the interrupted read was not cancelled while its carrier was held");
            assertEquals(-Errno.ECANCELED, interruptedResult.get(), "the read ends cancelled");
            assertTrue(pinned.get().isAlive(), "the pinned thread still waits for its pipe");
            try (Arena a = Arena.ofConfined()) {
                PoolFixture.write(pool, held[1], a.allocate(3));
            }
            pinned.get().join(10_000);
            assertEquals(3, pinnedResult.get());
        } finally {
            PoolFixture.close(held);
            PoolFixture.close(quiet);
        }
    }

    /** Its initializer blocks in a ring read on {@link #AFTER_WAKE_PIPE}: whoever first touches it waits pinned. */
    static final class PinnedAfterWake {
        static final int RESULT = readInInitializer(AFTER_WAKE_PIPE, 1);
    }

    private static final AtomicReference<int[]> AFTER_WAKE_PIPE = new AtomicReference<>();

    /**
     * Two threads read one pipe on the same carrier; one write wakes both, and
     * that carrier's reaping queues both among its woken threads, which no
     * other carrier takes. Whichever runs first then blocks in a class
     * initializer (pinned) and waits in place, holding the carrier. The other must still
     * run: the held carrier hands its woken threads to the shared queue, from
     * which the idle carrier takes them. Before, it waited as long as the
     * pinned wait (here, until the test writes its pipe).
     */
    @Test
    void threadsWokenBeforeAPinnedWaitStillRun() throws Exception {
        int[] both = PoolFixture.pipe();
        int[] held = PoolFixture.pipe();
        CURRENT_POOL.set(pool);
        AFTER_WAKE_PIPE.set(held);
        try (Arena arena = Arena.ofShared()) {
            AtomicBoolean pin = new AtomicBoolean();
            AtomicReference<Thread> pinned = new AtomicReference<>();
            AtomicInteger pinnedResult = new AtomicInteger(Integer.MIN_VALUE);
            // whichever of the two runs first after the write pins, whatever order the kernel woke them in
            Runnable pinFirst = () -> {
                if (pin.get() && pinned.compareAndSet(null, Thread.currentThread())) {
                    pinnedResult.set(PinnedAfterWake.RESULT);
                }
            };
            Thread first = null, second = null;
            for (int attempt = 0; attempt < 50 && !pin.get(); attempt++) {
                first = pool.startVirtualThread(readOneByte(both[0], arena.allocate(1), pinFirst));
                awaitParked(first);
                // Threads started from off the pool go to the sleeping carriers in turn:
                // one in between, and the next goes where the first one went.
                pool.startVirtualThread(() -> { }).join();
                second = pool.startVirtualThread(readOneByte(both[0], arena.allocate(1), pinFirst));
                awaitParked(second);
                pin.set(pool.stats().stream().anyMatch(c -> c.inFlight() == 2));
                try (Arena a = Arena.ofConfined()) {
                    assertEquals(2, PoolFixture.write(pool, both[1], a.allocate(2)));
                }
                if (!pin.get()) {
                    first.join(5_000);
                    second.join(5_000);
                }
            }
            assertTrue(pin.get(), "the two reads never went to one carrier in 50 attempts");
            await().atMost(Duration.ofSeconds(5)).until(() -> pinned.get() != null);
            Thread other = pinned.get() == first ? second : first;
            other.join(5_000);
            assertFalse(other.isAlive(), "a thread woken before the pinned wait waits for it: " + other);
            assertTrue(pinned.get().isAlive(), "the pinned thread still waits for its pipe");
            try (Arena a = Arena.ofConfined()) {
                PoolFixture.write(pool, held[1], a.allocate(1));
            }
            pinned.get().join(10_000);
            assertEquals(1, pinnedResult.get());
        } finally {
            PoolFixture.close(both);
            PoolFixture.close(held);
        }
    }

    private Runnable readOneByte(int fd, MemorySegment buf, Runnable then) {
        return () -> {
            try {
                if (PoolFixture.read(pool, fd, buf) != 1) throw new IllegalStateException("read no byte");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            then.run();
        };
    }

    private static void awaitParked(Thread t) {
        await().atMost(Duration.ofSeconds(5)).until(() -> t.getState() == Thread.State.WAITING);
    }

    /**
     * A thread blocked in a read is unparked again and again from off the pool,
     * so it resumes on one carrier, then the other, and parks again each time
     * (the read still has no data). Not pinned, it unmounts at every park and
     * stays parked in between. The pinned-park check once read the progress of
     * the carrier that holds the read, which runs nothing while the thread parks
     * on the other: back on its read's carrier, the thread took itself for
     * pinned and held that carrier, waiting in place. A thread left in that
     * carrier's queue of woken threads then waited until the read completed,
     * 20 s and more in the drop-in interrupt storm with 16 carriers.
     */
    @Test
    void aThreadThatMovedBetweenCarriersIsNotTakenForPinned() throws Exception {
        int[] quiet = PoolFixture.pipe();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(1);
            AtomicInteger result = new AtomicInteger(Integer.MIN_VALUE);
            Thread reader = pool.startVirtualThread(() -> {
                try {
                    result.set(PoolFixture.read(pool, quiet[0], buf));
                } catch (IOException e) {
                    result.set(Integer.MAX_VALUE);
                }
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> reader.getState() == Thread.State.WAITING);
            for (int round = 0; round < 20; round++) {
                LockSupport.unpark(reader);
                // three periods of the pin watchdog (10 ms): a carrier that ran nothing meanwhile looks stalled
                Thread.sleep(30);
                await("round " + round + ": the reader parks again rather than hold a carrier")
                        .atMost(Duration.ofSeconds(2)).until(() -> reader.getState() == Thread.State.WAITING);
            }
            try (Arena a = Arena.ofConfined()) {
                PoolFixture.write(pool, quiet[1], a.allocate(1));
            }
            reader.join(10_000);
            assertEquals(1, result.get());
        } finally {
            PoolFixture.close(quiet);
        }
    }

    @Test
    void pingPongProgressesBesideYieldingSpinners() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> spinners = new ArrayList<>();
        for (int i = 0; i < 4 * 2; i++) {
            spinners.add(pool.startVirtualThread(() -> {
                while (!stop.get()) {
                    long end = System.nanoTime() + 50_000;
                    while (System.nanoTime() < end) Thread.onSpinWait();
                    Thread.yield();
                }
            }));
        }
        int[] ab = PoolFixture.pipe();
        int[] ba = PoolFixture.pipe();
        AtomicInteger roundTrips = new AtomicInteger();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment b1 = arena.allocate(1), b2 = arena.allocate(1);
            Thread ponger = pool.startVirtualThread(() -> {
                try {
                    while (!stop.get()) {
                        if (PoolFixture.read(pool, ab[0], b2) <= 0) return;
                        PoolFixture.write(pool, ba[1], b2);
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread pinger = pool.startVirtualThread(() -> {
                try {
                    while (!stop.get()) {
                        PoolFixture.write(pool, ab[1], b1);
                        if (PoolFixture.read(pool, ba[0], b1) <= 0) return;
                        roundTrips.incrementAndGet();
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> roundTrips.get() >= 200);
            stop.set(true);
            PoolFixture.close(ab[1], ba[1]);   // EOF ends a read still blocked
            pinger.join(10_000);
            ponger.join(10_000);
            for (Thread s : spinners) s.join(10_000);
            assertFalse(pinger.isAlive() || ponger.isAlive());
        } finally {
            PoolFixture.close(ab[0], ba[0]);
        }
    }

    @Test
    void sleepTimedParkWaitAndMonitorsWork() throws Exception {
        Object lock = new Object();
        AtomicInteger done = new AtomicInteger();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ts.add(pool.startVirtualThread(() -> {
                try {
                    Thread.sleep(2);
                    LockSupport.parkNanos(1_000_000);
                    synchronized (lock) {
                        lock.wait(1);
                        lock.notifyAll();
                    }
                    Thread.yield();
                    done.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (Thread t : ts) t.join(20_000);
        assertEquals(200, done.get());
    }

    @Test
    void platformAndDefaultVirtualThreadsUseThePoolPrimitive() throws Exception {
        int[] p = PoolFixture.pipe();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment in = arena.allocate(2), out = arena.allocate(2);
            AtomicInteger got = new AtomicInteger();
            Thread platformReader = Thread.ofPlatform().start(() -> {
                try {
                    got.set(PoolFixture.read(pool, p[0], in));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread defaultWriter = Thread.ofVirtual().start(() -> {
                try {
                    PoolFixture.write(pool, p[1], out);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            platformReader.join(10_000);
            defaultWriter.join(10_000);
            assertEquals(2, got.get());
        } finally {
            PoolFixture.close(p);
        }
    }

    @Test
    void closeFailsEveryBlockedOperationAndReleasesEverything() throws Exception {
        int blocked = 20;
        List<int[]> pipes = new ArrayList<>();
        ConcurrentLinkedQueue<Throwable> outcomes = new ConcurrentLinkedQueue<>();
        AtomicInteger inRead = new AtomicInteger();
        Arena arena = Arena.ofShared();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < blocked; i++) {
            int[] p = PoolFixture.pipe();
            pipes.add(p);
            MemorySegment buf = arena.allocate(8);
            threads.add(pool.startVirtualThread(() -> {
                try {
                    inRead.incrementAndGet();
                    PoolFixture.read(pool, p[0], buf);
                    outcomes.add(new AssertionError("read returned without data"));
                } catch (Throwable t) {
                    outcomes.add(t);
                }
            }));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> inRead.get() == blocked
                && threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
        long start = System.nanoTime();
        pool.close();
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 30);
        for (Thread t : threads) t.join(5_000);
        assertEquals(blocked, outcomes.size());
        for (Throwable t : outcomes) {
            assertInstanceOf(CarrierPoolClosedException.class, t);
        }
        assertThrows(java.util.concurrent.RejectedExecutionException.class, () -> pool.startVirtualThread(() -> {}));
        arena.close();
        for (int[] p : pipes) PoolFixture.close(p);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
