package io.ringloom.bench;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

/**
 * One server in its own process under wrk, measured for the per-server tables of
 * {@code bench http --pinned} and {@code bench proxy}: start it where the placement
 * puts servers, warm it up with wrk ({@link #warmupSeconds}), time a wrk run
 * while reading {@link Counters} around it, then (when perf can) count its system
 * calls over a second wrk run of their own ({@link SyscallCounter} says why apart),
 * and stop it.
 */
final class HttpRun {
    private HttpRun() {}

    /**
     * The wrk warm-up before a timed run, in seconds: long enough for JIT compilation to settle.
     * A pinned server compiles on the one CPU it serves from: measured (2 s wrk runs in a row,
     * proxy workload), Netty's reached its plateau after 10-12 s, the JDK's after 6 s; unpinned,
     * 5 s as {@code bench http} has always used.
     */
    static int warmupSeconds(Placement placement) {
        return placement == Placement.PINNED ? 15 : 5;
    }

    /**
     * A server: its table name, its command line for a port, and the name prefix of the
     * threads that run its connections (carriers, event loops, scheduler workers), counted
     * to show how the server sized itself.
     */
    record Server(String name, IntFunction<List<String>> command, String workThreadPrefix) {}

    /**
     * What one server gave: wrk's timed run, the counters over it, its work threads at
     * its end, and the system calls of the counting run (null when perf could not count)
     * with that run's requests.
     */
    record Result(Wrk.Result wrk, Counters counted, int workThreads, SyscallCounter.Counts syscalls, double countedRequests) {
        double cpuMicrosPerRequest() {
            return counted.serverCpu().totalNanos() / 1e3 / wrk.requests();
        }

        double syscallsPerRequest() {
            return syscalls == null ? Double.NaN : syscalls.total() / countedRequests;
        }

        String topSyscalls() {
            return syscalls == null ? "not counted" : syscalls.top(TOP_SYSCALLS, countedRequests);
        }

        double serverContextSwitchesPerRequest() {
            return counted.serverContextSwitches() / wrk.requests();
        }

        double ipisPerRequest() {
            return counted.ipis() / wrk.requests();
        }
    }

    /** System calls named in a row; the rest are in the total only. */
    static final int TOP_SYSCALLS = 4;

    /** The table's header, for rows made by {@link #row}. */
    static String header() {
        return "| server | connections | req/s | p50 ms | p99 ms | server CPU us/req | kernel share | syscalls/req "
                + "| top syscalls/req | server context switches/req | IPIs/req | CPU " + Placement.LOAD_CPU + " busy | work threads |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|";
    }

    static String row(String server, int connections, Result r) {
        return String.format(Locale.ROOT, "| %s | %d | %,.0f | %.2f | %.2f | %.1f | %.0f%% | %s | %s | %.2f | %.3f | %.0f%% | %d |%s",
                server, connections, r.wrk.reqPerSec(), r.wrk.p50Millis(), r.wrk.p99Millis(), r.cpuMicrosPerRequest(),
                100 * r.counted.serverCpu().kernelShare(),
                r.syscalls == null ? "-" : String.format(Locale.ROOT, "%.2f", r.syscallsPerRequest()), r.topSyscalls(),
                r.serverContextSwitchesPerRequest(), r.ipisPerRequest(), 100 * r.counted.loadCpuBusy(), r.workThreads,
                r.wrk.errors() ? " (wrk reported errors)" : "");
    }

    /**
     * Measures {@code server} under wrk with {@code connections} connections for {@code seconds}
     * (after the warm-up), requesting {@code path}; counts system calls over {@code syscallSeconds}
     * more (0: not at all; also not when perf cannot).
     */
    static Result measure(Server server, Placement placement, int connections, int seconds, int syscallSeconds, String path)
            throws IOException, InterruptedException {
        try (ServerProcess p = ServerProcess.start(server.name(),
                port -> new ProcessBuilder(placement.server(server.command().apply(port))))) {
            String url = "http://127.0.0.1:" + p.port + path;
            Wrk.run(placement, connections, warmupSeconds(placement), url, false);
            Counters before = Counters.read(p.pid());
            Wrk.Result timed = Wrk.run(placement, connections, seconds, url, true);
            Counters counted = Counters.read(p.pid()).since(before);
            if (timed.requests() == 0) {
                throw new IllegalStateException(server.name() + " served nothing; wrk said:\n" + timed.output()
                        + "\nthe server said:\n" + p.output());
            }
            int workThreads = Machine.threadsNamed(p.pid(), server.workThreadPrefix());
            SyscallCounter.Counts syscalls = null;
            double countedRequests = 0;
            if (syscallSeconds > 0 && SyscallCounter.unavailableReason() == null) {
                try (SyscallCounter perf = SyscallCounter.attach(p.pid())) {
                    perf.enable();
                    countedRequests = Wrk.run(placement, connections, syscallSeconds, url, false).requests();
                    syscalls = perf.disable();
                }
            }
            return new Result(timed, counted, workThreads, syscalls, countedRequests);
        }
    }
}
