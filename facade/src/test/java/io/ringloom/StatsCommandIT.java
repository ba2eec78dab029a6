package io.ringloom;

import io.ringloom.internal.StatsMain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * {@code ./ringloom stats}'s main class, run as the launcher runs it, against
 * child JVMs: one with Ringloom traffic, one without Ringloom, and a process
 * that is no JVM. Every child is killed at the end.
 */
class StatsCommandIT {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final String CLASS_PATH = System.getProperty("java.class.path");

    private final List<Process> children = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void killChildren() throws InterruptedException {
        for (Process p : children) {
            p.destroyForcibly();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "a child JVM did not die");
        }
    }

    @Test
    void onceAgainstARingloomJvmPrintsNonZeroRatesPerCarrier() throws Exception {
        assumeFalse(Boolean.getBoolean("ringloom.fallback"), "the target's pool must run on rings");
        Process target = startTarget("ringloom");
        Result r = stats(Long.toString(target.pid()), "--once", "--interval", "0.5");
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("pool statsapp (io.ringloom:type=CarrierPool,name=statsapp): 2 carriers"), r.output);
        String header = line(r.output, "carrier");
        assertTrue(header.contains("sqes/s") && header.contains("enters/s") && header.contains("in flight"), header);
        assertEquals(3, r.output.lines().filter(l -> l.matches(" +(0|1|total) .*")).count(), r.output);
        long[] total = numbers(line(r.output, "total"));
        assertTrue(total[0] > 0, "run/s: " + r.output);
        assertTrue(total[1] > 0, "sqes/s: " + r.output);
        assertTrue(total[2] > 0, "enters/s: " + r.output);
        assertTrue(total[5] > 0, "cqes/s: " + r.output);
        // The total row is the carriers' sum (each rate rounded on its own).
        long[] carrier0 = numbers(line(r.output, "0"));
        long[] carrier1 = numbers(line(r.output, "1"));
        assertEquals(total[1], carrier0[1] + carrier1[1], 2, r.output);
    }

    @Test
    void againstAJvmWithoutRingloomItSaysSoAndFails() throws Exception {
        Process target = startTarget("plain");
        Result r = stats(Long.toString(target.pid()), "--once", "--interval", "0.2");
        assertEquals(3, r.exit, r.output);
        assertTrue(r.output.contains("process " + target.pid() + " is not a Ringloom JVM"), r.output);
    }

    @Test
    void aProcessThatIsNoJvmCannotBeAttached() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "120").start();
        children.add(sleeper);
        Result r = stats(Long.toString(sleeper.pid()), "--once");
        assertEquals(1, r.exit, r.output);
        assertTrue(r.output.contains("cannot attach to process " + sleeper.pid()), r.output);
        assertTrue(sleeper.isAlive(), "attaching must not have killed it");
    }

    @Test
    void badArgumentsAreAUsageError() throws Exception {
        Result r = stats("--once");
        assertEquals(2, r.exit, r.output);
        assertTrue(r.output.contains("usage: ringloom stats PID"), r.output);
        assertEquals(2, stats("1", "--interval", "zero").exit);
    }

    private Process startTarget(String mode) throws Exception {
        List<String> cmd = List.of(JAVA, "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-Dringloom.native=" + System.getProperty("ringloom.native", "ffm"),
                "-cp", CLASS_PATH, StatsTargetApp.class.getName(), mode);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        children.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        CompletableFuture<Boolean> ready = CompletableFuture.supplyAsync(() -> {
            try {
                for (String l; (l = out.readLine()) != null; ) {
                    if (l.equals("ready")) return true;
                    seen.append(l).append('\n');
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        });
        assertTrue(ready.get(60, TimeUnit.SECONDS), () -> "the target did not start: " + seen);
        return p;
    }

    private record Result(int exit, String output) {}

    /** Runs the stats command's main class in a JVM of its own, as ./ringloom stats does. */
    private Result stats(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-cp", CLASS_PATH, StatsMain.class.getName()));
        cmd.addAll(Arrays.asList(args));
        Path log = Files.createTempFile(dir, "stats", ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        children.add(p);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "stats did not end: " + Files.readString(log));
        String output = Files.readString(log);
        System.out.println("StatsCommandIT: ringloom stats " + String.join(" ", args) + " -> exit " + p.exitValue() + "\n" + output);
        return new Result(p.exitValue(), output);
    }

    private static String line(String output, String first) {
        return output.lines().filter(l -> l.trim().startsWith(first + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting with " + first + " in\n" + output));
    }

    /** The rate columns of a table row, after its label. */
    private static long[] numbers(String row) {
        String[] cells = row.trim().split(" +");
        return Arrays.stream(cells, 1, cells.length).mapToLong(c -> Long.parseLong(c.replace(",", ""))).toArray();
    }
}
