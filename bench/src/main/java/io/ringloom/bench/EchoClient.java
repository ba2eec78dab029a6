package io.ringloom.bench;

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
 * ping-pong 32 bytes; prints {@code roundtrips=N} for the measured window
 * and {@code window-start}/{@code window-end} lines the parent times IPIs by.
 */
public final class EchoClient {
    private EchoClient() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int connections = Integer.parseInt(args[1]);
        double warmup = Double.parseDouble(args[2]);
        double seconds = Double.parseDouble(args[3]);
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder roundTrips = new LongAdder();
        LongAdder failures = new LongAdder();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try (SocketChannel ch = SocketChannel.open(address)) {
                    ch.socket().setTcpNoDelay(true);
                    ByteBuffer out = ByteBuffer.allocateDirect(32), in = ByteBuffer.allocateDirect(32);
                    while (!stop.get()) {
                        out.clear();
                        while (out.hasRemaining()) ch.write(out);
                        in.clear();
                        while (in.hasRemaining()) {
                            if (ch.read(in) < 0) throw new IOException("server closed");
                        }
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
        long t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        long count = roundTrips.sum() - start;
        long elapsed = System.nanoTime() - t0;
        System.out.println("window-end");
        System.out.println("roundtrips=" + count + " nanos=" + elapsed + " failures=" + failures.sum());
        System.out.flush();
        stop.set(true);
        for (Thread t : threads) t.join(5_000);
        System.exit(0);
    }
}
