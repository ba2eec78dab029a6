package io.ringloom.net;

import io.ringloom.CarrierPool;
import io.ringloom.core.CarrierStats;
import io.ringloom.rings.Config;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Which socket receives try a {@code MSG_DONTWAIT} call before the ring: a thread
 * that has run 10 us since it was resumed does, one just resumed does not
 * (docs/DESIGN.md, "Socket I/O on the ring"). Told apart by the pool's SQE count,
 * with data waiting in the socket both times and this thread alone on the pool.
 */
class SocketTryDirectIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Reads made just after a resume, and counted. */
    private static final int RESUMED_TRIES = 20;
    /** Reads made just after a resume before those, so that the JIT compiles the path. */
    private static final int WARM_UP_READS = 5_000;

    @Test
    void onlyAThreadThatRanLongTriesTheReceiveDirectly() throws Exception {
        assumeFalse(Config.socketTryDirect(), "with ringloom.socket.trydirect every call tries directly");
        try (CarrierPool pool = CarrierPool.builder().carriers(1).name("trydirect").build();
             ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assumeFalse(pool.isFallback(), "only a pool on rings has a ring to skip");
            CountDownLatch written = new CountDownLatch(1);
            List<Long> sqesPerRead = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            Thread reader = pool.startVirtualThread(() -> {
                try (RingSocket s = RingSocket.open(ss.getLocalSocketAddress())) {
                    written.await();   // parks; every byte is in the socket when it resumes
                    ByteBuffer one = ByteBuffer.allocateDirect(1);

                    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
                    while (System.nanoTime() < until) Thread.onSpinWait();   // runs 1 ms without parking
                    long before = sqes(pool);
                    assertEquals(1, s.read(one));
                    sqesPerRead.add(sqes(pool) - before);

                    // Just resumed, a thread reads through the ring. The time from the resume to
                    // the read's decision includes the continuation's thaw and passes 10 us in
                    // the interpreter (5-55 us measured), so the path is warmed up first; and a
                    // busy machine may still stretch a run, so some reads through the ring of a
                    // few tries are enough.
                    for (int i = 0; i < WARM_UP_READS; i++) {
                        one.clear();
                        Thread.yield();
                        assertEquals(1, s.read(one));
                    }
                    for (int i = 0; i < RESUMED_TRIES; i++) {
                        one.clear();
                        before = sqes(pool);
                        Thread.yield();   // resumed anew: this run has just begun
                        assertEquals(1, s.read(one));
                        sqesPerRead.add(sqes(pool) - before);
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            });
            try (Socket peer = ss.accept(); OutputStream out = peer.getOutputStream()) {
                out.write(new byte[1 + WARM_UP_READS + RESUMED_TRIES]);
                out.flush();
                written.countDown();
                assertTrue(reader.join(WAIT));
            }
            synchronized (failures) {
                assertEquals(List.of(), failures);
            }
            assertEquals(0L, sqesPerRead.get(0), "a thread 1 ms into its run reads without a ring request");
            // One SQE outside the reads may land in a delta: the carrier's wake-up read,
            // re-armed after the test thread woke the reader, is submitted at an entry.
            System.err.println("SocketTryDirectIT: SQEs per read, 1 ms into a run, then just resumed: " + sqesPerRead);
            assertTrue(sqesPerRead.subList(1, sqesPerRead.size()).stream().filter(n -> n >= 1).count() >= 2,
                    "a thread just resumed reads through the ring: SQEs per read " + sqesPerRead);
            assertEquals(0, pool.stats().stream().mapToLong(CarrierStats::inFlight).sum());
        }
    }

    private static long sqes(CarrierPool pool) {
        return pool.stats().stream().mapToLong(CarrierStats::sqesSubmitted).sum();
    }
}
