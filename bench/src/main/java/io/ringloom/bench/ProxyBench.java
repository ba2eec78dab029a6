package io.ringloom.bench;

import io.ringloom.demos.RingHttp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./ringloom bench proxy}: every request's handler makes a blocking call to a backend,
 * then answers: the workload where thread-per-connection servers spend their time waiting.
 *
 * <p>The backend is a mock in its own process ({@link NettyHello} {@code --delay-us}: Netty's
 * io_uring transport, each answer written 1 ms after its request from a task on the event
 * loop, which keeps serving meanwhile). The servers answer {@code GET /upstream} with the body
 * of a {@code GET /} to it, over a kept-alive backend connection per client connection (opened
 * at its first request; no pool to share or wait for): ringhttp {@code --upstream} on
 * Ringloom's sockets ({@code RingSocket} for the backend call) with rings in COOP and in NONE
 * mode, the same handler on the JDK's sockets and default virtual threads, and Netty 4.2
 * io_uring ({@link NettyHello} {@code --upstream}: the call made asynchronously through
 * Netty's own HTTP client on the connection's event loop).
 *
 * <p>Pinned ({@link Placement#PINNED}: the server alone on CPU 0, wrk, the open-loop client
 * and the backend on CPU 1) and unpinned, each:
 * <ul>
 * <li>closed loop: wrk at 64 and 256 connections, per server the columns of {@link HttpRun}
 *     (req/s, p50/p99, server CPU per request and kernel share, system calls, server context
 *     switches and IPIs per request);
 * <li>open loop: each server warmed up by wrk, then {@link OpenLoopClient} at 50% and 80% of
 *     the JDK server's peak req/s in the closed-loop runs of the same placement, latency from
 *     each request's due time (coordinated
 *     omission corrected), percentiles from HdrHistogram, with the server's CPU, context switches
 *     and IPIs per request over the window.
 * </ul>
 *
 * <p>Arguments: {@code [--pinned | --unpinned] [--seconds S] [--connections a,b] [--syscall-seconds S]
 * [--open-connections N] [--open-warmup S] [--open-seconds S] [--jdk-peak REQ_PER_S] [--delay-us US]
 * [--server-jvm-option OPT]... [--chart PATH]}; {@code --jdk-peak} sets the peak the open-loop rates
 * are taken from instead of the measured one (for a quick look at one rate; the closed loop still runs).
 *
 * <p>The chart of the run ({@code bench/results/proxy.svg} unless {@code --chart} says where), pinned
 * and unpinned side by side: the closed loop's peak req/s per server (the highest of its connection
 * counts, as the line under the table says; target 1.3x the JDK's), and the open loop's p99 at each
 * rate (target: the JDK's), a panel each.
 */
public final class ProxyBench {
    private ProxyBench() {}

    private static final String PATH = "/upstream";
    private static final double[] LOAD_FRACTIONS = {0.5, 0.8};
    /** How busy the load's CPU may be before the open loop's latencies are flagged as partly the load's own. */
    private static final double LOAD_SATURATED = 0.9;
    private static final String COOP = "ringhttp, Ringloom COOP", NONE = "ringhttp, Ringloom NONE",
            JDK = "ringhttp, JDK virtual threads", NETTY = "Netty 4.2 io_uring";

    public static void main(String[] args) throws Exception {
        int seconds = 10, syscallSeconds = 5, openConnections = 256, delayMicros = 1000;
        double openWarmup = 5, openSeconds = 10, jdkPeak = 0;
        int[] connections = {64, 256};
        boolean pinned = true, unpinned = true;
        List<String> serverOptions = new ArrayList<>();
        Path chartFile = Charts.defaultFile("proxy");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pinned" -> unpinned = false;
                case "--unpinned" -> pinned = false;
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--connections" -> connections = HttpBench.counts(args[++i]);
                case "--syscall-seconds" -> syscallSeconds = Integer.parseInt(args[++i]);
                case "--open-connections" -> openConnections = Integer.parseInt(args[++i]);
                case "--open-warmup" -> openWarmup = Double.parseDouble(args[++i]);
                case "--open-seconds" -> openSeconds = Double.parseDouble(args[++i]);
                case "--jdk-peak" -> jdkPeak = Double.parseDouble(args[++i]);
                case "--delay-us" -> delayMicros = Integer.parseInt(args[++i]);
                case "--server-jvm-option" -> serverOptions.add(args[++i]);
                case "--chart" -> chartFile = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (known: --pinned --unpinned --seconds "
                        + "--connections --syscall-seconds --open-connections --open-warmup --open-seconds --jdk-peak --delay-us "
                        + "--server-jvm-option --chart)");
            }
        }
        if (!pinned && !unpinned) throw new IllegalArgumentException("--pinned and --unpinned exclude each other");
        Wrk.requireInstalled();
        String machine = Machine.describe();
        System.out.println(machine);
        if (!serverOptions.isEmpty()) System.out.println("server JVM options: " + String.join(" ", serverOptions));
        String perf = SyscallCounter.unavailableReason();
        String setup = String.format(Locale.ROOT, "proxy: GET %s, whose handler makes a blocking GET / to a mock backend in its own process "
                + "(Netty io_uring, answering %d us after each request without blocking its loop), over a kept-alive backend "
                + "connection per client connection; Netty's handler calls it through Netty's own HTTP client", PATH, delayMicros);
        System.out.println(setup);
        System.out.println(HttpBench.pinnedLegend(syscallSeconds, perf));
        List<String> jvm = HttpBench.serverJvm(serverOptions);
        Settings s = new Settings(jvm, seconds, perf == null ? syscallSeconds : 0, connections, openConnections, openWarmup,
                openSeconds, jdkPeak, delayMicros, chart(setup, machine, serverOptions, connections));
        boolean ran = false;
        if (pinned) {
            String why = Placement.pinningUnavailable();
            if (why == null) {
                run(Placement.PINNED, s);
                ran = true;
            } else {
                System.out.println("\nproxy, pinned: not run: " + why);
                s.chart.chart.setup("proxy, pinned: not run: " + why);
            }
        }
        if (unpinned) {
            run(Placement.SHARED, s);
            ran = true;
        }
        System.out.println();
        if (ran) Charts.write(s.chart.chart, chartFile);
        else System.out.println("chart: not written, no table ran");
    }

    private record Settings(List<String> jvm, int seconds, int syscallSeconds, int[] connections, int openConnections,
                            double openWarmup, double openSeconds, double jdkPeak, int delayMicros, Chart chart) {}

    /** The run's chart, its categories the placements: the closed loop's peaks, and a panel per open-loop rate. */
    private record Chart(SvgChart chart, SvgChart.Panel peak, Map<Double, SvgChart.Panel> openP99) {}

    private static Chart chart(String setup, String machine, List<String> serverOptions, int[] connections) {
        SvgChart chart = Charts.forRun("proxy: a blocking backend call per request, closed and open loop", setup, machine).xAxis("placement");
        if (!serverOptions.isEmpty()) chart.setup("server JVM options: " + String.join(" ", serverOptions));
        List<String> counts = new ArrayList<>();
        for (int c : connections) counts.add(Integer.toString(c));
        SvgChart.Panel peak = chart.panel("Closed loop (wrk): peak req/s over " + String.join(" and ", counts)
                + " connections (higher is better)", "req/s", SvgChart.Kind.BARS);
        Map<Double, SvgChart.Panel> openP99 = new HashMap<>();
        for (double fraction : LOAD_FRACTIONS) {
            openP99.put(fraction, chart.panel(String.format(Locale.ROOT, "Open loop at %.0f%% of the JDK's peak: p99 latency "
                    + "(lower is better)", 100 * fraction), "p99 ms", SvgChart.Kind.BARS));
        }
        return new Chart(chart, peak, openP99);
    }

    /** The chart's category for a placement. */
    private static String category(Placement placement) {
        return placement == Placement.PINNED ? "pinned" : "unpinned";
    }

    private static List<HttpRun.Server> servers(List<String> jvm, int backendPort) {
        String upstream = "127.0.0.1:" + backendPort;
        return List.of(
                new HttpRun.Server(COOP, port -> HttpBench.command(jvm, "-Dringloom.ring.mode=COOP", RingHttp.class.getName(),
                        "--backend", "ringloom", "--upstream", upstream, "--port", Integer.toString(port)), HttpBench.RINGLOOM_CARRIERS),
                new HttpRun.Server(NONE, port -> HttpBench.command(jvm, "-Dringloom.ring.mode=NONE", RingHttp.class.getName(),
                        "--backend", "ringloom", "--upstream", upstream, "--port", Integer.toString(port)), HttpBench.RINGLOOM_CARRIERS),
                new HttpRun.Server(JDK, port -> HttpBench.command(jvm, RingHttp.class.getName(),
                        "--backend", "jdk", "--upstream", upstream, "--port", Integer.toString(port)), HttpBench.JDK_WORKERS),
                new HttpRun.Server(NETTY, port -> HttpBench.command(jvm, NettyHello.class.getName(),
                        Integer.toString(port), "--upstream", upstream), HttpBench.NETTY_LOOPS));
    }

    private static void run(Placement placement, Settings s) throws Exception {
        String where = placement == Placement.PINNED
                ? "pinned: each server alone on CPU " + Placement.SERVER_CPU + "; wrk -t1, the open-loop client and the backend on CPU " + Placement.LOAD_CPU
                : "unpinned: every process on every CPU; wrk -t2";
        System.out.println();
        System.out.printf(Locale.ROOT, "## proxy, %s%n%n", where);
        s.chart.chart.setup(String.format(Locale.ROOT, "%s; closed loop: wrk -d%ds after a %d s warm-up", where, s.seconds,
                HttpRun.warmupSeconds(placement)));
        List<String> backendCmd = new ArrayList<>(s.jvm);
        backendCmd.add(NettyHello.class.getName());
        try (ServerProcess backend = ServerProcess.start("mock backend", port -> {
            List<String> cmd = new ArrayList<>(backendCmd);
            cmd.addAll(List.of(Integer.toString(port), "--delay-us", Integer.toString(s.delayMicros)));
            return new ProcessBuilder(placement.load(cmd));
        })) {
            List<HttpRun.Server> servers = servers(s.jvm, backend.port);
            double jdkPeak = closedLoop(placement, s, servers);
            if (s.jdkPeak > 0) {
                System.out.printf(Locale.ROOT, "open loop: rates from --jdk-peak %,.0f req/s (measured: %,.0f)%n", s.jdkPeak, jdkPeak);
                jdkPeak = s.jdkPeak;
            }
            openLoop(placement, s, servers, jdkPeak);
        }
    }

    /** The closed-loop table; returns the JDK server's peak req/s. */
    private static double closedLoop(Placement placement, Settings s, List<HttpRun.Server> servers) throws Exception {
        System.out.printf(Locale.ROOT, "closed loop: wrk -d%ds after a %d s warm-up%n%n", s.seconds, HttpRun.warmupSeconds(placement));
        System.out.println(HttpRun.header());
        Map<String, Double> peak = new HashMap<>();
        List<String> after = new ArrayList<>();
        for (int c : s.connections) {
            Map<String, HttpRun.Result> at = new HashMap<>();
            for (HttpRun.Server server : servers) {
                HttpRun.Result r = HttpRun.measure(server, placement, c, s.seconds, s.syscallSeconds, PATH);
                System.out.println(HttpRun.row(server.name(), c, r));
                at.put(server.name(), r);
                peak.merge(server.name(), r.wrk().reqPerSec(), Math::max);
            }
            HttpRun.Result coop = at.get(COOP), none = at.get(NONE), jdk = at.get(JDK);
            after.add(String.format(Locale.ROOT, "%d connections: COOP / NONE IPIs per request %.2fx (target <= 0.2x); "
                    + "COOP / JDK context switches per request %.2fx server's own, %.2fx system-wide (target <= 0.5x); "
                    + "COOP / JDK server CPU per request %.2fx", c,
                    none.ipisPerRequest() > 0 ? coop.ipisPerRequest() / none.ipisPerRequest() : Double.NaN,
                    coop.serverContextSwitchesPerRequest() / jdk.serverContextSwitchesPerRequest(),
                    (coop.counted().contextSwitches() / coop.wrk().requests()) / (jdk.counted().contextSwitches() / jdk.wrk().requests()),
                    coop.cpuMicrosPerRequest() / jdk.cpuMicrosPerRequest()));
        }
        System.out.println();
        after.add(String.format(Locale.ROOT, "peak req/s: COOP %,.0f, NONE %,.0f, JDK %,.0f, Netty %,.0f; COOP / JDK %.2fx (target >= 1.3x), "
                + "COOP / Netty %.2fx", peak.get(COOP), peak.get(NONE), peak.get(JDK), peak.get(NETTY),
                peak.get(COOP) / peak.get(JDK), peak.get(COOP) / peak.get(NETTY)));
        after.forEach(System.out::println);
        System.out.println();
        for (HttpRun.Server server : servers) s.chart.peak.value(server.name(), category(placement), peak.get(server.name()));
        s.chart.peak.target("target: COOP >= 1.3x JDK", category(placement), 1.3 * peak.get(JDK));
        return peak.get(JDK);
    }

    /** What one open-loop run gave: the client's result line, and the counters over its window. */
    private record OpenRun(double targetRate, Map<String, String> result, Counters counted) {
        double get(String key) {
            return Double.parseDouble(result.get(key));
        }

        double millis(String key) {
            return get(key) / 1e3;
        }

        /** Requests answered in the window, the unit of the per-request columns. */
        double completed() {
            return get("completed");
        }
    }

    private static void openLoop(Placement placement, Settings s, List<HttpRun.Server> servers, double jdkPeak) throws Exception {
        System.out.printf(Locale.ROOT, "open loop: %d kept-alive connections, requests due at fixed intervals at %s of the JDK server's "
                + "peak (%,.0f req/s), %.0f s after a %.0f s warm-up at the same rate (each server first warmed up by wrk for %d s); "
                + "latency from each request's due time "
                + "(coordinated omission corrected), HdrHistogram; unfinished: due in the window, unanswered %d s after it "
                + "(counted in the percentiles with their wait so far); sender lateness: when the client sent a request minus when it was due%n%n",
                s.openConnections, fractions(), jdkPeak, s.openSeconds, s.openWarmup, HttpRun.warmupSeconds(placement),
                OpenLoopClient.DRAIN_SECONDS);
        System.out.println("| server | target req/s | answered req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | unfinished "
                + "| server CPU us/req | server context switches/req | IPIs/req | CPU " + Placement.LOAD_CPU + " busy | sender lateness p50/p99 us |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Map<String, OpenRun> runs = new HashMap<>();
        for (HttpRun.Server server : servers) {
            try (ServerProcess p = ServerProcess.start(server.name(),
                    port -> new ProcessBuilder(placement.server(server.command().apply(port))))) {
                Wrk.run(placement, s.openConnections, HttpRun.warmupSeconds(placement), "http://127.0.0.1:" + p.port + PATH, false);
                for (double fraction : LOAD_FRACTIONS) {
                    OpenRun r = openRun(p, placement, s, fraction * jdkPeak);
                    runs.put(server.name() + fraction, r);
                    double n = r.completed();
                    String flags = r.get("errors") > 0 || r.get("failures") > 0
                            ? String.format(Locale.ROOT, " (%.0f non-200 answers, %.0f connections lost)", r.get("errors"), r.get("failures")) : "";
                    System.out.printf(Locale.ROOT, "| %s | %,.0f | %,.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %.1f | %.2f | %.3f | %.0f%% | %s |%s%n",
                            server.name(), r.targetRate, r.get("rate"), r.millis("p50us"), r.millis("p90us"), r.millis("p99us"),
                            r.millis("p999us"), r.millis("maxus"), r.get("unfinished"),
                            n == 0 ? Double.NaN : r.counted.serverCpu().totalNanos() / 1e3 / n,
                            n == 0 ? Double.NaN : r.counted.serverContextSwitches() / n, n == 0 ? Double.NaN : r.counted.ipis() / n,
                            100 * r.counted.loadCpuBusy(), lateness(r), flags);
                }
            }
        }
        System.out.println();
        s.chart.chart.setup(String.format(Locale.ROOT, "open loop, %s: %d connections at %s of the JDK's peak (%,.0f req/s%s), "
                + "%.0f s after a %.0f s warm-up; p99 from each request's due time", category(placement), s.openConnections,
                fractions(), jdkPeak, s.jdkPeak > 0 ? ", from --jdk-peak" : "", s.openSeconds, s.openWarmup));
        for (double fraction : LOAD_FRACTIONS) {
            SvgChart.Panel p99 = s.chart.openP99.get(fraction);
            for (HttpRun.Server server : servers) {
                p99.value(server.name(), category(placement), runs.get(server.name() + fraction).millis("p99us"));
            }
            p99.target("target: COOP no worse than JDK", category(placement), runs.get(JDK + fraction).millis("p99us"));
        }
        for (double fraction : LOAD_FRACTIONS) {
            OpenRun coop = runs.get(COOP + fraction), jdk = runs.get(JDK + fraction);
            System.out.printf(Locale.ROOT, "%.0f%% of the JDK's peak: COOP p50 %.2f vs JDK %.2f ms, p99 %.2f vs %.2f ms (target: no worse)%n",
                    100 * fraction, coop.millis("p50us"), jdk.millis("p50us"), coop.millis("p99us"), jdk.millis("p99us"));
        }
        long saturated = runs.values().stream().filter(r -> r.counted.loadCpuBusy() >= LOAD_SATURATED).count();
        if (saturated > 0) {
            // near-saturated load: the same rates rerun gave other servers the better tail (bench/results/proxy.md, 2026-12-01 evening)
            System.out.printf(Locale.ROOT, "CPU %d was %.0f%% busy or more in %d of %d open-loop runs: the client and the backend "
                    + "waited for it, so those latencies are partly theirs and swing between runs; compare servers within a run%n",
                    Placement.LOAD_CPU, 100 * LOAD_SATURATED, saturated, runs.size());
        }
        if (runs.values().stream().anyMatch(r -> !"1ns".equals(r.result.get("slack")))) {
            System.out.println("the open-loop client could not set its timer slack (prctl): its sleeps overshoot by the default 50 us");
        }
    }

    /** The sender's lateness p50 / p99 in us; "-" when it sent no request itself (all found their connection busy). */
    private static String lateness(OpenRun r) {
        double p50 = r.get("lagp50us"), p99 = r.get("lagp99us");
        return Double.isNaN(p50) ? "-" : String.format(Locale.ROOT, "%.0f / %.0f", p50, p99);
    }

    private static String fractions() {
        List<String> f = new ArrayList<>();
        for (double x : LOAD_FRACTIONS) f.add(String.format(Locale.ROOT, "%.0f%%", 100 * x));
        return String.join(" and ", f);
    }

    private static OpenRun openRun(ServerProcess server, Placement placement, Settings s, double rate)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process client = new ProcessBuilder(placement.load(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), OpenLoopClient.class.getName(), Integer.toString(server.port), PATH,
                Integer.toString(s.openConnections), String.format(Locale.ROOT, "%.1f", rate), Double.toString(s.openWarmup),
                Double.toString(s.openSeconds)))).redirectErrorStream(true).start();
        Counters before = null, counted = null;
        Map<String, String> result = null;
        StringBuilder said = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream()))) {
            String line;
            while ((line = out.readLine()) != null) {
                said.append(line).append('\n');
                if (line.equals("window-start")) before = Counters.read(server.pid());
                else if (line.equals("window-end") && before != null) counted = Counters.read(server.pid()).since(before);
                else if (line.startsWith("scheduled=")) result = keyValues(line);
            }
        }
        client.waitFor();
        if (result == null || counted == null) {
            throw new IllegalStateException(server.name + ": the open-loop client gave no result; it said:\n" + said
                    + "the server said:\n" + server.output());
        }
        return new OpenRun(rate, result, counted);
    }

    private static Map<String, String> keyValues(String line) {
        Map<String, String> m = new HashMap<>();
        for (String kv : line.trim().split(" ")) {
            int eq = kv.indexOf('=');
            m.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return m;
    }
}
