package io.ringloom.reliability;

import io.ringloom.agent.JvmFlags;
import io.ringloom.reliability.dropin.App;
import io.ringloom.reliability.dropin.DropInMain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A child JVM of the drop-in reliability suite (issue 17), running
 * {@link DropInMain} on the test classes alone: with the options
 * {@code ./ringloom jvm-flags} prints ({@link JvmFlags#forAgentJar} on the
 * agent jar this build made), with those options and io_uring refused by the
 * kernel, or without them (the plain JDK).
 *
 * <p>io_uring is refused with {@code kernel.io_uring_disabled=2}, which is
 * machine-wide. It is set just before the child starts and restored as soon
 * as the child says it has settled ({@code App.READY}): by then its JVM-wide
 * pool met the refusal, failed for good, and every drop-in path took the
 * JDK's way; nothing in the child asks for a ring again, and the child checks
 * to its end that it holds no io_uring fd. So other processes on the machine
 * lose io_uring for a second or two, not for the whole scenario. The tests
 * that set it run one at a time: failsafe runs this suite's classes, and
 * {@code FallbackWhenDisabledIT} and {@code RingloomAgentIT}, one after another in one JVM.
 */
final class ChildJvm {
    private ChildJvm() {}

    static final Path SYSCTL = Path.of("/proc/sys/kernel/io_uring_disabled");

    enum Mode { RINGS, REFUSED, JDK }

    /** What the child printed and how it ended. */
    record Result(Mode mode, String scenario, int exit, String out, List<String> figures) {
        /** The child ran to its end, printed its figure line and found no failure. */
        void assertClean() {
            assertRanClean();
            assertFalse(figures.isEmpty(), () -> scenario + " " + mode + " printed no figure line:\n" + tail(out, 150));
        }

        /** The child ran to its end and found no failure. */
        void assertRanClean() {
            String tail = tail(out, 150);
            assertEquals(0, exit, () -> scenario + " " + mode + " exited with " + exit + ":\n" + tail);
            assertTrue(out.contains("result: failures=0\n"), () -> scenario + " " + mode + " failed:\n" + tail);
        }
    }

    /** The options of {@code ./ringloom jvm-flags} for the shaded agent jar of this build. */
    static List<String> dropInFlags() {
        return JvmFlags.forAgentJar(agentJar(), System.getProperty("ringloom.native", "ffm"));
    }

    static Path agentJar() {
        Path target = Path.of("target");
        try (var jars = Files.list(target)) {
            return jars.filter(p -> p.getFileName().toString().matches("ringloom-facade-.*-agent\\.jar"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no shaded agent jar in " + target.toAbsolutePath()))
                    .toAbsolutePath();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static Path testClasses() {
        return Path.of("target", "test-classes").toAbsolutePath();
    }

    /** {@code java [options] -cp test-classes DropInMain scenario --dir dir args}, as {@link #run(Mode, List, String, Path, Duration, String...)}. */
    static Result run(Mode mode, String scenario, Path dir, Duration timeout, String... args) throws Exception {
        List<String> options = new ArrayList<>(mode == Mode.JDK ? List.of() : dropInFlags());
        return run(mode, options, scenario, dir, timeout, args);
    }

    /**
     * Runs {@code DropInMain scenario --dir dir args} with {@code options}
     * (which hold the drop-in flags or not, as the caller chose) and returns
     * once it ended; kills it, with a thread dump in the failure, after
     * {@code timeout}. Every {@code reliability/} line it printed is printed here too.
     */
    static Result run(Mode mode, List<String> options, String scenario, Path dir, Duration timeout, String... args)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options);
        cmd.add("-ea");
        cmd.add("-Dringloom.dropin.mode=" + mode.name().toLowerCase());
        if (Reliability.LONG) cmd.add("-Dringloom.stress=true");
        if (!options.contains("-cp")) {
            cmd.add("-cp");
            cmd.add(testClasses().toString());
        }
        cmd.add(DropInMain.class.getName());
        cmd.add(scenario);
        cmd.add("--dir");
        cmd.add(dir.toString());
        cmd.addAll(List.of(args));
        Path log = dir.resolve(scenario + "-" + mode.name().toLowerCase() + ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process child = mode == Mode.REFUSED ? startRefused(pb, log) : pb.start();
        String dump = "";
        try {
            if (!child.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) dump = threadDump(child.pid());
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        String out = Files.readString(log);
        List<String> figures = out.lines().filter(l -> l.startsWith("reliability/")).toList();
        figures.forEach(System.out::println);
        System.out.flush();
        if (!dump.isEmpty()) {
            throw new AssertionError(scenario + " " + mode + " still running after " + timeout + ": " + String.join(" ", cmd)
                    + "\n" + tail(out, 60) + "\n--- thread dump ---\n" + dump);
        }
        return new Result(mode, scenario, child.exitValue(), out, figures);
    }

    /** Starts the child with io_uring refused until it has settled; the sysctl is restored in every case. */
    private static Process startRefused(ProcessBuilder pb, Path log) throws Exception {
        assumeTrue(Files.isWritable(SYSCTL), "kernel.io_uring_disabled is not writable here: the refused form is skipped");
        String saved = Files.readString(SYSCTL).trim();
        Process child = null;
        try {
            Files.writeString(SYSCTL, "2");
            child = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (child.isAlive() && System.nanoTime() < deadline && !Files.readString(log).contains(App.READY + "\n")) {
                Thread.sleep(20);
            }
            return child;
        } finally {
            Files.writeString(SYSCTL, saved);
            assertEquals(saved, Files.readString(SYSCTL).trim(), "kernel.io_uring_disabled must be restored");
        }
    }

    private static String threadDump(long pid) {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(pid), "Thread.print").redirectErrorStream(true).start();
            String dump = new String(jcmd.getInputStream().readAllBytes());
            jcmd.waitFor(30, TimeUnit.SECONDS);
            return dump.length() > 60_000 ? dump.substring(0, 60_000) + "\n[...]" : dump;
        } catch (IOException | InterruptedException e) {
            return "no thread dump: " + e;
        }
    }

    static String tail(String out, int lines) {
        List<String> all = out.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}
