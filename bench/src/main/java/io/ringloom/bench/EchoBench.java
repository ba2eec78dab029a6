package io.ringloom.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./ringloom bench echo}: an echo server whose handler spins about
 * 20 us per 32-byte message, thread per connection: on Ringloom's pool with
 * {@code RingServerSocket} (ring modes COOP and NONE) and on the JDK's default
 * virtual threads with {@code ServerSocketChannel} ({@link EchoServer}). The
 * client is a separate process ({@link EchoClient}: platform threads, ping-pong)
 * with 16 and 64 connections.
 *
 * <p>Two tables. Unpinned: the server in this JVM, everything on every CPU; round
 * trips/s, and IPIs (RES+CAL, all CPUs) and context switches (/proc/stat) per round
 * trip over the client's window. Pinned ({@link Placement#PINNED}): each server in a
 * process of its own alone on CPU 0 (one carrier, or one scheduler worker), the client
 * on CPU 1; round trips/s, p50/p99 of a round trip, the server's CPU time per round trip
 * and the kernel's share, its system calls per round trip (perf, over a client run of
 * their own), its own context switches, IPIs, how busy CPU 1 was, and its work threads.
 * {@code --pinned} runs only the pinned table, {@code --unpinned} only the other.
 *
 * <p>Arguments: {@code [--pinned | --unpinned] [--seconds S] [--work-us W] [--syscall-seconds S]}.
 */
public final class EchoBench {
    private EchoBench() {}

    private static final int[] CONNECTIONS = {16, 64};
    /** The client's warm-up before its measured window, in seconds. */
    private static final double WARMUP_SECONDS = 1;
    /** The same for a pinned server, which compiles on the one CPU it serves from. */
    private static final double PINNED_WARMUP_SECONDS = 10;

