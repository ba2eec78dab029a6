package io.ringloom.files;

import io.ringloom.CarrierPool;
import io.ringloom.RingFiles;
import io.ringloom.core.CarrierStats;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A thread whose file calls never park (reads of a tmpfs file are plain system
 * calls on the carrier) yields the carrier once it has run a time slice, so a
 * thread queued behind it on the same, only carrier runs before it ends
 * (docs/DESIGN.md, "Time slice"). Without the slice the queued thread would wait
 * for the whole loop.
 */
class TimeSliceIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** How long the reader loops at most: far beyond the 1 ms slice. */
    private static final long LOOP_MILLIS = 3_000;

    @Test
    void aThreadReadingAMemoryFileInALoopLetsAQueuedThreadRun() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && "tmpfs".equals(Files.getFileStore(shm).type()), "needs /dev/shm on tmpfs");
        Path file = Files.createTempFile(shm, "ringloom-timeslice-", ".bin");
        try (CarrierPool pool = CarrierPool.builder().carriers(1).name("timeslice").build()) {
            assumeFalse(pool.isFallback(), "only a pool's carrier has a slice to give up");
            Files.write(file, new byte[4096]);
            AtomicBoolean queuedRan = new AtomicBoolean();
            AtomicLong readsBeforeItRan = new AtomicLong(-1);
            CountDownLatch looping = new CountDownLatch(1);
            List<Throwable> failures = new ArrayList<>();
            Thread reader = pool.startVirtualThread(() -> {
                try (FileChannel ch = RingFiles.open(file, StandardOpenOption.READ)) {
                    ByteBuffer buf = ByteBuffer.allocateDirect(4096);
                    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOOP_MILLIS);
                    long reads = 0;
                    looping.countDown();
                    while (!queuedRan.get() && System.nanoTime() < until) {
                        assertEquals(4096, ch.read(buf.clear(), 0));
                        reads++;
                    }
                    if (queuedRan.get()) readsBeforeItRan.set(reads);
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            });
            assertTrue(looping.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            // Queued on the one carrier, which the reader holds without parking.
            Thread queued = pool.startVirtualThread(() -> queuedRan.set(true));
            assertTrue(reader.join(WAIT));
            assertTrue(queued.join(WAIT));
            synchronized (failures) {
                assertEquals(List.of(), failures);
            }
            System.err.println("TimeSliceIT: the queued thread ran after " + readsBeforeItRan.get() + " reads");
            assertTrue(readsBeforeItRan.get() >= 0,
                    "the queued thread ran only after the reader's " + LOOP_MILLIS + " ms loop ended");
            assertEquals(0, pool.stats().stream().mapToLong(CarrierStats::inFlight).sum());
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
