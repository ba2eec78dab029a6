package io.ringloom.reliability;

import io.ringloom.CarrierPool;
import io.ringloom.RingFiles;
import io.ringloom.net.RingServerSocket;
import io.ringloom.net.RingSocket;
import io.ringloom.reliability.Reliability.Canaries;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import static io.ringloom.reliability.Reliability.scaled;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario 1 of issue 7: pool virtual threads do file, pipe (FIFO) and
 * socket calls while another thread interrupts random ones. Every call must
 * return normally or throw {@link ClosedByInterruptException} with the
 * channel closed and the interrupt status set (the JDK's contract for an
 * {@code InterruptibleChannel}); every byte read must be what was written;
 * no buffer may change after its call returned; the op tables end empty.
 */
@Tag(Reliability.TAG)
class InterruptStormIT {
    private static final int FILE_SIZE = 1 << 16;
    private static final int RECORD = 512;   // below PIPE_BUF: a pipe write of it is atomic

    @TempDir
    Path dir;

    private final LongAdder tried = new LongAdder();
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder closedByInterrupt = new LongAdder();
    /** ClosedByInterruptException by worker kind. */
    private final Map<String, LongAdder> closedByKind = new java.util.concurrent.ConcurrentHashMap<>();
    private final LongAdder interrupts = new LongAdder();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private volatile boolean stop;

    @Test
    void interruptsOfRandomThreadsLoseAndCorruptNothing() throws Exception {
        int workers = scaled(1_000, 4_000);
        long target = scaled(100_000, 2_000_000);
        Duration limit = scaled(Duration.ofSeconds(120), Duration.ofMinutes(15));
        Map<Integer, String> fdsBefore = Reliability.fdsBefore();
        CarrierPool pool = Reliability.pool("storm");

        AtomicReference<RingServerSocket> server = new AtomicReference<>();
        AtomicInteger echoes = new AtomicInteger();
        Thread acceptor = pool.startVirtualThread(() -> acceptLoop(pool, server, echoes));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.get() != null);
        InetSocketAddress address = server.get().localAddress();

        List<Worker> all = new ArrayList<>();
        for (int id = 0; id < workers; id++) {
            // In fallback a FIFO read is a plain read(2), which no interrupt ends (README): files instead.
            all.add(switch (id % 4) {
                case 1, 2 -> Reliability.FALLBACK ? new FileWorker(id, dir.resolve("f" + id))
                        : id % 4 == 1 ? new PipeWriter(id, fifo(id / 4)) : new PipeReader(id, fifo(id / 4));
                case 0 -> new FileWorker(id, dir.resolve("f" + id));
                default -> new SocketWorker(id, address);
            });
        }
        List<Thread> threads = new ArrayList<>();
        for (Worker w : all) threads.add(pool.startVirtualThread(() -> run(w)));

