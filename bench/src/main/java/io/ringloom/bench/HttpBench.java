package io.ringloom.bench;

import io.ringloom.demos.RingHttp;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

/**
 * {@code ./ringloom bench http}: wrk (Debian's package; 2 threads, 10 s, 64,
 * 256 and 1024 connections) against ringhttp on Ringloom, the same handler
 * on the JDK's ServerSocket and default virtual threads, and a Netty 4.2
 * io_uring hello server ({@link NettyHello}) answering the same bytes. Each
 * server runs in its own process. Reports req/s, p50/p99 latency, and IPIs
 * and context switches per request (system-wide, over wrk's run).
 *
 * <p>Then the pinned table ({@link Placement#PINNED}): each server alone on CPU 0, so
 * it sizes itself to one carrier, one event loop or one scheduler worker, and
 * {@code wrk -t1} on CPU 1, at 64 and 256 connections. Per server: req/s, p50/p99,
 * the server's own CPU time per request and the kernel's share of it, its system
 * calls per request (counted by perf over a run of their own, see {@link HttpRun}),
 * its own context switches per request, IPIs per request, how busy CPU 1 was, and
 * its work threads (1 when it sized itself to the CPU it has). {@code --pinned} runs
 * only this table, {@code --unpinned} only the first.
 *
 * <p>With {@code --unmodified} it runs instead ringhttp's JDK backend alone,
 * unchanged ({@code RingHttp --backend jdk}: {@code java.net.ServerSocket} and a
 * {@code Thread.ofVirtual()} thread per connection), once in a JVM started
 * without options and once with the options {@code ./ringloom jvm-flags} prints,
 * under the same wrk runs; it adds each server JVM's own CPU time per request
 * and how many Ringloom carrier threads it had.
 *
 * <p>Arguments: {@code [--unmodified | --pinned | --unpinned] [--seconds S] [--connections a,b,c]
 * [--pinned-connections a,b] [--syscall-seconds S] [--server-jvm-option OPT]... [--chart PATH]};
 * each {@code --server-jvm-option} is given to every server's JVM (e.g. a JFR
 * recording, to measure what it costs). The chart of the tables, against
 * connections, goes to {@code bench/results/http.svg} ({@code http-unmodified.svg}
 * with {@code --unmodified}) unless {@code --chart} says where: the unpinned table's
 * req/s and p99, and the pinned table's server CPU per request, each a panel.
 */
public final class HttpBench {
    private HttpBench() {}

    /** The work threads that show how each server sized itself: Ringloom's carriers, Netty's event loops, the JDK scheduler's workers. */
    static final String RINGLOOM_CARRIERS = "ringloom-carrier-", NETTY_LOOPS = "multiThreadIoEventLoopGroup-",
            JDK_WORKERS = "ForkJoinPool-1-worker-";