    public static void main(String[] args) throws Exception {
        double seconds = 5;
        int workMicros = 20;
        int syscallSeconds = 3;
        boolean pinned = true, unpinned = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--work-us" -> workMicros = Integer.parseInt(args[++i]);
                case "--syscall-seconds" -> syscallSeconds = Integer.parseInt(args[++i]);
                case "--pinned" -> unpinned = false;
                case "--unpinned" -> pinned = false;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (known: --pinned --unpinned --seconds --work-us --syscall-seconds)");
            }
        }
        if (!pinned && !unpinned) throw new IllegalArgumentException("--pinned and --unpinned exclude each other");
        System.out.println(Machine.describe());
        if (unpinned) runUnpinned(seconds, workMicros);
        if (pinned) runPinned(seconds, workMicros, syscallSeconds);
    }

    private static void runUnpinned(double seconds, int workMicros) throws Exception {
        System.out.printf(Locale.ROOT, "echo: 32-byte ping-pong, %d us of work per message, %.1f s per run, client in its own process%n%n",
                workMicros, seconds);
        System.out.println("| server | connections | round trips/s | IPIs/round trip | context switches/round trip |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (int connections : CONNECTIONS) {
            double jdk = 0, coop = 0, coopIpi = 0, noneIpi = 0;
            for (EchoServer.Kind server : EchoServer.Kind.values()) {
                double[] r = run(server, workMicros, connections, seconds);
                System.out.printf(Locale.ROOT, "| %s | %d | %,.0f | %.3f | %.2f |%n", server.label, connections, r[0], r[1], r[2]);
                switch (server) {
                    case COOP -> { coop = r[0]; coopIpi = r[1]; }
                    case NONE -> noneIpi = r[1];
                    case JDK -> jdk = r[0];
                }
            }
            System.out.printf(Locale.ROOT, "| %d connections: COOP / JDK round trips %.2fx (target >= 1.5x); COOP / NONE IPIs %.2fx (target <= 0.2x) | | | | |%n",
                    connections, coop / jdk, noneIpi > 0 ? coopIpi / noneIpi : Double.NaN);
        }
    }

    /** @return round trips/s, IPIs per round trip, context switches per round trip */
    private static double[] run(EchoServer.Kind server, int workMicros, int connections, double seconds) throws Exception {
        EchoServer.Running running = EchoServer.start(server, workMicros, 0);
        try {
            long[] irq0 = null, irq1 = null;
            long cs0 = 0, cs1 = 0;
            Process client = client(Placement.SHARED, running.port(), connections, WARMUP_SECONDS, seconds).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream()));
            String line;
            ClientResult result = null;
            while ((line = out.readLine()) != null) {
                if (line.equals("window-start")) { irq0 = Machine.ipis(); cs0 = Machine.contextSwitches(); }
                else if (line.equals("window-end")) { irq1 = Machine.ipis(); cs1 = Machine.contextSwitches(); }
                else if (line.startsWith("roundtrips=")) result = ClientResult.parse(server.label, line);
            }
            client.waitFor();
            if (result == null || irq0 == null || irq1 == null) throw new IllegalStateException("client gave no result");
            double ipis = (irq1[0] - irq0[0]) + (irq1[1] - irq0[1]);
            return new double[] {result.perSecond(), ipis / result.roundTrips, (double) (cs1 - cs0) / result.roundTrips};
        } finally {
            running.closer().close();
        }
    }

    /** The client's command: {@link EchoClient} where {@code placement} puts load. */
    private static ProcessBuilder client(Placement placement, int port, int connections, double warmup, double seconds) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(placement.load(List.of(java, "-cp", System.getProperty("java.class.path"),
                EchoClient.class.getName(), Integer.toString(port), Integer.toString(connections), Double.toString(warmup),
                Double.toString(seconds)))).redirectErrorStream(true);
    }

    /** The client's result line: round trips and nanoseconds of its window, failures, p50/p99 in us, round trips of the whole run. */
    record ClientResult(long roundTrips, long nanos, double p50Micros, double p99Micros, long all) {
        private static final Pattern LINE = Pattern.compile(
                "roundtrips=(\\d+) nanos=(\\d+) failures=(\\d+) p50us=([0-9.]+) p99us=([0-9.]+) all=(\\d+)");

        static ClientResult parse(String server, String line) {
            Matcher m = LINE.matcher(line);
            if (!m.find()) throw new IllegalStateException(line);
            if (Long.parseLong(m.group(3)) > 0) throw new IllegalStateException(server + ": client connections failed: " + line);
            return new ClientResult(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Double.parseDouble(m.group(4)),
                    Double.parseDouble(m.group(5)), Long.parseLong(m.group(6)));
        }

        double perSecond() {
            return roundTrips * 1e9 / nanos;
        }
    }

    // --------------------------------------------------------- pinned

    private static void runPinned(double seconds, int workMicros, int syscallSeconds) throws Exception {
        String why = Placement.pinningUnavailable();
        if (why != null) {
            System.out.println("echo, pinned: not run: " + why);
            return;
        }
        String perf = SyscallCounter.unavailableReason();
        System.out.printf(Locale.ROOT, "%necho, pinned: each server in its own process alone on CPU %d (taskset), the client on CPU %d; "
                + "32-byte ping-pong, %d us of work per message, %.1f s after a %.0f s warm-up%n",
                Placement.SERVER_CPU, Placement.LOAD_CPU, workMicros, seconds, PINNED_WARMUP_SECONDS);
        System.out.println(HttpBench.pinnedLegend(syscallSeconds, perf).replace("wrk run", "client run"));
        System.out.println();
        System.out.println("| server | connections | round trips/s | p50 us | p99 us | server CPU us/round trip | kernel share "
                + "| syscalls/round trip | top syscalls/round trip | server context switches/round trip | IPIs/round trip "
                + "| CPU " + Placement.LOAD_CPU + " busy | work threads |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|");
        List<String> after = new ArrayList<>();
        for (int connections : CONNECTIONS) {
            PinnedRun coop = null, none = null, jdk = null;
            for (EchoServer.Kind server : EchoServer.Kind.values()) {
                PinnedRun r = runPinned(server, workMicros, connections, seconds, perf == null ? syscallSeconds : 0);
                double rt = r.client.roundTrips;
                System.out.printf(Locale.ROOT, "| %s | %d | %,.0f | %.1f | %.1f | %.1f | %.0f%% | %s | %s | %.2f | %.3f | %.0f%% | %d |%n",
                        server.label, connections, r.client.perSecond(), r.client.p50Micros, r.client.p99Micros,
                        r.cpuMicrosPerRoundTrip(), 100 * r.counted.serverCpu().kernelShare(),
                        r.syscalls == null ? "-" : String.format(Locale.ROOT, "%.2f", r.syscalls.total() / r.countedRoundTrips),
                        r.syscalls == null ? "not counted" : r.syscalls.top(HttpRun.TOP_SYSCALLS, r.countedRoundTrips),
                        r.counted.serverContextSwitches() / rt, r.counted.ipis() / rt, 100 * r.counted.loadCpuBusy(), r.workThreads);
                switch (server) {
                    case COOP -> coop = r;
                    case NONE -> none = r;
                    case JDK -> jdk = r;
                }
            }
            double coopIpis = coop.counted.ipis() / (double) coop.client.roundTrips;
            double noneIpis = none.counted.ipis() / (double) none.client.roundTrips;
            after.add(String.format(Locale.ROOT, "%d connections: round trips per server CPU-second, COOP / JDK %.2fx (target >= 1.3x); "
                    + "COOP / NONE IPIs %.2fx (target <= 0.2x)", connections,
                    jdk.cpuMicrosPerRoundTrip() / coop.cpuMicrosPerRoundTrip(), noneIpis > 0 ? coopIpis / noneIpis : Double.NaN));
        }
        System.out.println();
        after.forEach(System.out::println);
    }

    /** One pinned server: the client's timed run, the counters over its window, work threads, and system calls of a client run of their own. */
    record PinnedRun(ClientResult client, Counters counted, int workThreads, SyscallCounter.Counts syscalls, double countedRoundTrips) {
        double cpuMicrosPerRoundTrip() {
            return counted.serverCpu().totalNanos() / 1e3 / client.roundTrips;
        }
    }

    private static PinnedRun runPinned(EchoServer.Kind kind, int workMicros, int connections, double seconds, int syscallSeconds)
            throws Exception {
        List<String> cmd = new ArrayList<>(HttpBench.serverJvm(List.of()));
        cmd.addAll(List.of(EchoServer.class.getName(), kind.name(), Integer.toString(workMicros)));
        try (ServerProcess server = ServerProcess.start(kind.label, Placement.PINNED.server(cmd))) {
            Counters before = null, counted = null;
            ClientResult result = null;
            Process client = client(Placement.PINNED, server.port, connections, PINNED_WARMUP_SECONDS, seconds).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream()));
            String line;
            while ((line = out.readLine()) != null) {
                if (line.equals("window-start")) before = Counters.read(server.pid());
                else if (line.equals("window-end") && before != null) counted = Counters.read(server.pid()).since(before);
                else if (line.startsWith("roundtrips=")) result = ClientResult.parse(kind.label, line);
            }
            client.waitFor();
            if (result == null || counted == null) throw new IllegalStateException(kind.label + ": the client gave no result");
            int workThreads = Machine.threadsNamed(server.pid(),
                    kind == EchoServer.Kind.JDK ? HttpBench.JDK_WORKERS : "echo-carrier-");
            SyscallCounter.Counts syscalls = null;
            long countedRoundTrips = 0;
            if (syscallSeconds > 0) {
                // counted over the client's whole run, connecting and warm-up included, and divided by its round trips
                try (SyscallCounter perf = SyscallCounter.attach(server.pid())) {
                    perf.enable();
                    Process counting = client(Placement.PINNED, server.port, connections, 0, syscallSeconds).start();
                    String all = new String(counting.getInputStream().readAllBytes());
                    counting.waitFor();
                    syscalls = perf.disable();
                    Matcher m = Pattern.compile("roundtrips=.*").matcher(all);
                    if (!m.find()) throw new IllegalStateException(kind.label + ": the counting client gave no result: " + all);
                    countedRoundTrips = ClientResult.parse(kind.label, m.group()).all;
                }
            }
            return new PinnedRun(result, counted, workThreads, syscalls, countedRoundTrips);
        }
    }
}
