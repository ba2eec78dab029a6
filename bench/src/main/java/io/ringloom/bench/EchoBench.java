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
 * <p>Arguments: {@code [--pinned | --unpinned] [--seconds S] [--work-us W] [--syscall-seconds S] [--chart PATH]};
 * the chart of the tables against connections (unpinned: round trips/s and IPIs per round
 * trip; pinned: server CPU per round trip, each a panel) goes to {@code bench/results/echo.svg}
 * unless {@code --chart} says where.
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
        Path chartFile = Charts.defaultFile("echo");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--work-us" -> workMicros = Integer.parseInt(args[++i]);
                case "--syscall-seconds" -> syscallSeconds = Integer.parseInt(args[++i]);
                case "--pinned" -> unpinned = false;
                case "--unpinned" -> pinned = false;
                case "--chart" -> chartFile = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (known: --pinned --unpinned --seconds --work-us --syscall-seconds --chart)");
            }
        }
        if (!pinned && !unpinned) throw new IllegalArgumentException("--pinned and --unpinned exclude each other");
        String machine = Machine.describe();
        System.out.println(machine);
        SvgChart chart = Charts.forRun("echo: thread-per-connection echo servers against connections", machine)
                .xAxis("connections");
        boolean charted = false;
        if (unpinned) charted = runUnpinned(seconds, workMicros, chart);
        if (pinned) charted |= runPinned(seconds, workMicros, syscallSeconds, chart);
        if (charted) Charts.write(chart, chartFile);
        else System.out.println("chart: not written, no table ran");
    }

    /** The unpinned table, and its round trips/s and IPIs per round trip as panels of {@code chart}; returns true (it always runs). */
    private static boolean runUnpinned(double seconds, int workMicros, SvgChart chart) throws Exception {
        String setup = String.format(Locale.ROOT, "echo: 32-byte ping-pong, %d us of work per message, %.1f s per run, client in its own process",
                workMicros, seconds);
        System.out.println(setup);
        System.out.println();
        chart.setup(setup);
        SvgChart.Panel rate = chart.panel("Round trips per second, unpinned (higher is better)", "round trips/s", SvgChart.Kind.LINES);
        SvgChart.Panel ipiPanel = chart.panel("IPIs per round trip, RES + CAL, unpinned (lower is better)", "IPIs/round trip",
                SvgChart.Kind.LINES);
        System.out.println("| server | connections | round trips/s | IPIs/round trip | context switches/round trip |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (int connections : CONNECTIONS) {
            double jdk = 0, coop = 0, coopIpi = 0, noneIpi = 0;
            for (EchoServer.Kind server : EchoServer.Kind.values()) {
                double[] r = run(server, workMicros, connections, seconds);
                System.out.printf(Locale.ROOT, "| %s | %d | %,.0f | %.3f | %.2f |%n", server.label, connections, r[0], r[1], r[2]);
                rate.value(server.label, Integer.toString(connections), r[0]);
                ipiPanel.value(server.label, Integer.toString(connections), r[1]);
                switch (server) {
                    case COOP -> { coop = r[0]; coopIpi = r[1]; }
                    case NONE -> noneIpi = r[1];
                    case JDK -> jdk = r[0];
                }
            }
            System.out.printf(Locale.ROOT, "| %d connections: COOP / JDK round trips %.2fx (target >= 1.5x); COOP / NONE IPIs %.2fx (target <= 0.2x) | | | | |%n",
                    connections, coop / jdk, noneIpi > 0 ? coopIpi / noneIpi : Double.NaN);
            rate.target("target: COOP >= 1.5x JDK", Integer.toString(connections), 1.5 * jdk);
            ipiPanel.target("target: COOP <= 0.2x NONE", Integer.toString(connections), 0.2 * noneIpi);
        }
        return true;
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

    /**
     * The pinned table, and its server CPU per round trip as a panel of {@code chart} with issue 14's
     * target for COOP (1.3x the JDK's round trips per server CPU-second: at most the JDK's CPU per
     * round trip / 1.3); returns whether it ran.
     */
    private static boolean runPinned(double seconds, int workMicros, int syscallSeconds, SvgChart chart) throws Exception {
        String why = Placement.pinningUnavailable();
        if (why != null) {
            System.out.println("echo, pinned: not run: " + why);
            chart.setup("echo, pinned: not run: " + why);
            return false;
        }
        String perf = SyscallCounter.unavailableReason();
        String setup = String.format(Locale.ROOT, "echo, pinned: each server in its own process alone on CPU %d (taskset), the client on CPU %d; "
                + "32-byte ping-pong, %d us of work per message, %.1f s after a %.0f s warm-up",
                Placement.SERVER_CPU, Placement.LOAD_CPU, workMicros, seconds, PINNED_WARMUP_SECONDS);
        System.out.println();
        System.out.println(setup);
        chart.setup(setup);
        SvgChart.Panel cpu = chart.panel("Server CPU time per round trip, pinned (lower is better)",
                "server CPU us/round trip", SvgChart.Kind.LINES);
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
                cpu.value(server.label, Integer.toString(connections), r.cpuMicrosPerRoundTrip());
                switch (server) {
                    case COOP -> coop = r;
                    case NONE -> none = r;
                    case JDK -> jdk = r;
                }
            }
            cpu.target("target: COOP <= JDK's / 1.3", Integer.toString(connections), jdk.cpuMicrosPerRoundTrip() / 1.3);
            double coopIpis = coop.counted.ipis() / (double) coop.client.roundTrips;
            double noneIpis = none.counted.ipis() / (double) none.client.roundTrips;
            after.add(String.format(Locale.ROOT, "%d connections: round trips per server CPU-second, COOP / JDK %.2fx (target >= 1.3x); "
                    + "COOP / NONE IPIs %.2fx (target <= 0.2x)", connections,
                    jdk.cpuMicrosPerRoundTrip() / coop.cpuMicrosPerRoundTrip(), noneIpis > 0 ? coopIpis / noneIpis : Double.NaN));
        }
        System.out.println();
        after.forEach(System.out::println);
        return true;
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
