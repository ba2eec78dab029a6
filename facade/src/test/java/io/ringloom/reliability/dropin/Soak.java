package io.ringloom.reliability.dropin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import javax.management.ObjectName;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * Scenario 4 of issue 17: the soak, through the JDK's types only. Socket
 * clients ({@code SocketChannel} and {@code java.net.Socket}, on virtual
 * threads) connect to blocking echo servers ({@code ServerSocketChannel} with
 * {@code newVirtualThreadPerTaskExecutor}, {@code ServerSocket} with
 * {@code Thread.ofVirtual}), echo 1-20 messages of up to 64 KiB and hang up,
 * over and over; file workers write files of up to 512 KiB ({@code FileChannel.open},
 * {@code Files.newOutputStream}, {@code Files.write}), read them back
 * ({@code FileChannel} with heap and direct buffers, {@code Files.newInputStream},
 * {@code Files.readAllBytes}), copy one in eight ({@code Files.copy}) and
 * delete them. Every byte is CRC-32 checked.
 *
 * <p>Watched as the in-process soak watches it: the fd count every second
 * under a fixed bound; after warm-up, every 10 s after a full GC, the heap in
 * use, the direct buffers and NMT's "Other" (FFM arenas, staging chunks), each
 * within the in-process soak's margins of its first checkpoint.
 */
final class Soak {
    private static final int CLIENTS = 24;
    private static final int FILE_WORKERS = 12;
    private static final int MESSAGE_MAX = 64 * 1024;
    private static final int FILE_MAX = 512 * 1024;
    private static final long MIB = 1 << 20;

    private final Path dir;
    private final LongAdder operations = new LongAdder(), bytes = new LongAdder(), mismatches = new LongAdder();
    private final ConcurrentLinkedQueue<Throwable> ended = new ConcurrentLinkedQueue<>();
    private final AtomicInteger echoes = new AtomicInteger();
    private final ConcurrentLinkedQueue<byte[]> echoBuffers = new ConcurrentLinkedQueue<>();
    private volatile boolean stop;

    private Soak(Path dir) {
        this.dir = dir;
    }

    static void main(String scenario, String[] args) throws Exception {
        Path dir = App.dir(args);
        App.settle(dir);
        Duration length = App.scaled(Duration.ofSeconds(Integer.parseInt(App.arg(args, "--seconds", "60"))),
                Duration.ofMinutes(10));
        Map<Integer, String> before = App.fds();
        new Soak(Files.createDirectories(dir.resolve("soak"))).run(scenario, length);
        App.checkEnd(scenario, before);
        App.finish();
    }

    private void run(String scenario, Duration length) throws Exception {
        // 15 s as in the in-process soak; a shorter run leaves room for two checkpoints 10 s apart
        Duration warmUp = Duration.ofSeconds(Math.min(15, length.toSeconds() / 3));
        ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
        ServerSocketChannel channelServer = ServerSocketChannel.open().bind(App.loopback(0), 1024);
        ServerSocket netServer = new ServerSocket(0, 1024, App.LOOPBACK);
        Thread channelAcceptor = Thread.ofVirtual().start(() -> acceptChannels(channelServer, handlers));
        Thread netAcceptor = Thread.ofVirtual().start(() -> acceptSockets(netServer));
        List<InetSocketAddress> servers = List.of((InetSocketAddress) channelServer.getLocalAddress(),
                (InetSocketAddress) netServer.getLocalSocketAddress());

        int fdBase = App.fds().size();
        // a client and its echo handler hold an fd each, a file worker two (a copy), a few for the JDK
        int fdBound = fdBase + 2 * CLIENTS + 2 * FILE_WORKERS + 16;
        ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            int id = i;
            Runnable body = () -> {
                Buffers b = new Buffers(MESSAGE_MAX);
                worker(() -> client(servers.get(id % 2), id % 4 < 2, b));
            };
            if (id % 2 == 0) threads.add(Thread.ofVirtual().start(body));
            else workers.submit(body);
        }
        for (int i = 0; i < FILE_WORKERS; i++) {
            int id = i;
            threads.add(Thread.ofVirtual().start(() -> {
                Buffers b = new Buffers(FILE_MAX);
                worker(() -> files(id, b));
            }));
        }

