package io.ringloom.net;

import io.ringloom.CarrierPool;
import io.ringloom.rings.sys.ProcFds;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.*;

/**
 * 10k concurrent loopback connections on pool threads, each echoing
 * checksummed data. The clients run on a pool in a child JVM, so each process
 * holds one fd per connection (the fd limit here is 20000 and cannot be raised).
 */
class ManyConnectionsIT {

    /** Connections that fit the fd limit: one fd each per process, plus headroom. */
    private static int connections() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                long soft = Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
                return (int) Math.min(10_000, soft - 1_000);
            }
        }
        return 1_000;
    }

    /** The client side, in the child JVM: {@code host port n}; prints {@code ok=K failed=F}. */
    public static void main(String[] args) throws Exception {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1]));
        int n = Integer.parseInt(args[2]);
        AtomicInteger ok = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        try (CarrierPool pool = CarrierPool.builder().carriers(2).name("manyconn").build()) {
            if (pool.isFallback() != FALLBACK) throw new IllegalStateException("fallback: " + pool.fallbackReason());
            List<Thread> clients = new ArrayList<>(n);
            java.util.concurrent.CountDownLatch allConnected = new java.util.concurrent.CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                int id = i;
                clients.add(pool.startVirtualThread(() -> {
                    byte[] data = new byte[512 + id % 1024];
                    new Random(id).nextBytes(data);
                    try (RingSocket s = RingSocket.open(address)) {
                        allConnected.countDown();
                        allConnected.await();   // all n open at once before any echo
                        s.write(ByteBuffer.wrap(data));
                        ByteBuffer back = ByteBuffer.allocate(data.length);
                        while (back.hasRemaining()) {
                            if (s.read(back) < 0) throw new IOException("EOF after " + back.position());
                        }
                        if (crc(back.array()) == crc(data)) ok.incrementAndGet();
                        else failures.add(new AssertionError("checksum mismatch on connection " + id));
                    } catch (Throwable e) {
                        allConnected.countDown();
                        failures.add(e);
                    }
                }));
            }
            for (Thread t : clients) t.join(120_000);
        }
        System.out.println("ok=" + ok.get() + " failed=" + failures.size());
        failures.stream().limit(5).forEach(e -> System.out.println("failure: " + e));
    }

    /** The suite also runs with -Dringloom.fallback=true: then the JDK's sockets carry the connections. */
    static final boolean FALLBACK = Boolean.getBoolean("ringloom.fallback");

    @Test
    void tenThousandEchoingConnections() throws Exception {
        int n = connections();
        System.out.println("ManyConnectionsIT: " + n + " connections (10000 wanted; the fd limit allows "
                + (n == 10_000 ? "them" : "only these") + ")");
        // In fallback mode the sockets here are the JDK's.
        Map<Integer, String> before = io.ringloom.FdSnapshots.afterJdkWarmUp();
        AtomicInteger open = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        try (CarrierPool pool = CarrierPool.builder().carriers(2).build()) {
            assertEquals(FALLBACK, pool.isFallback(), () -> "fallback: " + pool.fallbackReason());
            RingServerSocket[] server = new RingServerSocket[1];
            Thread acceptor = pool.startVirtualThread(() -> {
                try {
                    server[0] = RingServerSocket.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
                    synchronized (server) {
                        server.notifyAll();
                    }
                    while (true) {
                        RingSocket s = server[0].accept();
                        peak.accumulateAndGet(open.incrementAndGet(), Math::max);
                        pool.startVirtualThread(() -> {
                            echo(s);
                            open.decrementAndGet();
                        });
                    }
                } catch (IOException closed) {
                    // the server was closed: done
                }
            });
            synchronized (server) {
                while (server[0] == null) server.wait(100);
            }
            InetSocketAddress address = server[0].localAddress();
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                    "-Dringloom.fallback=" + FALLBACK,
                    "-cp", System.getProperty("java.class.path"), ManyConnectionsIT.class.getName(),
                    address.getAddress().getHostAddress(), Integer.toString(address.getPort()), Integer.toString(n));
            Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out;
            try (var toChild = child.getOutputStream(); var fromChild = child.getInputStream()) {
                out = new String(fromChild.readAllBytes());   // the pipes are ours to close
            }
            assertTrue(child.waitFor(180, java.util.concurrent.TimeUnit.SECONDS));
            server[0].close();
            acceptor.join(10_000);
            System.out.println("ManyConnectionsIT: client JVM said: " + out.trim() + "; server peak connections "
                    + peak.get() + "; " + pool.stats());
            assertEquals(0, child.exitValue(), out);
            assertTrue(out.contains("ok=" + n + " failed=0"), out);
            // The client JVM holds all n connected before any echo starts (its latch);
            // the server may still have some in its accept queue when the first close.
            assertEquals(List.of(), pool.carrierFailures());
        }
        // A fallback pool's close does not wait for its threads: echo handlers may still be closing.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .untilAsserted(() -> assertEquals(Map.of(), ProcFds.leakedSince(before)));
    }

    private static void echo(RingSocket s) {
        try (s) {
            ByteBuffer buf = ByteBuffer.allocateDirect(4096);
            while (s.read(buf.clear()) > 0) {
                s.write(buf.flip());
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }
}
