package io.ringloom.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What a benchmark result needs to say about the machine, and system-wide counters. */
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
