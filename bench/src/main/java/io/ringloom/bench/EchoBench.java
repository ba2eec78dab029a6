package io.ringloom.bench;

import io.ringloom.CarrierPool;
import io.ringloom.core.RingMode;
import io.ringloom.net.RingServerSocket;
import io.ringloom.net.RingSocket;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./ringloom bench echo}: an echo server whose handler spins about
 * 20 us per 32-byte message, thread per connection: on Ringloom's pool with
 * {@link RingServerSocket} (ring modes COOP and NONE) and on the JDK's default
 * virtual threads with {@code ServerSocketChannel}. The client is a separate
 * process ({@link EchoClient}: platform threads, ping-pong) with 16 and 64
 * connections. Reports round trips/s, and IPIs (RES+CAL, all CPUs) and
 * context switches (/proc/stat) per round trip over the client's window.
 *
 * <p>Arguments: {@code [--seconds S] [--work-us W] [--chart PATH]}; the chart of round
 * trips/s and IPIs against connections goes to {@code bench/results/echo.svg} unless
 * {@code --chart} says where.
 */
public final class EchoBench {
    private EchoBench() {}

    private static volatile int workMicros = 20;

    public static void main(String[] args) throws Exception {
        double seconds = 5;
        Path chartFile = Charts.defaultFile("echo");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--work-us" -> workMicros = Integer.parseInt(args[++i]);
                case "--chart" -> chartFile = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (known: --seconds --work-us --chart)");
            }
        }
        String machine = Machine.describe();
        System.out.println(machine);
        String setup = String.format(Locale.ROOT, "echo: 32-byte ping-pong, %d us of work per message, %.1f s per run, client in its own process",
                workMicros, seconds);
        System.out.println(setup);
        System.out.println();
        SvgChart chart = Charts.forRun("echo: thread-per-connection echo servers against connections", setup, machine)
                .xAxis("connections");
        SvgChart.Panel rate = chart.panel("Round trips per second (higher is better)", "round trips/s", SvgChart.Kind.LINES);
        SvgChart.Panel ipiPanel = chart.panel("IPIs per round trip, RES + CAL (lower is better)", "IPIs/round trip", SvgChart.Kind.LINES);
        System.out.println("| server | connections | round trips/s | IPIs/round trip | context switches/round trip |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (int connections : new int[] {16, 64}) {
            double jdk = 0, coop = 0, coopIpi = 0, noneIpi = 0;
            for (String server : new String[] {"Ringloom COOP", "Ringloom NONE", "JDK virtual threads"}) {
                double[] r = run(server, connections, seconds);
                System.out.printf(Locale.ROOT, "| %s | %d | %,.0f | %.3f | %.2f |%n", server, connections, r[0], r[1], r[2]);
                rate.value(server, Integer.toString(connections), r[0]);
                ipiPanel.value(server, Integer.toString(connections), r[1]);
                switch (server) {
                    case "Ringloom COOP" -> { coop = r[0]; coopIpi = r[1]; }
                    case "Ringloom NONE" -> noneIpi = r[1];
                    default -> jdk = r[0];
                }
            }
            System.out.printf(Locale.ROOT, "| %d connections: COOP / JDK round trips %.2fx (target >= 1.5x); COOP / NONE IPIs %.2fx (target <= 0.2x) | | | | |%n",
                    connections, coop / jdk, noneIpi > 0 ? coopIpi / noneIpi : Double.NaN);
            rate.target("target: COOP >= 1.5x JDK", Integer.toString(connections), 1.5 * jdk);
            ipiPanel.target("target: COOP <= 0.2x NONE", Integer.toString(connections), 0.2 * noneIpi);
        }
        Charts.write(chart, chartFile);
    }

    /** @return round trips/s, IPIs per round trip, context switches per round trip */
    private static double[] run(String server, int connections, double seconds) throws Exception {
        AutoCloseable closer;
        int port;
        List<Runnable> stops = new ArrayList<>();
        if (server.startsWith("Ringloom")) {
            CarrierPool pool = CarrierPool.builder()
                    .mode(server.endsWith("COOP") ? RingMode.COOP : RingMode.NONE).name("echo").build();
            if (pool.isFallback()) throw new IllegalStateException(pool.fallbackReason());
            RingServerSocket[] ss = new RingServerSocket[1];
            Object ready = new Object();
            pool.startVirtualThread(() -> {
                try {
                    RingServerSocket s = RingServerSocket.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
                    synchronized (ready) {
                        ss[0] = s;
                        ready.notifyAll();
                    }
                    while (true) {
                        RingSocket c = s.accept();
                        pool.startVirtualThread(() -> ringHandler(c));
                    }
                } catch (IOException closed) {
                    // server closed
                }
            });
            synchronized (ready) {
                while (ss[0] == null) ready.wait(100);
            }
            port = ss[0].localAddress().getPort();
            closer = () -> {
                ss[0].close();
                pool.close();
            };
        } else {
            ServerSocketChannel ss = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        SocketChannel c = ss.accept();
                        Thread.ofVirtual().start(() -> jdkHandler(c));
                    }
                } catch (IOException closed) {
                    // server closed
                }
            });
            port = ((InetSocketAddress) ss.getLocalAddress()).getPort();
            closer = () -> {
                ss.close();
                acceptor.join(5_000);
            };
        }
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process client = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    EchoClient.class.getName(), Integer.toString(port), Integer.toString(connections), "1",
                    Double.toString(seconds)).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream()));
            long[] irq0 = null, irq1 = null;
            long cs0 = 0, cs1 = 0;
            String line, result = null;
            while ((line = out.readLine()) != null) {
                if (line.equals("window-start")) { irq0 = Machine.ipis(); cs0 = Machine.contextSwitches(); }
                else if (line.equals("window-end")) { irq1 = Machine.ipis(); cs1 = Machine.contextSwitches(); }
                else if (line.startsWith("roundtrips=")) result = line;
            }
            client.waitFor();
            if (result == null || irq0 == null || irq1 == null) throw new IllegalStateException("client gave no result");
            Matcher m = Pattern.compile("roundtrips=(\\d+) nanos=(\\d+) failures=(\\d+)").matcher(result);
            if (!m.find()) throw new IllegalStateException(result);
            long rt = Long.parseLong(m.group(1));
            if (Long.parseLong(m.group(3)) > 0) throw new IllegalStateException(server + ": client connections failed: " + result);
            double ipis = (irq1[0] - irq0[0]) + (irq1[1] - irq0[1]);
            return new double[] {rt * 1e9 / Long.parseLong(m.group(2)), ipis / rt, (double) (cs1 - cs0) / rt};
        } finally {
            closer.close();
        }
    }

    private static void work() {
        long end = System.nanoTime() + workMicros * 1_000L;
        while (System.nanoTime() < end) Thread.onSpinWait();
    }

    private static void ringHandler(RingSocket c) {
        try {
            c.setTcpNoDelay(true);
        } catch (IOException e) {
            return;
        }
        handle(c);
    }

    private static void jdkHandler(SocketChannel c) {
        try {
            c.socket().setTcpNoDelay(true);
        } catch (IOException e) {
            return;
        }
        handle(c);
    }

    /** The same handler for both servers: read 32 bytes, work, echo them. */
    private static void handle(java.nio.channels.ByteChannel c) {
        try (c) {
            ByteBuffer buf = ByteBuffer.allocateDirect(32);
            while (true) {
                buf.clear();
                while (buf.hasRemaining()) {
                    if (c.read(buf) < 0) return;
                }
                work();
                c.write(buf.flip());
            }
        } catch (IOException e) {
            // client gone
        }
    }
}
