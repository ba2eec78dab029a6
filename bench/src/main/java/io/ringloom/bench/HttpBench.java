package io.ringloom.bench;

import io.ringloom.demos.RingHttp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./ringloom bench http}: wrk (Debian's package; 2 threads, 10 s, 64,
 * 256 and 1024 connections) against ringhttp on Ringloom, the same handler
 * on the JDK's ServerSocket and default virtual threads, and a Netty 4.2
 * io_uring hello server ({@link NettyHello}) answering the same bytes. Each
 * server runs in its own process. Reports req/s, p50/p99 latency, and IPIs
 * and context switches per request (system-wide, over wrk's run).
 *
 * <p>With {@code --unmodified} it runs instead ringhttp's JDK backend alone,
 * unchanged ({@code RingHttp --backend jdk}: {@code java.net.ServerSocket} and a
 * {@code Thread.ofVirtual()} thread per connection), once in a JVM started
 * without options and once with the options {@code ./ringloom jvm-flags} prints,
 * under the same wrk runs; it adds each server JVM's own CPU time per request
 * and how many Ringloom carrier threads it had.
 *
 * <p>Arguments: {@code [--unmodified] [--seconds S] [--connections a,b,c] [--server-jvm-option OPT]... [--chart PATH]};
 * each {@code --server-jvm-option} is given to every server's JVM (e.g. a JFR
 * recording, to measure what it costs). The chart of the table, against
 * connections, goes to {@code bench/results/http.svg} ({@code http-unmodified.svg}
 * with {@code --unmodified}) unless {@code --chart} says where.
 */
public final class HttpBench {
    private HttpBench() {}

    public static void main(String[] args) throws Exception {
        int seconds = 10;
        int[] connections = {64, 256, 1024};
        List<String> serverOptions = new ArrayList<>();
        boolean unmodified = false;
        Path chartFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--unmodified" -> unmodified = true;
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--connections" -> connections = java.util.Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--server-jvm-option" -> serverOptions.add(args[++i]);
                case "--chart" -> chartFile = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (known: --unmodified --seconds --connections --server-jvm-option --chart)");
            }
        }
        if (!have("wrk")) {
            System.out.println("wrk not found: install it (apt-get install wrk)");
            System.exit(3);
        }
        if (unmodified) {
            runUnmodified(seconds, connections, serverOptions,
                    chartFile != null ? chartFile : Charts.defaultFile("http-unmodified"));
            return;
        }
        String machine = Machine.describe();
        System.out.println(machine);
        if (!serverOptions.isEmpty()) System.out.println("server JVM options: " + String.join(" ", serverOptions));
        String setup = String.format(Locale.ROOT, "http: wrk -t2 -d%ds after a 5 s warm-up, GET / (13-byte body), keep-alive, every server in its own process", seconds);
        System.out.println(setup);
        System.out.println();
        SvgChart chart = Charts.forRun("http: ringhttp on Ringloom and on the JDK, and Netty, against connections", setup, machine)
                .xAxis("connections");
        if (!serverOptions.isEmpty()) chart.setup("server JVM options: " + String.join(" ", serverOptions));
        SvgChart.Panel rate = chart.panel("Requests per second (higher is better)", "req/s", SvgChart.Kind.LINES);
        SvgChart.Panel p99 = chart.panel("p99 latency (lower is better)", "p99 ms", SvgChart.Kind.LINES);
        System.out.println("| server | connections | req/s | p50 ms | p99 ms | IPIs/req | context switches/req |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        List<String> jvm = new ArrayList<>(List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "--add-opens",
                "java.base/java.lang=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        jvm.addAll(serverOptions);
        jvm.addAll(List.of("-cp", cp));
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
        Charts.write(chart, chartFile != null ? chartFile : Charts.defaultFile("http"));
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
        int port = freePort();
        java.io.File log = java.io.File.createTempFile("ringloom-http-server", ".log");
        log.deleteOnExit();
        Process server = command.apply(port).redirectErrorStream(true).redirectOutput(log).start();
        try {
            awaitListening(port);
            // warm-up: 5 s, so every JVM server is measured after JIT compilation settled
            run(List.of("wrk", "-t2", "-c" + connections, "-d5s", "http://127.0.0.1:" + port + "/"));
            long[] irq0 = Machine.ipis();
            long cs0 = Machine.contextSwitches();
            long cpu0 = Machine.processCpuNanos(server.pid());
            String out = run(List.of("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency",
                    "http://127.0.0.1:" + port + "/"));
            long cpu1 = Machine.processCpuNanos(server.pid());
            long[] irq1 = Machine.ipis();
            long cs1 = Machine.contextSwitches();
            int carriers = Machine.threadsNamed(server.pid(), DROP_IN_CARRIER_PREFIX);
            double rps = number(out, "Requests/sec:\\s+([0-9.]+)");
            double requests = number(out, "([0-9]+) requests in");
            if (requests == 0) {
                throw new IllegalStateException(name + " served nothing; wrk said:\n" + out
                        + "\nthe server said:\n" + java.nio.file.Files.readString(log.toPath()));
            }
            return new Run(rps, millis(out, "50%"), millis(out, "99%"),
                    ((irq1[0] - irq0[0]) + (irq1[1] - irq0[1])) / requests, (cs1 - cs0) / requests,
                    out.contains("Non-2xx") || out.contains("Socket errors"), (cpu1 - cpu0) / 1e3 / requests, carriers,
                    java.nio.file.Files.readString(log.toPath()));
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    private static boolean have(String tool) {
        try {
            return new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitListening(int port) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("server on port " + port + " did not start");
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String line;
            while ((line = r.readLine()) != null) out.append(line).append('\n');
        }
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        return out.toString();
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) throw new IllegalStateException("no " + regex + " in: " + text);
        return Double.parseDouble(m.group(1));
    }

    /** A wrk latency percentile line ("50%  1.23ms"), in milliseconds. */
    private static double millis(String text, String percentile) {
        Matcher m = Pattern.compile("\\s" + Pattern.quote(percentile) + "\\s+([0-9.]+)(us|ms|s)").matcher(text);
        if (!m.find()) throw new IllegalStateException("no " + percentile + " latency in: " + text);
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }
}
