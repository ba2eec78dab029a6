package io.ringloom.reliability;

import io.ringloom.CarrierPool;
import io.ringloom.RingFiles;
import io.ringloom.net.RingServerSocket;
import io.ringloom.net.RingSocket;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * Mixed file and socket traffic on one pool, every byte checked by CRC-32:
 * socket clients that connect, echo random messages through a Ringloom
 * server and hang up, over and over; file workers that write random files,
 * read them back (heap and direct buffers, channel and readAllBytes), copy
 * some and delete them. A worker ends at {@link #stop} or at its first
 * exception, which it records.
 */
final class Traffic {
    private static final int MESSAGE_MAX = 64 * 1024;
    private static final int FILE_MAX = 512 * 1024;
    private final CarrierPool pool;
    private final Path dir;
    final LongAdder operations = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder mismatches = new LongAdder();
    /** How each worker that did not stop by the flag ended. */
    final ConcurrentLinkedQueue<Throwable> ended = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger echoes = new AtomicInteger();
    private final ConcurrentLinkedQueue<ByteBuffer> echoBuffers = new ConcurrentLinkedQueue<>();
    private volatile boolean stop;
    private RingServerSocket server;
    private Thread acceptor;

    Traffic(CarrierPool pool, Path dir) {
        this.pool = pool;
        this.dir = dir;
    }

    void start(int clients, int fileWorkers) throws Exception {
        AtomicReference<RingServerSocket> listening = new AtomicReference<>();
        acceptor = pool.startVirtualThread(() -> acceptLoop(listening));
        Reliability.soon().until(() -> listening.get() != null || !ended.isEmpty());
        if (listening.get() == null) throw new IllegalStateException("echo server did not start", ended.peek());
        server = listening.get();
        InetSocketAddress address = server.localAddress();
        for (int i = 0; i < clients; i++) {
            threads.add(pool.startVirtualThread(() -> {
                Buffers b = new Buffers(MESSAGE_MAX);
                worker(() -> client(address, b));
            }));
        }
        for (int i = 0; i < fileWorkers; i++) {
            int id = i;
            threads.add(pool.startVirtualThread(() -> {
                Buffers b = new Buffers(FILE_MAX);
                worker(() -> files(id, b));
            }));
        }
    }

    /** Asks every worker to stop after its current round, waits for them, then closes the server. */
    void stop(long millis) throws Exception {
        stop = true;
        joinAll(millis);
        server.close();
        acceptor.join(millis);
        Reliability.soon().until(() -> echoes.get() == 0);
    }

    /** Waits for every worker; returns those still alive after {@code millis}. */
    List<Thread> joinAll(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        List<Thread> alive = new ArrayList<>();
        for (Thread t : threads) {
            t.join(Math.max(1, deadline - System.currentTimeMillis()));
            if (t.isAlive()) alive.add(t);
        }
        if (acceptor.isAlive()) alive.add(acceptor);
        return alive;
    }

    int workers() {
        return threads.size();
    }

    int echoHandlersLeft() {
        return echoes.get();
    }

    /**
     * A worker's buffers, made once: the soak watches direct and native
     * memory, which buffers made per call would fill until the GC's cleaner
     * caught up, hiding what Ringloom itself holds.
     */
    private static final class Buffers {
        final ByteBuffer directOut, directIn, heapOut, heapIn;

        Buffers(int capacity) {
            directOut = ByteBuffer.allocateDirect(capacity);
            directIn = ByteBuffer.allocateDirect(capacity);
            heapOut = ByteBuffer.allocate(capacity);
            heapIn = ByteBuffer.allocate(capacity);
        }

        ByteBuffer out(int size, boolean direct) {
            return (direct ? directOut : heapOut).clear().limit(size);
        }

        ByteBuffer in(int size, boolean direct) {
            return (direct ? directIn : heapIn).clear().limit(size);
        }
    }

    private interface Round {
        void run() throws Exception;
    }

    private void worker(Round round) {
        try {
            while (!stop) round.run();
        } catch (Throwable e) {
            ended.add(e);
        }
    }

    private void acceptLoop(AtomicReference<RingServerSocket> listening) {
        try (RingServerSocket ss = RingServerSocket.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024)) {
            listening.set(ss);
            while (true) {
                RingSocket s = ss.accept();
                echoes.incrementAndGet();
                try {
                    pool.startVirtualThread(() -> echo(s));
                } catch (RuntimeException e) {
                    echoes.decrementAndGet();
                    s.close();
                    throw e;
                }
            }
        } catch (java.nio.channels.ClosedChannelException e) {
            // stop() closed the listener
        } catch (Throwable e) {
            ended.add(e);
        }
    }

    private void echo(RingSocket s) {
        // Pooled, like the workers' buffers: one made per connection would wait for the
        // GC's cleaner and blur the soak's direct-memory figure.
        ByteBuffer b = echoBuffers.poll();
        if (b == null) b = ByteBuffer.allocateDirect(MESSAGE_MAX);
        try (s) {
            while (s.read(b.clear()) >= 0) {
                b.flip();
                s.write(b);
            }
        } catch (Throwable e) {
            if (!stop) ended.add(e);
        } finally {
            echoBuffers.offer(b);
            echoes.decrementAndGet();
        }
    }

    /** CRC-32 of {@code b}'s bytes from 0 to its limit. */
    private static long crc(ByteBuffer b) {
        CRC32 c = new CRC32();
        c.update(b.duplicate().position(0));
        return c.getValue();
    }

    /** One connection: a few random messages echoed back whole, then close. */
    private void client(InetSocketAddress address, Buffers buffers) throws IOException {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        try (RingSocket s = RingSocket.open(address)) {
            operations.increment();
            int messages = rnd.nextInt(1, 20);
            for (int m = 0; m < messages && !stop; m++) {
                int size = rnd.nextInt(1, MESSAGE_MAX + 1);
                ByteBuffer out = buffers.out(size, rnd.nextBoolean());
                for (int i = 0; i < size; i += 8) out.put(i, (byte) rnd.nextInt());
                long sent = crc(out);
                s.write(out);
                ByteBuffer in = buffers.in(size, rnd.nextBoolean());
                while (in.hasRemaining()) {
                    if (s.read(in) < 0) throw new IOException("echo server hung up after " + in.position() + " of " + size);
                    operations.increment();
                }
                if (crc(in) != sent) mismatches.increment();
                bytes.add(2L * size);
                operations.increment();
            }
        }
    }

    /** One file: write, read back two ways, sometimes copy, delete. */
    private void files(int id, Buffers buffers) throws IOException {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        Path f = dir.resolve("w" + id + "-" + rnd.nextLong(Long.MAX_VALUE));
        int size = rnd.nextInt(1, FILE_MAX + 1);
        ByteBuffer data = buffers.out(size, rnd.nextBoolean());
        for (int i = 0; i < size; i += 8) data.put(i, (byte) rnd.nextInt());
        long crc = crc(data);
        try {
            try (FileChannel ch = RingFiles.open(f, CREATE_NEW, WRITE)) {
                while (data.hasRemaining()) ch.write(data);
            }
            try (FileChannel ch = RingFiles.open(f, READ)) {
                ByteBuffer back = buffers.in(size, rnd.nextBoolean());
                while (back.hasRemaining()) {
                    if (ch.read(back, back.position()) < 0) throw new IOException(f + " ended early");
                }
                if (crc(back) != crc) mismatches.increment();
            }
            if (crc(ByteBuffer.wrap(RingFiles.readAllBytes(f))) != crc) mismatches.increment();
            if (rnd.nextInt(8) == 0) {
                Path copy = f.resolveSibling(f.getFileName() + ".copy");
                RingFiles.copy(f, copy);
                if (crc(ByteBuffer.wrap(RingFiles.readAllBytes(copy))) != crc) mismatches.increment();
                RingFiles.delete(copy);
                operations.increment();
            }
            RingFiles.delete(f);
            bytes.add(3L * size);
            operations.add(4);
        } finally {
            java.nio.file.Files.deleteIfExists(f);   // only left after a failure
        }
    }
}
