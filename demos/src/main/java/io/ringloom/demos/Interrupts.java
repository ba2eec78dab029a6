package io.ringloom.demos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Rescheduling and function-call IPI totals over all CPUs, from /proc/interrupts. */
final class Interrupts {
    private Interrupts() {}

    static long[] read() {
        long res = 0, cal = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/interrupts"))) {
                String t = line.trim();
                if (t.startsWith("RES:")) res = sum(t);
                else if (t.startsWith("CAL:")) cal = sum(t);
            }
        } catch (IOException e) {
            return new long[] {0, 0};
        }
        return new long[] {res, cal};
    }

    private static long sum(String line) {
        long s = 0;
        for (String f : line.substring(4).trim().split("\\s+")) {
            if (f.isEmpty() || !f.chars().allMatch(Character::isDigit)) break;
            s += Long.parseLong(f);
        }
        return s;
    }
}
