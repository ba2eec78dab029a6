package io.ringloom.reliability.dropin;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * Scenario 1 of issue 17, closes: each round blocks calls of the JDK's types
 * on virtual threads ({@code Thread.ofVirtual()} and
 * {@code Executors.newVirtualThreadPerTaskExecutor()}): a {@code SocketChannel}
 * read and a 16 MiB write to a peer that never reads, a connect to a listener
 * whose accept queue is full, a {@code ServerSocketChannel} accept, the same
 * four through {@code java.net.Socket} and {@code ServerSocket},
 * and (where a carrier's ring serves it) a {@code FileChannel.open} read of an
 * empty FIFO; a {@code Files.newInputStream} read of a 1 MiB file races the
 * closes. Then it closes them all, in random order, from a platform or a
 * virtual thread, and at once opens probes (files, pipes, datagram sockets,
 * made with the JDK's own classes) that take the freed fd numbers.
 *
 * <p>Every call must end as the JDK documents: a channel's with
 * {@code AsynchronousCloseException} ({@code ClosedChannelException} when the
 * close came before the call began, possible in the racing rounds); a
 * {@code java.net} socket's with {@code SocketException} "Socket closed" ("Socket
 * is closed" when closed before the call); the stream's with its bytes or one of
 * those two. Every probe must end the round exactly as it was made, which it
 * would not if a request meant for a closed channel ran on its reused fd
 * number; every read buffer must keep the canary written into it once its call
 * ended. Half the rounds close once every call is parked; half after 0-300 us.
 *
 * <p>A FIFO read is a plain {@code read(2)} off the rings, which a close does
 * not end on a virtual thread of the JDK's scheduler (README, "Where the
 * benefit applies"): only the ring form has it.
 */
final class CloseStorm {
    private static final int BIG = 16 << 20;
    private static final int PROBE_BYTES = 64;
    private static final int READ_SIZE = 4096;
    private static final byte CANARY = 0x5A;
    private static final int STREAM_FILE = 1 << 20;

    private final Path dir;
    private final boolean fifos = App.MODE == App.Mode.RINGS;
    private final ByteBuffer bigDirect = ByteBuffer.allocateDirect(BIG);
    private final byte[] bigArray = new byte[BIG];
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, Integer> outcomes = new TreeMap<>();
    private long blockedCalls, probesChecked, reusedFds, canariesHit;

    private CloseStorm(Path dir) {
        this.dir = dir;
    }

    static void main(String scenario, String[] args) throws Exception {
        Path dir = App.dir(args);
        App.settle(dir);
        Map<Integer, String> before = App.fds();
        new CloseStorm(dir).run(scenario, App.scaled(300, 4_000));
        App.checkEnd(scenario, before);
        App.finish();
    }

    /** A call that blocks until its target is closed. */
    private record Blocking(String name, boolean javaNet, boolean racer, Closeable target, Call call) {}

    private interface Call {
        Object run() throws Exception;
    }

    private void run(String scenario, int rounds) throws Exception {
        Path fifoRead = dir.resolve("fifo-read");
        if (fifos) mkfifo(fifoRead);
        Path streamFile = dir.resolve("stream-file");
        Files.write(streamFile, new byte[STREAM_FILE]);
        // A listener whose accept queue is full and stays so (backlog 1: two connections fit, never
        // accepted): the kernel drops further SYNs, so a connect to it blocks until it is closed.
        try (ServerSocketChannel peerListener = ServerSocketChannel.open().bind(App.loopback(0), 64);
             ServerSocketChannel full = ServerSocketChannel.open().bind(App.loopback(0), 1);
             SocketChannel queued1 = SocketChannel.open(full.getLocalAddress());
             SocketChannel queued2 = SocketChannel.open(full.getLocalAddress())) {
            for (int round = 0; round < rounds && App.failures() < 10; round++) {
                round(round, peerListener, (java.net.InetSocketAddress) full.getLocalAddress(), fifoRead, streamFile);
            }
        }
        executor.close();
        App.report(scenario, "%d rounds, %,d calls closed (SocketChannel connect/read/write, ServerSocketChannel accept, "
                        + "Socket connect/read/write, ServerSocket accept%s, Files.newInputStream racing), outcomes %s, "
                        + "%,d probes checked, %,d of them on a just-freed fd number, %d buffers written after return; "
                        + "%d failures",
                rounds, blockedCalls, fifos ? ", FileChannel FIFO read" : "", outcomes, probesChecked, reusedFds,
                canariesHit, App.failures());
    }

    private void round(int round, ServerSocketChannel peerListener, java.net.InetSocketAddress full, Path fifoRead,
                       Path streamFile) throws Exception {
        boolean waitUntilParked = round % 2 == 0;
        Set<Integer> fdsBefore = App.fds().keySet();
        List<Closeable> peers = new ArrayList<>();
        List<Blocking> calls = new ArrayList<>();
        List<ByteBuffer> readBuffers = new ArrayList<>();
        List<byte[]> readArrays = new ArrayList<>();

        SocketChannel reader = SocketChannel.open(peerListener.getLocalAddress());
        peers.add(peerListener.accept());
        ByteBuffer rb = round % 3 == 0 ? ByteBuffer.allocate(READ_SIZE) : ByteBuffer.allocateDirect(READ_SIZE);
        readBuffers.add(rb);
        calls.add(new Blocking("SocketChannel.read", false, false, reader, () -> reader.read(rb)));
        SocketChannel writer = SocketChannel.open(peerListener.getLocalAddress());
        peers.add(peerListener.accept());
        // The JDK's blocking write returns once some bytes went (it loops only while none could):
        // writing on until the peer's buffers are full blocks it.
        calls.add(new Blocking("SocketChannel.write", false, false, writer, () -> {
            ByteBuffer b = bigDirect.duplicate().clear();
            while (b.hasRemaining()) writer.write(b);
            return BIG;
        }));
        ServerSocketChannel acceptor = ServerSocketChannel.open().bind(App.loopback(0));
        calls.add(new Blocking("ServerSocketChannel.accept", false, false, acceptor, acceptor::accept));

        Socket netReader = new Socket(App.LOOPBACK, ((java.net.InetSocketAddress) peerListener.getLocalAddress()).getPort());
        peers.add(peerListener.accept());
        byte[] ra = new byte[READ_SIZE];
        readArrays.add(ra);
        InputStream netIn = netReader.getInputStream();
        calls.add(new Blocking("Socket.read", true, false, netReader, () -> netIn.read(ra)));
        Socket netWriter = new Socket(App.LOOPBACK, ((java.net.InetSocketAddress) peerListener.getLocalAddress()).getPort());
        peers.add(peerListener.accept());
        var netOut = netWriter.getOutputStream();
        calls.add(new Blocking("Socket.write", true, false, netWriter, () -> {
            netOut.write(bigArray);
            return BIG;
        }));
        ServerSocket netAcceptor = new ServerSocket(0, 50, App.LOOPBACK);
        calls.add(new Blocking("ServerSocket.accept", true, false, netAcceptor, netAcceptor::accept));
        SocketChannel connector = SocketChannel.open();
        calls.add(new Blocking("SocketChannel.connect", false, false, connector, () -> connector.connect(full)));
        Socket netConnector = new Socket();
        calls.add(new Blocking("Socket.connect", true, false, netConnector, () -> {
            netConnector.connect(full);
            return "connected";
        }));

        if (fifos) {
            FileChannel fifo = FileChannel.open(fifoRead, READ, WRITE);   // O_RDWR: opens without a writer, never sees EOF
            ByteBuffer fb = round % 3 == 1 ? ByteBuffer.allocate(READ_SIZE) : ByteBuffer.allocateDirect(READ_SIZE);
            readBuffers.add(fb);
            calls.add(new Blocking("FileChannel.read(FIFO)", false, false, fifo, () -> fifo.read(fb)));
        }
        InputStream stream = Files.newInputStream(streamFile);
        byte[] sa = new byte[STREAM_FILE];
        calls.add(new Blocking("Files.newInputStream.read", false, true, stream, () -> stream.readNBytes(sa, 0, sa.length)));

        Set<Integer> roundFds = new HashSet<>(App.fds().keySet());
        roundFds.removeAll(fdsBefore);

        AtomicReferenceArray<Thread> threads = new AtomicReferenceArray<>(calls.size());
        List<AtomicReference<Object>> results = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            Blocking c = calls.get(i);
            AtomicReference<Object> result = new AtomicReference<>();
            results.add(result);
            int index = i;
            Runnable body = () -> {
                threads.set(index, Thread.currentThread());
                try {
                    result.set("returned " + c.call().run());
                } catch (Throwable e) {
                    result.set(e);
                }
            };
            if (i % 2 == round % 2) Thread.ofVirtual().start(body);
            else executor.submit(body);
        }
        if (waitUntilParked) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            boolean[] seenParked = new boolean[calls.size()];
            while (!parked(threads, calls, seenParked) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(50_000);
            }
            if (!parked(threads, calls, seenParked)) {
                App.fail("round " + round + ": calls not all parked after 10 s: " + describe(threads) + " results "
                        + results.stream().map(AtomicReference::get).toList());
            }
        } else {
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(0, 300_000));
        }

        List<Closeable> targets = new ArrayList<>(calls.stream().map(Blocking::target).toList());
        Collections.shuffle(targets);
        if (round % 4 < 2) {
            closeAll(targets);
        } else {
            Thread.ofVirtual().start(() -> closeAll(targets)).join();
        }
        Map<Integer, String> beforeProbes = App.fds();
        Probes probes = new Probes(dir.resolve("probe-" + round));
        Set<Integer> probeFds = new HashSet<>(App.leakedSince(beforeProbes).keySet());
        probeFds.retainAll(roundFds);
        reusedFds += probeFds.size();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int i = 0; i < calls.size(); i++) {
            while (threads.get(i) == null && System.nanoTime() < deadline) LockSupport.parkNanos(100_000);
            Thread t = threads.get(i);
            if (t == null) {
                App.fail("round " + round + ": " + calls.get(i).name() + " never started");
            } else if (!t.join(java.time.Duration.ofSeconds(10))) {
                App.fail("round " + round + ": a call still blocked 10 s after the close: " + Arrays.toString(t.getStackTrace()));
            }
        }
        for (int i = 0; i < calls.size(); i++) {
            Blocking c = calls.get(i);
            Object r = results.get(i).get();
            blockedCalls++;
            String outcome = verdict(c, r, waitUntilParked);
            if (outcome == null) {
                App.fail("round " + round + ": " + c.name() + " (" + (waitUntilParked ? "parked" : "racing") + ") ended with " + r);
                if (r instanceof Throwable e) e.printStackTrace(System.out);
            } else {
                outcomes.merge(c.name() + " " + outcome, 1, Integer::sum);
            }
        }
        for (ByteBuffer b : readBuffers) fill(b);
        for (byte[] a : readArrays) Arrays.fill(a, CANARY);
        for (Closeable p : peers) p.close();
        probesChecked += probes.checkAndClose(round);
        for (ByteBuffer b : readBuffers) {
            if (b.clear().mismatch(canaries(b.capacity())) >= 0) canariesHit++;
        }
        for (byte[] a : readArrays) {
            for (byte x : a) {
                if (x != CANARY) {
                    canariesHit++;
                    break;
                }
            }
        }
        if (canariesHit > 0) App.fail("round " + round + ": a read buffer changed after its call ended");
    }

    /** The short name of an allowed ending, or null when {@code r} is not what the JDK documents. */
    private static String verdict(Blocking c, Object r, boolean parked) {
        if (c.racer()) {
            if (r instanceof String s && s.equals("returned " + STREAM_FILE)) return "returned";
            if (r instanceof AsynchronousCloseException) return "AsynchronousCloseException";
            if (r instanceof ClosedChannelException) return "ClosedChannelException";
            return null;
        }
        if (c.javaNet()) {
            if (r instanceof SocketException e && "Socket closed".equals(e.getMessage())) return "Socket closed";
            if (!parked && r instanceof SocketException e && "Socket is closed".equals(e.getMessage())) return "Socket is closed";
            return null;
        }
        if (r instanceof AsynchronousCloseException) return "AsynchronousCloseException";
        // The JDK's write that a close cut short may return what it wrote; the loop's next write then finds it closed.
        boolean loops = c.name().equals("SocketChannel.write");
        if ((!parked || loops) && r instanceof ClosedChannelException) return "ClosedChannelException";
        return null;
    }

    /**
     * Every call but the racer has started and has been seen parked, now or at
     * an earlier look ({@code seenParked}, updated here). A writer whose peer
     * never reads is not parked without a break: on a loaded machine the
     * {@code Socket.write} of a whole array was seen running between two of
     * its sends, again and again for 10 s (a send on the ring completes
     * whenever the kernel takes a few more bytes), so all calls were seldom
     * parked at one instant. A call that returned before the close is caught
     * by the verdicts after it.
     */
    private static boolean parked(AtomicReferenceArray<Thread> threads, List<Blocking> calls, boolean[] seenParked) {
        boolean all = true;
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).racer()) continue;
            Thread t = threads.get(i);
            if (t != null && t.getState() == Thread.State.WAITING) seenParked[i] = true;
            all &= seenParked[i];
        }
        return all;
    }

    private static String describe(AtomicReferenceArray<Thread> threads) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < threads.length(); i++) {
            Thread t = threads.get(i);
            if (t == null) sb.append("not started; ");
            else sb.append(t.getState()).append(' ').append(Arrays.toString(t.getStackTrace())).append("; ");
        }
        return sb.toString();
    }

    private static void closeAll(List<Closeable> targets) {
        for (Closeable c : targets) {
            try {
                c.close();
            } catch (IOException e) {
                App.fail("close: " + e);
            }
        }
    }

    private static void fill(ByteBuffer b) {
        b.clear().put(0, canaries(b.capacity()).array());
    }

    private static ByteBuffer canaries(int n) {
        byte[] a = new byte[n];
        Arrays.fill(a, CANARY);
        return ByteBuffer.wrap(a);
    }

    private static void mkfifo(Path p) throws IOException, InterruptedException {
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        if (mk.waitFor() != 0) throw new IOException("mkfifo " + p + " failed");
    }

    private static byte probeByte(int probe, int i) {
        return (byte) (probe * 37 + i * 11 + 1);
    }

    /**
     * fds made with the JDK's own classes (never Ringloom's under the
     * options): files through {@code java.io.RandomAccessFile}, pipes, connected
     * datagram sockets. Each holds {@value #PROBE_BYTES} known bytes.
     */
    private static final class Probes {
        final List<RandomAccessFile> files = new ArrayList<>();
        final List<Pipe> pipes = new ArrayList<>();
        final List<DatagramChannel[]> datagrams = new ArrayList<>();

        Probes(Path base) throws IOException {
            for (int i = 0; i < 2; i++) {
                RandomAccessFile f = new RandomAccessFile(new File(base + "-f" + i), "rw");
                byte[] b = new byte[PROBE_BYTES];
                for (int j = 0; j < b.length; j++) b[j] = probeByte(i, j);
                f.write(b);
                f.seek(0);
                files.add(f);
                Pipe p = Pipe.open();
                ByteBuffer pb = ByteBuffer.allocate(PROBE_BYTES);
                for (int j = 0; j < PROBE_BYTES; j++) pb.put(j, probeByte(10 + i, j));
                p.sink().write(pb);
                pipes.add(p);
                DatagramChannel a = DatagramChannel.open().bind(App.loopback(0));
                DatagramChannel b2 = DatagramChannel.open().bind(App.loopback(0));
                a.connect(b2.getLocalAddress());
                b2.connect(a.getLocalAddress());
                ByteBuffer db = ByteBuffer.allocate(PROBE_BYTES);
                for (int j = 0; j < PROBE_BYTES; j++) db.put(j, probeByte(20 + i, j));
                a.write(db);
                datagrams.add(new DatagramChannel[] {a, b2});
            }
        }

        /** Checks each probe holds exactly its bytes, and closes it; returns how many were checked. */
        int checkAndClose(int round) throws IOException {
            int checked = 0;
            for (int i = 0; i < files.size(); i++) {
                RandomAccessFile f = files.get(i);
                check(round, "file probe " + i + " position", f.getFilePointer() == 0);
                check(round, "file probe " + i + " length", f.length() == PROBE_BYTES);
                byte[] b = new byte[PROBE_BYTES];
                f.readFully(b);
                for (int j = 0; j < PROBE_BYTES; j++) {
                    if (b[j] != probeByte(i, j)) {
                        check(round, "file probe " + i + " byte " + j, false);
                        break;
                    }
                }
                f.close();
                checked++;
            }
            for (int i = 0; i < pipes.size(); i++) {
                Pipe p = pipes.get(i);
                p.source().configureBlocking(false);
                ByteBuffer b = ByteBuffer.allocate(PROBE_BYTES + 1);
                int n = p.source().read(b);
                check(round, "pipe probe " + i + " holds " + n + " bytes", n == PROBE_BYTES);
                for (int j = 0; j < Math.min(n, PROBE_BYTES); j++) {
                    if (b.get(j) != probeByte(10 + i, j)) {
                        check(round, "pipe probe " + i + " byte " + j, false);
                        break;
                    }
                }
                p.source().close();
                p.sink().close();
                checked++;
            }
            for (int i = 0; i < datagrams.size(); i++) {
                DatagramChannel[] d = datagrams.get(i);
                d[1].configureBlocking(false);
                d[0].configureBlocking(false);
                ByteBuffer b = ByteBuffer.allocate(PROBE_BYTES + 1);
                int n = d[1].read(b);
                check(round, "datagram probe " + i + " got " + n + " bytes", n == PROBE_BYTES);
                for (int j = 0; j < Math.min(n, PROBE_BYTES); j++) {
                    if (b.get(j) != probeByte(20 + i, j)) {
                        check(round, "datagram probe " + i + " byte " + j, false);
                        break;
                    }
                }
                check(round, "datagram probe " + i + " has a second datagram", d[1].read(b.clear()) == 0);
                check(round, "datagram probe " + i + " was sent a datagram", d[0].read(b.clear()) == 0);
                d[0].close();
                d[1].close();
                checked++;
            }
            return checked;
        }

        private static void check(int round, String what, boolean ok) {
            if (!ok) App.fail("round " + round + ": " + what);
        }
    }
}