        Thread interrupter = Thread.ofPlatform().name("interrupter").start(() -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            while (!stop) {
                threads.get(rnd.nextInt(threads.size())).interrupt();
                interrupts.increment();
                LockSupport.parkNanos(rnd.nextLong(20_000, 200_000));
            }
        });
        long deadline = System.nanoTime() + limit.toNanos();
        while (tried.sum() < target && System.nanoTime() < deadline && failures.size() < 20) {
            Thread.sleep(50);
        }
        stop = true;
        interrupter.join();
        // Readers of an empty FIFO and blocked sockets end on an interrupt: the same path the storm took.
        for (Thread t : threads) {
            while (t.isAlive()) {
                t.interrupt();
                t.join(20);
            }
        }
        server.get().close();
        acceptor.join(10_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> echoes.get() == 0);
        Reliability.closeAndCheck(pool, fdsBefore);
        int canariesHit = 0;
        for (Worker w : all) {
            if (!w.canaries.allIntact()) canariesHit++;
        }

        Reliability.report("interrupt-storm",
                "%d threads, %,d operations tried (%s), %,d interrupts injected, "
                        + "%,d returned, %,d ClosedByInterruptException %s, %d canaries written after return, "
                        + "op tables empty, %d failures",
                workers, tried.sum(), Reliability.FALLBACK ? "file, socket" : "file, FIFO, socket", interrupts.sum(), succeeded.sum(), closedByInterrupt.sum(), new java.util.TreeMap<>(closedByKind),
                canariesHit, failures.size());
        assertEquals(List.of(), failures.stream().limit(5).toList());
        assertEquals(0, canariesHit, "buffers written after their call returned");
        assertTrue(tried.sum() >= target, "only " + tried.sum() + " operations in " + limit);
        for (Worker w : all) {
            String kind = w.getClass().getSimpleName();
            assertTrue(closedByKind.containsKey(kind), "no interrupt landed on a call of a " + kind);
        }
    }

    private Path fifo(int pair) throws Exception {
        Path p = dir.resolve("fifo" + pair);
        if (!Files.exists(p)) Reliability.mkfifo(p);
        return p;
    }

    private void run(Worker w) {
        try {
            while (!stop) {
                tried.increment();
                try {
                    w.step();
                    succeeded.increment();
                    if (Reliability.FALLBACK) {
                        // A fallback pool is the JDK's scheduler, which never preempts: file calls
                        // that never park would keep two workers on the carriers and the rest idle.
                        // A timed park requeues this one behind the others; an interrupt ends it
                        // and stays set for the next call.
                        LockSupport.parkNanos(1_000);
                    }
                } catch (ClosedByInterruptException e) {
                    closedByInterrupt.increment();
                    closedByKind.computeIfAbsent(w.getClass().getSimpleName(), k -> new LongAdder()).increment();
                    if (!Thread.interrupted()) failures.add(w + ": interrupt status cleared by " + e);
                    if (w.isOpen()) failures.add(w + ": still open after " + e);
                    w.forget();
                }
            }
        } catch (Throwable e) {
            failures.add(w + ": " + e);
        } finally {
            Thread.interrupted();
            w.close();
        }
    }

    private void acceptLoop(CarrierPool pool, AtomicReference<RingServerSocket> server, AtomicInteger echoes) {
        try (RingServerSocket ss = RingServerSocket.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096)) {
            server.set(ss);
            while (true) {
                RingSocket s = ss.accept();
                echoes.incrementAndGet();
                pool.startVirtualThread(() -> echo(s, echoes));
            }
        } catch (java.nio.channels.ClosedChannelException e) {
            // the test closed the listener: done
        } catch (Throwable e) {
            failures.add("acceptor: " + e);
        }
    }

    /** Echoes until the client goes; a client closed by an interrupt may reset the connection. */
    private void echo(RingSocket s, AtomicInteger echoes) {
        try (s) {
            ByteBuffer b = ByteBuffer.allocateDirect(4096);
            while (s.read(b) >= 0) {
                b.flip();
                while (b.hasRemaining()) s.write(b);
                b.clear();
            }
        } catch (IOException e) {
            // the client was interrupted and closed its end
        } catch (Throwable e) {
            failures.add("echo: " + e);
        } finally {
            echoes.decrementAndGet();
        }
    }

    /** One thread's calls on one kind of channel; {@link #step} is one call, reopening first if needed. */
    private abstract class Worker {
        final int id;
        final Canaries canaries = new Canaries(4096);
        /** The worker's channel; null until a step opens one, and again after an interrupt closed it. */
        java.nio.channels.Channel channel;

        Worker(int id) {
            this.id = id;
        }

        abstract void step() throws IOException;

        boolean isOpen() {
            return channel != null && channel.isOpen();
        }

        /** The channel was closed by an interrupt: the next step opens a new one. */
        void forget() {
            channel = null;
        }

        void close() {
            try {
                if (channel != null) channel.close();
            } catch (IOException e) {
                fail("close: " + e);
            }
        }

        ByteBuffer buffer(int length) {
            ByteBuffer b = canaries.take();
            if (b == null) {
                failures.add(this + ": a buffer changed after its call returned");
                b = ByteBuffer.allocate(length);
            }
            return b.limit(length);
        }

        void fail(String what) {
            failures.add(this + ": " + what);
        }

        @Override
        public String toString() {
            return getClass().getSimpleName() + " " + id;
        }
    }

    private static byte fileByte(int id, long pos) {
        return (byte) (((pos * 0x9E3779B1L) >>> 24) ^ id);
    }

    /** A worker on a file or FIFO, opened read-write (a FIFO so never waits for its other end, nor sees EOF). */
    private abstract class PathWorker extends Worker {
        final Path path;

        PathWorker(int id, Path path) {
            super(id);
            this.path = path;
        }

        FileChannel channel() throws IOException {
            if (channel == null) channel = RingFiles.open(path, READ, WRITE);
            return (FileChannel) channel;
        }
    }

    /** Positional and relative reads and writes on a regular file whose every byte is fixed by its offset. */
    private final class FileWorker extends PathWorker {
        FileWorker(int id, Path path) throws IOException {
            super(id, path);
            byte[] content = new byte[FILE_SIZE];
            for (int i = 0; i < FILE_SIZE; i++) content[i] = fileByte(id, i);
            Files.write(path, content);
        }

        @Override
        void step() throws IOException {
            FileChannel ch = channel();
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            int len = rnd.nextInt(1, 4097);
            long pos = rnd.nextLong(FILE_SIZE - len + 1);
            int kind = rnd.nextInt(4);
            ByteBuffer b = buffer(len);
            try {
                if (kind == 1 || kind == 3) {
                    for (int i = 0; i < len; i++) b.put(i, fileByte(id, pos + i));
                }
                if (kind >= 2) ch.position(pos);
                int n = switch (kind) {
                    case 0 -> ch.read(b, pos);
                    case 1 -> ch.write(b, pos);
                    case 2 -> ch.read(b);
                    default -> ch.write(b);
                };
                if (n != len) fail("kind " + kind + " of " + len + " bytes at " + pos + " gave " + n);
                if (kind == 0 || kind == 2) {
                    for (int i = 0; i < n; i++) {
                        if (b.get(i) != fileByte(id, pos + i)) {
                            fail("read wrong byte at " + (pos + i));
                            break;
                        }
                    }
                }
            } finally {
                Canaries.release(b);
            }
        }
    }

    private static byte recordByte(long seq, int i) {
        return (byte) (seq * 31 + i);
    }

    /** Writes numbered records; a write the interrupt closed may or may not have reached the pipe. */
    private final class PipeWriter extends PathWorker {
        long seq;

        PipeWriter(int id, Path fifo) {
            super(id, fifo);
        }

        @Override
        void step() throws IOException {
            FileChannel c = channel();
            ByteBuffer b = buffer(RECORD);
            try {
                seq++;
                b.putLong(0, seq);
                for (int i = 8; i < RECORD; i++) b.put(i, recordByte(seq, i));
                int n = c.write(b);
                if (n != RECORD) fail("record " + seq + ": wrote " + n);
            } finally {
                Canaries.release(b);
            }
        }
    }

    /**
     * Reads whole records: numbers must rise (a record can be lost with a
     * channel an interrupt closed, as with the JDK, but never repeated) and
     * every byte must match its number.
     */
    private final class PipeReader extends PathWorker {
        long last;

        PipeReader(int id, Path fifo) {
            super(id, fifo);
        }

        @Override
        void step() throws IOException {
            FileChannel c = channel();
            ByteBuffer b = buffer(RECORD);
            try {
                int n = c.read(b);
                if (n != RECORD) {
                    fail("read " + n + " bytes, not a whole record");
                    return;
                }
                long seq = b.getLong(0);
                if (seq <= last) fail("record " + seq + " after " + last);
                for (int i = 8; i < RECORD; i++) {
                    if (b.get(i) != recordByte(seq, i)) {
                        fail("record " + seq + " corrupt at " + i);
                        break;
                    }
                }
                last = seq;
            } finally {
                Canaries.release(b);
            }
        }
    }

    private static byte streamByte(long offset) {
        return (byte) (offset * 7 + (offset >>> 9));
    }

    /**
     * Sends chunks to the echo server and reads them back; the bytes of a
     * connection are fixed by their offset in it. Each step is one connect,
     * write or read.
     */
    private final class SocketWorker extends Worker {
        final InetSocketAddress server;
        long written, read;

        SocketWorker(int id, InetSocketAddress server) {
            super(id);
            this.server = server;
        }

        @Override
        void step() throws IOException {
            if (channel == null) {
                RingSocket fresh = RingSocket.open();
                channel = fresh;
                written = read = 0;
                fresh.connect(server);
                return;
            }
            RingSocket s = (RingSocket) channel;
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            if (written == read) {
                ByteBuffer b = buffer(rnd.nextInt(1, 2049));
                try {
                    for (int i = 0; i < b.limit(); i++) b.put(i, streamByte(written + i));
                    int n = s.write(b);
                    if (n != b.limit()) fail("blocking write of " + b.limit() + " wrote " + n);
                    written += n;
                } finally {
                    Canaries.release(b);
                }
                return;
            }
            ByteBuffer b = buffer((int) Math.min(4096, written - read));
            try {
                int n = s.read(b);
                if (n <= 0) {
                    fail("echo ended early: read gave " + n);
                    return;
                }
                for (int i = 0; i < n; i++) {
                    if (b.get(i) != streamByte(read + i)) {
                        fail("echoed byte at " + (read + i) + " differs");
                        break;
                    }
                }
                read += n;
            } finally {
                Canaries.release(b);
            }
        }
    }
}
