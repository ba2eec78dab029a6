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
        String stat = String.join(" ", lines("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[UTIME_FIELD - STATE_FIELD]) + Long.parseLong(fields[STIME_FIELD - STATE_FIELD]);
        return ticks * 1_000_000_000L / ClockTicks.PER_SECOND;
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
