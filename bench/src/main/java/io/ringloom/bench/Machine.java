package io.ringloom.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What a benchmark result needs to say about the machine, system-wide counters, and a process's CPU time and threads. */
final class Machine {
    private Machine() {}

    static String describe() {
        String cpu = "?";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        } catch (IOException ignored) {
            // described as "?"
        }
        return "machine: " + Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), kernel "
                + read("/proc/sys/kernel/osrelease") + ", JDK " + System.getProperty("java.runtime.version")
                + ", " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB max heap";
    }

    /** {RES, CAL} totals over all CPUs from /proc/interrupts. */
    static long[] ipis() {
        long res = 0, cal = 0;
        for (String line : lines("/proc/interrupts")) {
            String t = line.trim();
            if (t.startsWith("RES:")) res = sumCounts(t);
            else if (t.startsWith("CAL:")) cal = sumCounts(t);
        }
        return new long[] {res, cal};
    }

    private static long sumCounts(String line) {
        long sum = 0;
        for (String f : line.substring(4).trim().split("\\s+")) {
            if (!f.chars().allMatch(Character::isDigit)) break;
            sum += Long.parseLong(f);
        }
        return sum;
    }

    /** This process's OS threads now (/proc/self/status Threads). */
    static int threadCount() {
        for (String line : lines("/proc/self/status")) {
            if (line.startsWith("Threads:")) return Integer.parseInt(line.substring(8).trim());
        }
        return -1;
    }

    /** System-wide context switches since boot (/proc/stat ctxt). */
    static long contextSwitches() {
        for (String line : lines("/proc/stat")) {
            if (line.startsWith("ctxt ")) return Long.parseLong(line.substring(5).trim());
        }
        return 0;
    }

    /** Fields of /proc/PID/stat (proc(5), numbered from 1): user and system time, in clock ticks. */
    private static final int UTIME_FIELD = 14, STIME_FIELD = 15;
    /** The first field after the command name, which is in parentheses and may hold spaces. */
    private static final int STATE_FIELD = 3;
    /** A thread's name in /proc/PID/task/TID/comm is cut to TASK_COMM_LEN - 1 bytes (include/linux/sched.h). */
    private static final int COMM_LENGTH = 15;

    /** The CPU time process {@code pid} has used, all its threads, live and ended: utime + stime, in nanoseconds. */
    static long processCpuNanos(long pid) {
        CpuTime t = processCpu(pid);
        return t.userNanos() + t.systemNanos();
    }

    /** CPU time in user space and in the kernel, in nanoseconds. */
    record CpuTime(long userNanos, long systemNanos) {
        CpuTime minus(CpuTime earlier) {
            return new CpuTime(userNanos - earlier.userNanos, systemNanos - earlier.systemNanos);
        }

        long totalNanos() {
            return userNanos + systemNanos;
        }

        /** The kernel's part of the total, 0 to 1. */
        double kernelShare() {
            return totalNanos() == 0 ? 0 : (double) systemNanos / totalNanos();
        }
    }

    /** The CPU time process {@code pid} has used, all its threads, live and ended: utime and stime. */
    static CpuTime processCpu(long pid) {
        String stat = String.join(" ", lines("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new CpuTime(Long.parseLong(fields[UTIME_FIELD - STATE_FIELD]) * 1_000_000_000L / ClockTicks.PER_SECOND,
                Long.parseLong(fields[STIME_FIELD - STATE_FIELD]) * 1_000_000_000L / ClockTicks.PER_SECOND);
    }

    /**
     * The context switches of process {@code pid}'s live threads, voluntary and not, summed
     * over /proc/PID/task/TID/status (a process has no total of its own; a thread that
     * ended takes its count with it).
     */
    static long processContextSwitches(long pid) {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException ended) {
                    // the thread ended while we looked
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list the threads of process " + pid, e);
        }
        return sum;
    }

    /** CPUs online now: the cpuN lines of /proc/stat (this process's own affinity mask does not limit them). */
    static int onlineCpus() {
        return (int) lines("/proc/stat").stream().filter(l -> l.matches("cpu[0-9]+ .*")).count();
    }

    /** Fields of a cpuN line of /proc/stat (proc(5), numbered from 0 after the name): idle and iowait. */
    private static final int IDLE_FIELD = 3, IOWAIT_FIELD = 4;

    /** Clock ticks CPU {@code cpu} has spent since boot: {busy, total}, from its line of /proc/stat. */
    static long[] cpuTicks(int cpu) {
        String name = "cpu" + cpu + " ";
        for (String line : lines("/proc/stat")) {
            if (!line.startsWith(name)) continue;
            String[] f = line.substring(name.length()).trim().split("\\s+");
            long total = 0;
            for (String x : f) total += Long.parseLong(x);
            return new long[] {total - Long.parseLong(f[IDLE_FIELD]) - Long.parseLong(f[IOWAIT_FIELD]), total};
        }
        throw new IllegalStateException("no cpu" + cpu + " in /proc/stat");
    }

    /** How many of process {@code pid}'s threads have a name starting with {@code prefix} (as the kernel cuts names). */
    static int threadsNamed(long pid, String prefix) {
        String cut = prefix.length() > COMM_LENGTH ? prefix.substring(0, COMM_LENGTH) : prefix;
        int n = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(task.resolve("comm")).startsWith(cut)) n++;
                } catch (IOException ended) {
                    // the thread ended while we looked
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list the threads of process " + pid, e);
        }
        return n;
    }

    /** sysconf(_SC_CLK_TCK), the unit of /proc/PID/stat's times: asked once, of getconf. */
    private static final class ClockTicks {
        static final long PER_SECOND = ask();

        private static long ask() {
            try {
                Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes()).trim();
                if (p.waitFor() != 0) throw new IllegalStateException("getconf CLK_TCK failed: " + out);
                return Long.parseLong(out);
            } catch (IOException e) {
                throw new IllegalStateException("cannot run getconf CLK_TCK", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while asking getconf CLK_TCK", e);
            }
        }
    }

    private static List<String> lines(String path) {
        try {
            return Files.readAllLines(Path.of(path));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path)).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
