package io.ringloom.reliability;

import io.ringloom.CarrierPool;
import io.ringloom.RingFiles;
import io.ringloom.core.CarrierStats;
import io.ringloom.net.RingServerSocket;
import io.ringloom.net.RingSocket;
import io.ringloom.rings.sys.ProcFds;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static io.ringloom.reliability.Reliability.scaled;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario 2 of issue 7: channels and sockets closed while calls are blocked
 * on them. Each round blocks FIFO reads and writes, socket reads and writes
 * and an accept, closes them all from another thread, and at once opens new
 * files, pipes and sockets ("probes") that take the freed fd numbers. A
 * blocked call must end with {@link AsynchronousCloseException}; a probe
 * must end the round exactly as it was made, which it would not if a request
 * meant for a closed channel had run on its reused fd number.
 *
 * <p>In half the rounds the closes wait until every call is in the kernel;
 * in the others they come after a random few microseconds, racing the calls,
 * and {@link ClosedChannelException} (closed before the call began) is also
 * the JDK's answer.
 */
@Tag(Reliability.TAG)
class CloseStormIT {
    private static final int PROBES = 6;
    private static final int PROBE_BYTES = 64;
    /** A pipe's default capacity on Linux: 16 pages (pipe(7)). */
    private static final int PIPE_CAPACITY = 1 << 16;

    @TempDir
    Path dir;

    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private CarrierPool pool;

    @Test
    void closesUnderBlockedCallsEndThemAndNeverTouchAReusedFd() throws Exception {
        int rounds = scaled(200, 3_000);
        Map<Integer, String> fdsBefore = Reliability.fdsBefore();
        pool = Reliability.pool("closestorm");
        RingServerSocket peerListener = onPool(() -> RingServerSocket.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        Path fifoR = dir.resolve("fifo-r"), fifoW = dir.resolve("fifo-w");
        Reliability.mkfifo(fifoR);
        Reliability.mkfifo(fifoW);

        Map<Integer, String> betweenRounds = ProcFds.snapshot();
        long blockedCalls = 0, asyncClose = 0, closedBefore = 0, reusedFds = 0, probesChecked = 0;
        for (int round = 0; round < rounds && failures.size() < 10; round++) {
            boolean waitUntilBlocked = round % 2 == 0;
            Set<Integer> fdsOpen = ProcFds.snapshot().keySet();
            Round r = onPool(() -> new Round(peerListener, fifoR, fifoW));
            Set<Integer> roundFds = new HashSet<>(ProcFds.snapshot().keySet());
            roundFds.removeAll(fdsOpen);
            Map<Integer, String> roundFdsNamed = new java.util.TreeMap<>(ProcFds.leakedSince(betweenRounds));

            List<Thread> threads = new ArrayList<>();
            List<AtomicReference<Object>> outcomes = new ArrayList<>();
            for (Blocking call : r.calls()) {
                AtomicReference<Object> outcome = new AtomicReference<>();
                outcomes.add(outcome);
                threads.add(pool.startVirtualThread(() -> {
                    try {
                        outcome.set("returned " + call.run());
                    } catch (Throwable e) {
                        outcome.set(e);
                    }
                }));
            }
            if (waitUntilBlocked) {
                try {
                    Reliability.soon().until(() ->
                            threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING)
                                    && (Reliability.FALLBACK || inFlight() >= threads.size()));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError("round " + round + ": calls not all blocked in the kernel: in flight "
                            + inFlight() + ", threads " + threads.stream().map(t -> t.getState() + " " + Arrays.toString(t.getStackTrace())).toList()
                            + ", outcomes " + outcomes.stream().map(AtomicReference::get).toList(), e);
                }
            } else {
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(0, 300_000));
            }
            if (round % 4 < 2) {
                r.closeAll();
            } else {
                onPool(() -> {
                    r.closeAll();
                    return null;
                });
            }
            Probes probes = new Probes(dir.resolve("probe-" + round));
            Set<Integer> probeFds = probes.fds(fdsOpen);
            probeFds.retainAll(roundFds);
            reusedFds += probeFds.size();

            for (int i = 0; i < threads.size(); i++) {
                threads.get(i).join(10_000);
                if (threads.get(i).isAlive()) {
                    throw new AssertionError("round " + round + ": " + r.calls().get(i) + " still blocked 10 s after the close: "
                            + Arrays.toString(threads.get(i).getStackTrace()));
                }
                Object o = outcomes.get(i).get();
                blockedCalls++;
                if (o instanceof AsynchronousCloseException) {
                    asyncClose++;
                } else if (o instanceof ClosedChannelException && !waitUntilBlocked) {
                    closedBefore++;
                } else {
                    failures.add("round " + round + ", " + r.calls().get(i) + ": " + o);
                }
            }
            int thisRound = round;
            Reliability.soon().alias("op tables empty").untilAsserted(() ->
                    assertEquals(0, inFlight(), "round " + thisRound + ": " + pool.stats()));
            probes.check("round " + round);
            probes.close();
            probesChecked += 3L * PROBES;
            r.closePeers();
            Reliability.soon().untilAsserted(() ->
                    assertEquals(Map.of(), ProcFds.leakedSince(betweenRounds), "round " + thisRound + " (" + (waitUntilBlocked ? "waited" : "racing") + ") left fds; round fds " + roundFdsNamed + " tcp " + java.nio.file.Files.readAllLines(Path.of("/proc/net/tcp"))));
        }
        peerListener.close();
        Reliability.closeAndCheck(pool, fdsBefore);