    public static void main(String[] args) throws Exception {
        int seconds = 10;
        int syscallSeconds = 5;
        int[] connections = {64, 256, 1024};
        int[] pinnedConnections = {64, 256};
        List<String> serverOptions = new ArrayList<>();
        boolean unmodified = false, pinned = true, unpinned = true;
        Path chartFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--unmodified" -> unmodified = true;
                case "--pinned" -> unpinned = false;
                case "--unpinned" -> pinned = false;
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--syscall-seconds" -> syscallSeconds = Integer.parseInt(args[++i]);
                case "--connections" -> connections = counts(args[++i]);
                case "--pinned-connections" -> pinnedConnections = counts(args[++i]);
                case "--server-jvm-option" -> serverOptions.add(args[++i]);
                case "--chart" -> chartFile = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (known: --unmodified --pinned --unpinned --seconds --connections --pinned-connections"
                        + " --syscall-seconds --server-jvm-option --chart)");
            }
        }
        if (!pinned && !unpinned) throw new IllegalArgumentException("--pinned and --unpinned exclude each other");
        Wrk.requireInstalled();
        if (unmodified) {
            runUnmodified(seconds, connections, serverOptions,
                    chartFile != null ? chartFile : Charts.defaultFile("http-unmodified"));
            return;
        }
        String machine = Machine.describe();
        System.out.println(machine);
        if (!serverOptions.isEmpty()) System.out.println("server JVM options: " + String.join(" ", serverOptions));
        SvgChart chart = Charts.forRun("http: ringhttp on Ringloom and on the JDK, and Netty, against connections", machine)
                .xAxis("connections");
        if (!serverOptions.isEmpty()) chart.setup("server JVM options: " + String.join(" ", serverOptions));
        List<String> jvm = serverJvm(serverOptions);
        boolean charted = false;
        if (unpinned) charted = runUnpinned(jvm, seconds, connections, chart);
        if (pinned) charted |= runPinned(jvm, seconds, syscallSeconds, pinnedConnections, chart);
        if (charted) Charts.write(chart, chartFile != null ? chartFile : Charts.defaultFile("http"));
        else System.out.println("chart: not written, no table ran");
    }

    static int[] counts(String list) {
        return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** java, the flags Ringloom needs, {@code serverOptions}, and this class path: the start of every server's command. */
    static List<String> serverJvm(List<String> serverOptions) {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> jvm = new ArrayList<>(List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "--add-opens",
                "java.base/java.lang=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        jvm.addAll(serverOptions);
        jvm.addAll(List.of("-cp", System.getProperty("java.class.path")));
        return jvm;
    }

    /** The unpinned table, and its req/s and p99 as panels of {@code chart}; returns true (it always runs). */
    private static boolean runUnpinned(List<String> jvm, int seconds, int[] connections, SvgChart chart) throws Exception {
        String setup = String.format(Locale.ROOT, "http: wrk -t2 -d%ds after a 5 s warm-up, GET / (13-byte body), keep-alive, every server in its own process", seconds);
        System.out.println(setup);
        System.out.println();
        chart.setup(setup);
        SvgChart.Panel rate = chart.panel("Requests per second, unpinned (higher is better)", "req/s", SvgChart.Kind.LINES);
        SvgChart.Panel p99 = chart.panel("p99 latency, unpinned (lower is better)", "p99 ms", SvgChart.Kind.LINES);
        System.out.println("| server | connections | req/s | p50 ms | p99 ms | IPIs/req | context switches/req |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        String[][] servers = {
            {"ringhttp, Ringloom", "io.ringloom.demos.RingHttp", "--backend", "ringloom"},
            {"ringhttp, JDK virtual threads", "io.ringloom.demos.RingHttp", "--backend", "jdk"},
            {"Netty 4.2 io_uring", NettyHello.class.getName()},
        };
        for (int c : connections) {
            Run[] results = new Run[servers.length];
            for (int s = 0; s < servers.length; s++) {
                String[] server = servers[s];
                results[s] = measure(server[0], port -> {
                    List<String> cmd = new ArrayList<>(jvm);
                    cmd.add(server[1]);
                    if (server.length > 2) {
                        cmd.addAll(List.of(server[2], server[3], "--port", Integer.toString(port)));
                    } else {
                        cmd.add(Integer.toString(port));
                    }
                    return new ProcessBuilder(cmd);
                }, c, seconds);
                Run r = results[s];
                System.out.printf(Locale.ROOT, "| %s | %d | %,.0f | %.2f | %.2f | %.3f | %.2f |%s%n", server[0], c,
                        r.reqPerSec, r.p50Millis, r.p99Millis, r.ipisPerRequest, r.contextSwitchesPerRequest,
                        r.wrkErrors ? " (wrk reported errors)" : "");
                rate.value(server[0], Integer.toString(c), r.reqPerSec);
                p99.value(server[0], Integer.toString(c), r.p99Millis);
            }
            rate.target("target: Ringloom >= 1.3x JDK", Integer.toString(c), 1.3 * results[1].reqPerSec);
            p99.target("target: Ringloom's no worse than JDK's", Integer.toString(c), results[1].p99Millis);
            System.out.printf(Locale.ROOT, "%n%d connections: Ringloom / JDK req/s %.2fx (target >= 1.3x), p99 %.2f vs %.2f ms; Ringloom / Netty %.2fx (target >= 1.0x)%n%n",
                    c, results[0].reqPerSec / results[1].reqPerSec, results[0].p99Millis, results[1].p99Millis,
                    results[0].reqPerSec / results[2].reqPerSec);
        }
        return true;
    }

    // --------------------------------------------------------- pinned

    /**
     * The servers of the pinned table, started by {@code jvm} (see {@link #serverJvm}):
     * the three compared by the targets, then ringhttp on Ringloom with each socket
     * receive and send tried as a {@code MSG_DONTWAIT} system call first
     * ({@code ringloom.socket.trydirect=true}; the default until 2026-12-01), for comparison.
     */
    static List<HttpRun.Server> pinnedServers(List<String> jvm) {
        List<String> tryDirect = new ArrayList<>(jvm);
        tryDirect.add(tryDirect.indexOf("-cp"), "-Dringloom.socket.trydirect=true");
        return List.of(
                new HttpRun.Server("ringhttp, Ringloom", port -> command(jvm, RingHttp.class.getName(),
                        "--backend", "ringloom", "--port", Integer.toString(port)), RINGLOOM_CARRIERS),
                new HttpRun.Server("ringhttp, JDK virtual threads", port -> command(jvm, RingHttp.class.getName(),
                        "--backend", "jdk", "--port", Integer.toString(port)), JDK_WORKERS),
                new HttpRun.Server("Netty 4.2 io_uring", port -> command(jvm, NettyHello.class.getName(),
                        Integer.toString(port)), NETTY_LOOPS),
                new HttpRun.Server(TRY_DIRECT, port -> command(tryDirect, RingHttp.class.getName(),
                        "--backend", "ringloom", "--port", Integer.toString(port)), RINGLOOM_CARRIERS));
    }

    /** The pinned table's fourth server. */
    private static final String TRY_DIRECT = "ringhttp, Ringloom, MSG_DONTWAIT try first";

    static List<String> command(List<String> jvm, String... rest) {
        List<String> cmd = new ArrayList<>(jvm);
        cmd.addAll(List.of(rest));
        return cmd;
    }

    /**
     * The pinned table, and its server CPU per request as a panel of {@code chart} with issue 14's
     * targets for Ringloom (at most 0.75x the JDK's and at most Netty's, drawn as the lower of the
     * two); returns whether it ran.
     */
    private static boolean runPinned(List<String> jvm, int seconds, int syscallSeconds, int[] connections, SvgChart chart)
            throws Exception {
        String why = Placement.pinningUnavailable();
        if (why != null) {
            System.out.println("http, pinned: not run: " + why);
            chart.setup("http, pinned: not run: " + why);
            return false;
        }
        String perf = SyscallCounter.unavailableReason();
        String setup = String.format(Locale.ROOT, "http, pinned: each server alone on CPU %d (taskset), wrk -t1 on CPU %d; -d%ds after a %d s warm-up, "
                + "GET / (13-byte body), keep-alive", Placement.SERVER_CPU, Placement.LOAD_CPU, seconds, HttpRun.warmupSeconds(Placement.PINNED));
        System.out.println(setup);
        chart.setup(setup);
        SvgChart.Panel cpu = chart.panel("Server CPU time per request, pinned (lower is better)", "server CPU us/req",
                SvgChart.Kind.LINES);
        System.out.println(pinnedLegend(syscallSeconds, perf));
        System.out.println();
        System.out.println(HttpRun.header());
        List<String> after = new ArrayList<>();
        for (int c : connections) {
            List<HttpRun.Server> servers = pinnedServers(jvm);
            HttpRun.Result[] r = new HttpRun.Result[servers.size()];
            for (int s = 0; s < r.length; s++) {
                r[s] = HttpRun.measure(servers.get(s), Placement.PINNED, c, seconds, perf == null ? syscallSeconds : 0, "/");
                System.out.println(HttpRun.row(servers.get(s).name(), c, r[s]));
                cpu.value(servers.get(s).name(), Integer.toString(c), r[s].cpuMicrosPerRequest());
            }
            // both targets at once, one line: the stricter (two dashed lines per category could not tell which is which)
            cpu.target("target: Ringloom <= 0.75x JDK and <= 1.0x Netty", Integer.toString(c),
                    Math.min(0.75 * r[1].cpuMicrosPerRequest(), r[2].cpuMicrosPerRequest()));
            after.add(String.format(Locale.ROOT, "%d connections: Ringloom / JDK: CPU per request %.2fx (target <= 0.75x), "
                    + "req/s %.2fx (target >= 1.3x); Ringloom / Netty: CPU per request %.2fx (target <= 1.0x), "
                    + "req/s %.2fx (target >= 1.0x); Ringloom syscalls/req %s (target <= 0.5)", c,
                    r[0].cpuMicrosPerRequest() / r[1].cpuMicrosPerRequest(), r[0].wrk().reqPerSec() / r[1].wrk().reqPerSec(),
                    r[0].cpuMicrosPerRequest() / r[2].cpuMicrosPerRequest(), r[0].wrk().reqPerSec() / r[2].wrk().reqPerSec(),
                    r[0].syscalls() == null ? "not counted" : String.format(Locale.ROOT, "%.2f", r[0].syscallsPerRequest())));
            after.add(String.format(Locale.ROOT, "%d connections, %s: CPU per request %.2fx the JDK's, %.2fx Netty's; "
                    + "req/s %.2fx the JDK's, %.2fx Netty's; syscalls/req %s", c, TRY_DIRECT,
                    r[3].cpuMicrosPerRequest() / r[1].cpuMicrosPerRequest(), r[3].cpuMicrosPerRequest() / r[2].cpuMicrosPerRequest(),
                    r[3].wrk().reqPerSec() / r[1].wrk().reqPerSec(), r[3].wrk().reqPerSec() / r[2].wrk().reqPerSec(),
                    r[3].syscalls() == null ? "not counted" : String.format(Locale.ROOT, "%.2f", r[3].syscallsPerRequest())));
        }
        System.out.println();
        after.forEach(System.out::println);
        System.out.println();
        return true;
    }

    /** What the pinned tables' columns count, and whether perf could count system calls. */
    static String pinnedLegend(int syscallSeconds, String perfUnavailable) {
        return "server CPU: the server's utime+stime (/proc/PID/stat) over the timed run; kernel share: stime/(utime+stime); "
                + "server context switches: its threads' own (/proc/PID/task/*/status); IPIs: RES+CAL, all CPUs; "
                + "CPU " + Placement.LOAD_CPU + " busy: where the load runs (near 100%: the load may be the limit); "
                + "work threads: carriers / event loops / scheduler workers at the end\n"
                + (perfUnavailable != null ? "system calls: NOT COUNTED: " + perfUnavailable
                        : syscallSeconds == 0 ? "system calls: not counted (--syscall-seconds 0)"
                        : "system calls: perf stat -e 'syscalls:sys_enter_*' -p PID over a " + syscallSeconds
                          + " s wrk run of their own after the timed one (attached perf slows every system call), all summed; "
                          + "the top " + HttpRun.TOP_SYSCALLS + " by name");
    }

    // --------------------------------------------------------- unmodified

    /** The drop-in's carrier threads: the JVM-wide pool is named "ringloom", its carriers "NAME-carrier-N". */
    private static final String DROP_IN_CARRIER_PREFIX = "ringloom-carrier-";

    /**
     * Per connection count, ringhttp's JDK backend in a JVM without options, then
     * in one with {@code ./ringloom jvm-flags}, each measured by {@link #measure}.
     * The server's class path is ringhttp's own classes and nothing else, so with
     * the options the agent jar is the only Ringloom code in it, as for any
     * application that never heard of Ringloom. Neither server inherits
     * {@code JAVA_TOOL_OPTIONS} or {@code JDK_JAVA_OPTIONS}: the options there
     * (the README suggests putting the flags in the former) would blur the two.
     */
    private static void runUnmodified(int seconds, int[] connections, List<String> serverOptions, Path chartFile)
            throws Exception {
        List<String> flags = DropInOptions.fromLauncher();
        String appClassPath = Path.of(RingHttp.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String machine = Machine.describe();
        System.out.println(machine);
        if (!serverOptions.isEmpty()) System.out.println("server JVM options: " + String.join(" ", serverOptions));
        String setup = String.format(Locale.ROOT, "http --unmodified: ringhttp's JDK backend, unchanged (RingHttp --backend jdk: java.net.ServerSocket, "
                + "a Thread.ofVirtual() thread per connection; class path %s only), in a JVM without options and in one with them; "
                + "wrk -t2 -d%ds after a 5 s warm-up, GET / (13-byte body), keep-alive", appClassPath, seconds);
        System.out.println(setup);
        String options = "with the options: " + String.join(" ", flags);
        System.out.println(options);
        SvgChart chart = Charts.forRun("http --unmodified: ringhttp's JDK backend without and with ./ringloom jvm-flags", setup,
                machine).setup(options).xAxis("connections");
        if (!serverOptions.isEmpty()) chart.setup("server JVM options: " + String.join(" ", serverOptions));
        SvgChart.Panel rate = chart.panel("Requests per second (higher is better)", "req/s", SvgChart.Kind.LINES);
        SvgChart.Panel p99 = chart.panel("p99 latency (lower is better)", "p99 ms", SvgChart.Kind.LINES);
        SvgChart.Panel cpu = chart.panel("Server CPU time per request, user + system (lower is better)", "CPU us/req",
                SvgChart.Kind.LINES);
        System.out.println("server CPU: the server JVM's utime+stime (/proc/PID/stat) over wrk's measured run, per request; "
                + "carrier threads: the server's threads named " + DROP_IN_CARRIER_PREFIX + "N after it");
        System.out.println();
        System.out.println("| connections | req/s, none | req/s, jvm-flags | with / without | p50 ms, none | p50 ms, jvm-flags "
                + "| p99 ms, none | p99 ms, jvm-flags | server CPU us/req, none | server CPU us/req, jvm-flags "
                + "| carrier threads, jvm-flags |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> after = new ArrayList<>();
        for (int c : connections) {
            Run none = null, ring = null;
            for (boolean withFlags : new boolean[] {false, true}) {
                List<String> jvm = new ArrayList<>(List.of(javaBin));
                if (withFlags) jvm.addAll(flags);
                jvm.addAll(serverOptions);
                jvm.addAll(List.of("-cp", appClassPath, RingHttp.class.getName(), "--backend", "jdk", "--port"));
                Run r = measure("ringhttp --backend jdk, " + (withFlags ? "with" : "without") + " the options", port -> {
                    List<String> cmd = new ArrayList<>(jvm);
                    cmd.add(Integer.toString(port));
                    ProcessBuilder pb = new ProcessBuilder(cmd);
                    pb.environment().remove("JAVA_TOOL_OPTIONS");
                    pb.environment().remove("JDK_JAVA_OPTIONS");
                    return pb;
                }, c, seconds);
                if (withFlags) ring = r; else none = r;
            }
            List<String> erred = new ArrayList<>();
            if (none.wrkErrors) erred.add("without the options");
            if (ring.wrkErrors) erred.add("with the options");
            System.out.printf(Locale.ROOT, "| %d | %,.0f | %,.0f | %.2fx | %.2f | %.2f | %.2f | %.2f | %.1f | %.1f | %d |%s%n",
                    c, none.reqPerSec, ring.reqPerSec, ring.reqPerSec / none.reqPerSec, none.p50Millis, ring.p50Millis,
                    none.p99Millis, ring.p99Millis, none.cpuMicrosPerRequest, ring.cpuMicrosPerRequest,
                    ring.carrierThreads, erred.isEmpty() ? "" : " (wrk reported errors " + String.join(" and ", erred) + ")");
            String category = Integer.toString(c), without = "no options", with = "with ./ringloom jvm-flags";
            rate.value(without, category, none.reqPerSec).value(with, category, ring.reqPerSec)
                    .target("target: 1.3x no options", category, 1.3 * none.reqPerSec);
            p99.value(without, category, none.p99Millis).value(with, category, ring.p99Millis)
                    .target("target: no worse than no options", category, none.p99Millis);
            cpu.value(without, category, none.cpuMicrosPerRequest).value(with, category, ring.cpuMicrosPerRequest);
            after.add(String.format(Locale.ROOT, "%d connections: with the options / without: req/s %.2fx (target >= 1.3x), "
                    + "p99 %.2f vs %.2f ms (target: no worse), server CPU per request %.2fx", c, ring.reqPerSec / none.reqPerSec,
                    ring.p99Millis, none.p99Millis, ring.cpuMicrosPerRequest / none.cpuMicrosPerRequest));
            if (ring.carrierThreads == 0) {
                after.add(c + " connections: the server with the options had no Ringloom carrier thread, so the drop-in "
                        + "did not take effect; it said:\n" + ring.serverOutput.strip());
            }
            if (none.carrierThreads > 0) {
                after.add(c + " connections: the server without options had " + none.carrierThreads
                        + " Ringloom carrier threads; it said:\n" + none.serverOutput.strip());
            }
        }
        System.out.println();
        after.forEach(System.out::println);
        Charts.write(chart, chartFile);
    }

    /**
     * What wrk's measured run gave against one server. IPIs and context switches
     * are system-wide, per request; CPU time is the server process's own (all its
     * threads, user and system), per request; carrier threads are the server's
     * threads named as the drop-in's carriers at the end of the run;
     * the server's output is what it had printed by then.
     */
    record Run(double reqPerSec, double p50Millis, double p99Millis, double ipisPerRequest,
               double contextSwitchesPerRequest, boolean wrkErrors, double cpuMicrosPerRequest, int carrierThreads,
               String serverOutput) {}

    /**
     * Starts a server in its own process ({@code command} makes it for a free
     * port), waits until it listens, warms it up with wrk for 5 s, measures it
     * with wrk for {@code seconds}, and stops it.
     */
    private static Run measure(String name, IntFunction<ProcessBuilder> command, int connections, int seconds)
            throws IOException, InterruptedException {
        try (ServerProcess server = ServerProcess.start(name, command)) {
            String url = "http://127.0.0.1:" + server.port + "/";
            // warm-up: 5 s, so every JVM server is measured after JIT compilation settled
            Wrk.run(Placement.SHARED, connections, 5, url, false);
            long[] irq0 = Machine.ipis();
            long cs0 = Machine.contextSwitches();
            long cpu0 = Machine.processCpuNanos(server.pid());
            Wrk.Result wrk = Wrk.run(Placement.SHARED, connections, seconds, url, true);
            long cpu1 = Machine.processCpuNanos(server.pid());
            long[] irq1 = Machine.ipis();
            long cs1 = Machine.contextSwitches();
            int carriers = Machine.threadsNamed(server.pid(), DROP_IN_CARRIER_PREFIX);
            double requests = wrk.requests();
            if (requests == 0) {
                throw new IllegalStateException(name + " served nothing; wrk said:\n" + wrk.output()
                        + "\nthe server said:\n" + server.output());
            }
            return new Run(wrk.reqPerSec(), wrk.p50Millis(), wrk.p99Millis(),
                    ((irq1[0] - irq0[0]) + (irq1[1] - irq0[1])) / requests, (cs1 - cs0) / requests,
                    wrk.errors(), (cpu1 - cpu0) / 1e3 / requests, carriers, server.output());
        }
    }
}
