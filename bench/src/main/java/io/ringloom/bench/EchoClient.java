package io.ringloom.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The load for {@code bench echo}, run as its own process: {@code port
 * connections warmupSeconds seconds}. Platform threads, one per connection,
 * ping-pong 32 bytes; prints {@code window-start}/{@code window-end} lines the
 * parent reads its counters by, then {@code roundtrips=N nanos=N failures=N}
 * for the measured window, the window's round-trip latency percentiles in
 * microseconds ({@code p50us= p99us=}), and {@code all=N}, the round trips of
 * the whole run, warm-up included.
 */
public final class EchoClient {
    private EchoClient() {}

    /** Round trips are recorded in nanoseconds with 3 significant digits. */
    private static final int SIGNIFICANT_DIGITS = 3;

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int connections = Integer.parseInt(args[1]);
        double warmup = Double.parseDouble(args[2]);
        double seconds = Double.parseDouble(args[3]);
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean measuring = new AtomicBoolean();
        LongAdder roundTrips = new LongAdder();
        LongAdder failures = new LongAdder();
        List<Thread> threads = new ArrayList<>();
        List<Histogram> latencies = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Histogram latency = new Histogram(SIGNIFICANT_DIGITS);   // written by its thread only, read after it ended
            latencies.add(latency);
            threads.add(Thread.ofPlatform().start(() -> {
                try (SocketChannel ch = SocketChannel.open(address)) {
                    ch.socket().setTcpNoDelay(true);
                    ByteBuffer out = ByteBuffer.allocateDirect(32), in = ByteBuffer.allocateDirect(32);
                    while (!stop.get()) {
                        long t0 = System.nanoTime();
                        out.clear();
                        while (out.hasRemaining()) ch.write(out);
                        in.clear();
                        while (in.hasRemaining()) {
                            if (ch.read(in) < 0) throw new IOException("server closed");
                        }
                        if (measuring.get()) latency.recordValue(System.nanoTime() - t0);
                        roundTrips.increment();
                    }
                } catch (IOException e) {
                    failures.increment();
                }
            }));
        }
        Thread.sleep((long) (warmup * 1000));
        long start = roundTrips.sum();
        System.out.println("window-start");
        System.out.flush();
        measuring.set(true);
        long t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        measuring.set(false);
        long count = roundTrips.sum() - start;
        long elapsed = System.nanoTime() - t0;
        System.out.println("window-end");
        System.out.flush();
        stop.set(true);
        for (Thread t : threads) t.join(5_000);
        Histogram all = new Histogram(SIGNIFICANT_DIGITS);
        latencies.forEach(all::add);
        System.out.printf(java.util.Locale.ROOT, "roundtrips=%d nanos=%d failures=%d p50us=%.1f p99us=%.1f all=%d%n", count, elapsed,
                failures.sum(), all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(99) / 1e3, roundTrips.sum());
        System.out.flush();
        System.exit(0);
    }
}