        Reliability.report("close-storm",
                "%d rounds, %,d blocked calls closed (%s), "
                        + "%,d AsynchronousCloseException, %,d ClosedChannelException in racing rounds, "
                        + "%,d probes checked, %,d of them on a just-freed fd number, %d failures",
                rounds, blockedCalls, Reliability.FALLBACK ? "socket read/write, accept" : "FIFO read/write, socket read/write, accept", asyncClose, closedBefore, probesChecked, reusedFds, failures.size());
        assertEquals(List.of(), failures.stream().limit(5).toList());
        assertTrue(reusedFds > 0, "no probe reused a freed fd number: the check saw nothing");
    }

    private long inFlight() {
        return pool.stats().stream().mapToLong(CarrierStats::inFlight).sum();
    }

    private <T> T onPool(Callable<T> body) throws Exception {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = pool.startVirtualThread(() -> {
            try {
                result.set(body.call());
            } catch (Throwable e) {
                result.set(e);
            }
        });
        t.join(30_000);
        if (result.get() instanceof Exception e) throw e;
        if (result.get() instanceof Error e) throw e;
        @SuppressWarnings("unchecked") T value = (T) result.get();
        return value;
    }

    private interface Blocking {
        long run() throws IOException;
    }

    private record Named(String name, Blocking call) implements Blocking {
        @Override
        public long run() throws IOException {
            return call.run();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * The channels one round blocks on, one call each (a second call on the
     * same channel would wait for its lock, not in the kernel), made on a
     * pool thread so they run on the ring.
     */
    private static final class Round {
        final FileChannel fifoReader, fifoHeapReader, fifoWriter;
        final RingSocket reader, heapReader, writer;
        final RingSocket[] peers = new RingSocket[3];
        final RingServerSocket listener;

        Round(RingServerSocket peerListener, Path fifoR, Path fifoW) throws IOException {
            if (Reliability.FALLBACK) {
                // In fallback a FIFO call is a plain read(2) or write(2), which no close ends (README).
                fifoReader = fifoHeapReader = fifoWriter = null;
            } else {
                fifoReader = RingFiles.open(fifoR, READ, WRITE);
                fifoHeapReader = RingFiles.open(fifoR, READ, WRITE);
                fifoWriter = RingFiles.open(fifoW, READ, WRITE);
                // Fill the pipe (64 KiB by default), so the blocked write has written nothing when it is closed.
                fifoWriter.write(ByteBuffer.allocateDirect(PIPE_CAPACITY));
            }
            reader = RingSocket.open(peerListener.localAddress());
            peers[0] = peerListener.accept();
            heapReader = RingSocket.open(peerListener.localAddress());
            peers[1] = peerListener.accept();
            writer = RingSocket.open(peerListener.localAddress());
            peers[2] = peerListener.accept();
            listener = RingServerSocket.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }

        /** Each blocks: nothing is ever written to the FIFO or the readers' peers, nothing read from the writer's. */
        List<Blocking> calls() {
            List<Blocking> calls = new ArrayList<>();
            if (fifoReader != null) {
                calls.add(new Named("FIFO read", () -> fifoReader.read(ByteBuffer.allocateDirect(4096))));
                calls.add(new Named("FIFO read, heap buffer", () -> fifoHeapReader.read(ByteBuffer.allocate(4096))));
                calls.add(new Named("FIFO write of 1 MiB", () -> fifoWriter.write(ByteBuffer.allocateDirect(1 << 20))));
            }
            calls.addAll(List.of(
                    new Named("socket read", () -> reader.read(ByteBuffer.allocateDirect(4096))),
                    new Named("socket read, heap buffer", () -> heapReader.read(ByteBuffer.allocate(4096))),
                    new Named("socket write of 16 MiB", () -> writer.write(ByteBuffer.allocateDirect(16 << 20))),
                    new Named("accept", () -> {
                        listener.accept().close();
                        return 0;
                    })));
            return calls;
        }

        void closeAll() throws IOException {
            List<AutoCloseable> all = new ArrayList<>(List.of(reader, heapReader, writer, listener));
            if (fifoReader != null) all.addAll(List.of(fifoReader, fifoHeapReader, fifoWriter));
            java.util.Collections.shuffle(all);
            for (AutoCloseable c : all) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IOException("close of " + c, e);
                }
            }
        }

        void closePeers() throws IOException {
            for (RingSocket p : peers) p.close();
        }
    }

    /**
     * New files, pipes and loopback sockets, each left holding known bytes:
     * a write meant for a closed channel would add to them, a read would take
     * from them. Made with the JDK, so nothing of Ringloom's touches them.
     */
    private static final class Probes implements AutoCloseable {
        final List<Path> files = new ArrayList<>();
        final List<FileChannel> fileChannels = new ArrayList<>();
        final List<Pipe> pipes = new ArrayList<>();
        final List<SocketChannel[]> sockets = new ArrayList<>();

        Probes(Path base) throws IOException {
            for (int i = 0; i < PROBES; i++) {
                Path f = base.resolveSibling(base.getFileName() + "-" + i);
                fileChannels.add(FileChannel.open(f, READ, WRITE, java.nio.file.StandardOpenOption.CREATE_NEW));
                files.add(f);
                fileChannels.getLast().write(ByteBuffer.wrap(content(i)));
                Pipe p = Pipe.open();
                p.sink().write(ByteBuffer.wrap(content(i)));
                pipes.add(p);
                try (ServerSocketChannel ss = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                    SocketChannel a = SocketChannel.open(ss.getLocalAddress());
                    SocketChannel b = ss.accept();
                    a.write(ByteBuffer.wrap(content(i)));
                    sockets.add(new SocketChannel[] {a, b});
                }
            }
        }

        static byte[] content(int i) {
            byte[] b = new byte[PROBE_BYTES];
            Arrays.fill(b, (byte) ('a' + i));
            return b;
        }

        /** The fd numbers the probes took that were not open in {@code before}. */
        Set<Integer> fds(Set<Integer> before) {
            Set<Integer> now = new HashSet<>(ProcFds.snapshot().keySet());
            now.removeAll(before);
            return now;
        }

        void check(String round) throws IOException {
            for (int i = 0; i < PROBES; i++) {
                byte[] expected = content(i);
                if (!Arrays.equals(expected, Files.readAllBytes(files.get(i)))) {
                    throw new AssertionError(round + ": probe file " + i + " changed");
                }
                Pipe p = pipes.get(i);
                p.source().configureBlocking(false);
                p.sink().configureBlocking(false);
                assertPending(round + ": probe pipe " + i, p.source(), expected);
                SocketChannel[] s = sockets.get(i);
                s[0].configureBlocking(false);
                s[1].configureBlocking(false);
                assertPending(round + ": probe socket " + i, s[1], expected);
                assertPending(round + ": probe socket " + i + " (reverse)", s[0], new byte[0]);
            }
        }

        /** {@code ch} holds exactly {@code expected}, no more, no less. */
        private static void assertPending(String what, java.nio.channels.ReadableByteChannel ch, byte[] expected) throws IOException {
            ByteBuffer got = ByteBuffer.allocate(expected.length + 1024);
            // Loopback data is queued at the peer before write returns; a non-blocking read sees it all.
            while (ch.read(got) > 0) {
                // keep draining
            }
            got.flip();
            byte[] bytes = new byte[got.remaining()];
            got.get(bytes);
            if (!Arrays.equals(expected, bytes)) {
                throw new AssertionError(what + " holds " + bytes.length + " bytes, not the " + expected.length + " it was left with");
            }
        }

        @Override
        public void close() throws IOException {
            for (FileChannel f : fileChannels) f.close();
            for (Pipe p : pipes) {
                p.source().close();
                p.sink().close();
            }
            for (SocketChannel[] s : sockets) {
                s[0].close();
                s[1].close();
            }
        }
    }
}