        long start = System.nanoTime();
        int fdMax = 0;
        List<Memory> checkpoints = new ArrayList<>();
        long nextCheckpoint = warmUp.toNanos();
        while (System.nanoTime() - start < length.toNanos() && ended.isEmpty() && App.failures() == 0) {
            Thread.sleep(1000);
            int fds = App.fds().size();
            fdMax = Math.max(fdMax, fds);
            if (fds > fdBound) App.fail("fd count " + fds + " over the bound " + fdBound + ": " + App.fds());
            if (System.nanoTime() - start >= nextCheckpoint) {
                checkpoints.add(Memory.now((System.nanoTime() - start) / 1_000_000_000L));
                nextCheckpoint += Duration.ofSeconds(10).toNanos();
            }
        }
        long ops = operations.sum(), checked = bytes.sum();
        stop = true;
        for (Thread t : threads) {
            if (!t.join(Duration.ofSeconds(30))) App.fail(t + " still running 30 s after the end");
        }
        workers.shutdown();
        if (!workers.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) App.fail("client workers still running");
        channelServer.close();
        netServer.close();
        channelAcceptor.join(10_000);
        netAcceptor.join(10_000);
        handlers.shutdown();
        if (!handlers.awaitTermination(20, java.util.concurrent.TimeUnit.SECONDS)) App.fail("echo handlers still running");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (echoes.get() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
        if (echoes.get() > 0) App.fail(echoes.get() + " echo handlers still running");
        for (Throwable e : ended) App.fail("a worker failed: " + e);

        if (checkpoints.size() < 2) {
            App.fail("too few memory checkpoints: " + checkpoints.size());
            checkpoints.add(Memory.now((System.nanoTime() - start) / 1_000_000_000L));
        }
        Memory first = checkpoints.getFirst(), last = checkpoints.getLast();
        // A buffer waiting for the GC's cleaner shows in one checkpoint, a leak in both of the last two.
        Memory beforeLast = checkpoints.get(Math.max(0, checkpoints.size() - 2));
        long lastDirect = Math.min(last.direct(), beforeLast.direct());
        long lastNative = Math.min(last.nativeOther(), beforeLast.nativeOther());
        App.report(scenario, "%d s, %d clients (SocketChannel, Socket) and %d file workers (FileChannel, Files streams, "
                        + "readAllBytes, copy), %,d operations, %,d MiB checked, %d CRC mismatches, %d workers failed; "
                        + "fds %d at start, at most %d (bound %d), none left; after warm-up heap %s, direct buffers %s, "
                        + "native (NMT Other) %s; %d failures",
                length.toSeconds(), CLIENTS, FILE_WORKERS, ops, checked / MIB, mismatches.sum(), ended.size(), fdBase,
                fdMax, fdBound, Memory.series(checkpoints, Memory::heap), Memory.series(checkpoints, Memory::direct),
                first.nativeOther() < 0 ? "(NMT off)" : Memory.series(checkpoints, Memory::nativeOther),
                App.failures() + (mismatches.sum() > 0 ? 1 : 0) + (grew(first, last, lastDirect, lastNative) ? 1 : 0));
        if (mismatches.sum() > 0) App.fail(mismatches.sum() + " CRC mismatches");
        if (ops == 0) App.fail("no traffic");
        if (last.heap() > first.heap() + first.heap() / 4 + 32 * MIB) {
            App.fail("heap after GC grew: " + Memory.series(checkpoints, Memory::heap));
        }
        if (lastDirect > first.direct() + 8 * MIB) App.fail("direct buffers grew: " + Memory.series(checkpoints, Memory::direct));
        if (first.nativeOther() >= 0 && lastNative > first.nativeOther() + 16 * MIB) {
            App.fail("native memory grew: " + Memory.series(checkpoints, Memory::nativeOther));
        }
    }

