package io.ringloom.reliability.dropin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * Small checked traffic for the start-up and shutdown cases of issue 17
 * (scenario 5): an echo server on a blocking {@code ServerSocketChannel},
 * and workers on virtual threads that each echo messages through a
 * {@code SocketChannel} or a {@code java.net.Socket} and write and read back
 * a file, over and over, noting the carriers they ran on.
 */
final class MiniTraffic {
    private final Path dir;
    private final ServerSocketChannel server;
    private final List<Thread> workers = new ArrayList<>();
    private final ConcurrentLinkedQueue<Throwable> failed = new ConcurrentLinkedQueue<>();
    final LongAdder rounds = new LongAdder(), mismatches = new LongAdder();
    /** The carriers each group of workers ran on, by group name. */
    final ConcurrentHashMap<String, Set<String>> carriers = new ConcurrentHashMap<>();
    private volatile boolean stop;

    MiniTraffic(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.server = ServerSocketChannel.open().bind(App.loopback(0), 256);
        Thread.ofVirtual().name("mini-acceptor").start(this::acceptLoop);
    }

    /** Starts {@code n} workers of {@code group}, made with {@code Thread.ofVirtual()}. */
    void start(String group, int n) {
        for (int i = 0; i < n; i++) {
            int id = workers.size();
            workers.add(Thread.ofVirtual().name(group + "-" + id).start(() -> work(group, id)));
        }
    }

    /** Stops every worker after its round and the server; returns what failed, or hung. */
    List<String> stop() throws Exception {
        stop = true;
        List<String> problems = new ArrayList<>();
        for (Thread t : workers) {
            if (!t.join(java.time.Duration.ofSeconds(20))) problems.add(t.getName() + " hung: " + Arrays.toString(t.getStackTrace()));
        }
        server.close();
        for (Throwable e : failed) problems.add(String.valueOf(e));
        if (mismatches.sum() > 0) problems.add(mismatches.sum() + " CRC mismatches");
        return problems;
    }

    private void work(String group, int id) {
        Set<String> seen = carriers.computeIfAbsent(group, g -> ConcurrentHashMap.newKeySet());
        Path file = dir.resolve(group + "-" + id);
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        InetSocketAddress to;
        try {
            to = (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            failed.add(e);
            return;
        }
        try {
            while (!stop) {
                seen.add(App.carrierOf(Thread.currentThread()));
                byte[] data = new byte[rnd.nextInt(1, 32 * 1024)];
                rnd.nextBytes(data);
                byte[] back = id % 2 == 0 ? viaChannel(to, data) : viaSocket(to, data);
                if (!Arrays.equals(data, back)) mismatches.increment();
                try (FileChannel ch = FileChannel.open(file, CREATE, WRITE, READ, TRUNCATE_EXISTING)) {
                    ByteBuffer b = ByteBuffer.wrap(data);
                    while (b.hasRemaining()) ch.write(b);
                    ByteBuffer r = ByteBuffer.allocate(data.length);
                    while (r.hasRemaining()) {
                        if (ch.read(r, r.position()) < 0) break;
                    }
                    if (!Arrays.equals(data, r.array())) mismatches.increment();
                }
                rounds.increment();
            }
        } catch (Throwable e) {
            failed.add(e);
        }
    }

    private static byte[] viaChannel(InetSocketAddress to, byte[] data) throws IOException {
        try (SocketChannel ch = SocketChannel.open(to)) {
            ByteBuffer out = ByteBuffer.wrap(data);
            while (out.hasRemaining()) ch.write(out);
            ByteBuffer in = ByteBuffer.allocate(data.length);
            while (in.hasRemaining()) {
                if (ch.read(in) < 0) throw new IOException("EOF after " + in.position());
            }
            return in.array();
        }
    }

    private static byte[] viaSocket(InetSocketAddress to, byte[] data) throws IOException {
        try (Socket s = new Socket(to.getAddress(), to.getPort())) {
            s.getOutputStream().write(data);
            return s.getInputStream().readNBytes(data.length);
        }
    }

    private void acceptLoop() {
        try {
            while (true) {
                SocketChannel c = server.accept();
                Thread.ofVirtual().start(() -> echo(c));
            }
        } catch (ClosedChannelException e) {
            // stopped
        } catch (IOException e) {
            failed.add(e);
        }
    }

    private void echo(SocketChannel c) {
        try (c) {
            ByteBuffer b = ByteBuffer.allocate(16 * 1024);
            while (c.read(b.clear()) >= 0) {
                b.flip();
                while (b.hasRemaining()) c.write(b);
            }
        } catch (IOException e) {
            if (!stop) failed.add(e);
        }
    }

    /** A java.net echo for a socket made by another factory: reads and writes back until EOF. */
    static void echo(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        byte[] b = new byte[8192];
        int n;
        while ((n = in.read(b)) >= 0) out.write(b, 0, n);
    }
}