    private static boolean grew(Memory first, Memory last, long lastDirect, long lastNative) {
        return last.heap() > first.heap() + first.heap() / 4 + 32 * MIB || lastDirect > first.direct() + 8 * MIB
                || first.nativeOther() >= 0 && lastNative > first.nativeOther() + 16 * MIB;
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

    /** A worker's buffers, made once, so that direct memory shows what the drop-in holds, not what waits for the cleaner. */
    private static final class Buffers {
        final ByteBuffer directOut, directIn, heapOut, heapIn;
        final byte[] arrayOut, arrayIn;

        Buffers(int capacity) {
            directOut = ByteBuffer.allocateDirect(capacity);
            directIn = ByteBuffer.allocateDirect(capacity);
            heapOut = ByteBuffer.allocate(capacity);
            heapIn = ByteBuffer.allocate(capacity);
            arrayOut = heapOut.array();
            arrayIn = heapIn.array();
        }
    }

    private static long crc(ByteBuffer b) {
        CRC32 c = new CRC32();
        c.update(b.duplicate().position(0));
        return c.getValue();
    }

    private static long crc(byte[] a, int len) {
        CRC32 c = new CRC32();
        c.update(a, 0, len);
        return c.getValue();
    }

    // ------------------------------------------------------------- sockets

    private void acceptChannels(ServerSocketChannel server, ExecutorService handlers) {
        try {
            while (true) {
                SocketChannel c = server.accept();
                echoes.incrementAndGet();
                handlers.submit(() -> {
                    byte[] b = buffer();
                    try (c) {
                        ByteBuffer bb = ByteBuffer.wrap(b);
                        while (c.read(bb.clear()) >= 0) {
                            bb.flip();
                            while (bb.hasRemaining()) c.write(bb);
                        }
                    } catch (IOException e) {
                        if (!stop) ended.add(e);
                    } finally {
                        echoBuffers.offer(b);
                        echoes.decrementAndGet();
                    }
                });
            }
        } catch (ClosedChannelException e) {
            // closed at the end
        } catch (IOException e) {
            ended.add(e);
        }
    }

    private void acceptSockets(ServerSocket server) {
        try {
            while (true) {
                Socket s = server.accept();
                echoes.incrementAndGet();
                Thread.ofVirtual().start(() -> {
                    byte[] b = buffer();
                    try (s) {
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        int n;
                        while ((n = in.read(b)) >= 0) out.write(b, 0, n);
                    } catch (IOException e) {
                        if (!stop) ended.add(e);
                    } finally {
                        echoBuffers.offer(b);
                        echoes.decrementAndGet();
                    }
                });
            }
        } catch (IOException e) {
            if (!server.isClosed()) ended.add(e);
        }
    }

    /** Pooled: one made per connection would be garbage for the soak's heap figure. */
    private byte[] buffer() {
        byte[] b = echoBuffers.poll();
        return b != null ? b : new byte[MESSAGE_MAX];
    }

    /** One connection: a few random messages echoed back whole, then close. */
    private void client(InetSocketAddress server, boolean channel, Buffers buffers) throws IOException {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int messages = rnd.nextInt(1, 21);
        if (channel) {
            try (SocketChannel ch = SocketChannel.open(server)) {
                operations.increment();
                for (int m = 0; m < messages && !stop; m++) {
                    int size = rnd.nextInt(1, MESSAGE_MAX + 1);
                    ByteBuffer out = (rnd.nextBoolean() ? buffers.directOut : buffers.heapOut).clear().limit(size);
                    for (int i = 0; i < size; i += 8) out.put(i, (byte) rnd.nextInt());
                    long sent = crc(out);
                    while (out.hasRemaining()) ch.write(out);
                    ByteBuffer in = (rnd.nextBoolean() ? buffers.directIn : buffers.heapIn).clear().limit(size);
                    while (in.hasRemaining()) {
                        if (ch.read(in) < 0) throw new IOException("echo server hung up after " + in.position() + " of " + size);
                        operations.increment();
                    }
                    if (crc(in) != sent) mismatches.increment();
                    bytes.add(2L * size);
                }
            }
        } else {
            try (Socket s = new Socket(server.getAddress(), server.getPort())) {
                operations.increment();
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                for (int m = 0; m < messages && !stop; m++) {
                    int size = rnd.nextInt(1, MESSAGE_MAX + 1);
                    for (int i = 0; i < size; i += 8) buffers.arrayOut[i] = (byte) rnd.nextInt();
                    long sent = crc(buffers.arrayOut, size);
                    out.write(buffers.arrayOut, 0, size);
                    int got = in.readNBytes(buffers.arrayIn, 0, size);
                    if (got < size) throw new IOException("echo server hung up after " + got + " of " + size);
                    operations.increment();
                    if (crc(buffers.arrayIn, size) != sent) mismatches.increment();
                    bytes.add(2L * size);
                }
            }
        }
    }

    // --------------------------------------------------------------- files

    /** One file: written one of three ways, read back two of four ways, sometimes copied, deleted. */
    private void files(int id, Buffers buffers) throws IOException {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        Path f = dir.resolve("w" + id + "-" + rnd.nextLong(Long.MAX_VALUE));
        int size = rnd.nextInt(1, FILE_MAX + 1);
        for (int i = 0; i < size; i += 8) buffers.arrayOut[i] = (byte) rnd.nextInt();
        long crc = crc(buffers.arrayOut, size);
        try {
            switch (rnd.nextInt(3)) {
                case 0 -> {
                    ByteBuffer data = (rnd.nextBoolean() ? buffers.directOut : buffers.heapOut).clear().limit(size);
                    if (data.isDirect()) data.put(0, buffers.arrayOut, 0, size);
                    try (FileChannel ch = FileChannel.open(f, CREATE_NEW, WRITE)) {
                        while (data.hasRemaining()) ch.write(data);
                    }
                }
                case 1 -> {
                    try (OutputStream out = Files.newOutputStream(f, CREATE_NEW, WRITE)) {
                        out.write(buffers.arrayOut, 0, size);
                    }
                }
                default -> Files.write(f, java.util.Arrays.copyOf(buffers.arrayOut, size));
            }
            switch (rnd.nextInt(2)) {
                case 0 -> {
                    try (FileChannel ch = FileChannel.open(f, READ)) {
                        ByteBuffer back = (rnd.nextBoolean() ? buffers.directIn : buffers.heapIn).clear().limit(size);
                        while (back.hasRemaining()) {
                            if (ch.read(back, back.position()) < 0) throw new IOException(f + " ended early");
                        }
                        if (crc(back) != crc) mismatches.increment();
                    }
                }
                default -> {
                    try (InputStream in = Files.newInputStream(f)) {
                        int got = in.readNBytes(buffers.arrayIn, 0, size);
                        if (got != size || in.read() != -1 || crc(buffers.arrayIn, size) != crc) mismatches.increment();
                    }
                }
            }
            byte[] all = Files.readAllBytes(f);
            if (all.length != size || crc(all, size) != crc) mismatches.increment();
            if (rnd.nextInt(8) == 0) {
                Path copy = f.resolveSibling(f.getFileName() + ".copy");
                Files.copy(f, copy);
                byte[] copied = Files.readAllBytes(copy);
                if (copied.length != size || crc(copied, size) != crc) mismatches.increment();
                Files.delete(copy);
                operations.increment();
            }
            Files.delete(f);
            bytes.add(3L * size);
            operations.add(4);
        } finally {
            Files.deleteIfExists(f);   // only left after a failure
        }
    }

    /** One checkpoint, taken after a full GC; sizes in bytes, nativeOther -1 when NMT is off. */
    private record Memory(long atSecond, long heap, long direct, long nativeOther) {
        private static final Pattern OTHER = Pattern.compile("Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)");

        static Memory now(long atSecond) throws Exception {
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                    .filter(p -> p.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
            String nmt = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
            Matcher m = OTHER.matcher(nmt);
            return new Memory(atSecond, heap, direct, m.find() ? Long.parseLong(m.group(1)) * 1024 : -1);
        }

        static String series(List<Memory> ms, ToLongFunction<Memory> f) {
            StringBuilder sb = new StringBuilder();
            for (Memory m : ms) {
                if (!sb.isEmpty()) sb.append(", ");
                sb.append(String.format("%.1f", f.applyAsLong(m) / (double) MIB)).append(" MiB at ").append(m.atSecond).append(" s");
            }
            return sb.toString();
        }
    }
}
