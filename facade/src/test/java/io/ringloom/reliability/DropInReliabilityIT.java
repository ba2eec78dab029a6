package io.ringloom.reliability;

import io.ringloom.reliability.ChildJvm.Mode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The reliability suite's drop-in form (issue 17): each scenario is an
 * application that knows only the JDK's types ({@code io.ringloom.reliability.dropin}),
 * run in a child JVM started with the options of {@code ./ringloom jvm-flags}
 * ({@link Mode#RINGS}), and again with io_uring refused by the kernel
 * ({@link Mode#REFUSED}: scenario 6, where it must behave as on the plain JDK).
 * Each child prints its {@code reliability/dropin-<name>:} line, printed here
 * too, and the test asserts it ran to its end with no failure.
 *
 * <p>{@code -Dringloom.dropin.modes=RINGS,REFUSED,JDK} adds the plain JDK, a
 * control that shows the scenarios' expectations are the JDK's own.
 */
@Tag(Reliability.TAG)
class DropInReliabilityIT {
    @TempDir
    Path dir;
    /** What tests share: the plain JDK's fuzzing transcript. */
    @TempDir
    static Path classDir;

    @BeforeAll
    static void childJvmsChooseTheirOwnMode() {
        // The facade's suite runs again with -Dringloom.fallback=true; these children never inherit it.
        assumeFalse(Reliability.FALLBACK, "run once, in the ring execution: each child JVM chooses its own mode");
    }

    static Stream<Mode> modes() {
        return Arrays.stream(System.getProperty("ringloom.dropin.modes", "RINGS,REFUSED").split(","))
                .map(String::trim).map(Mode::valueOf);
    }

    /** Scenario 1, interrupts: {@link io.ringloom.reliability.dropin.InterruptStorm}. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void interruptStorm(Mode mode) throws Exception {
        ChildJvm.run(mode, "interrupt-storm", dir, Duration.ofMinutes(Reliability.LONG ? 10 : 3)).assertClean();
    }

    /** Scenario 1, closes: {@link io.ringloom.reliability.dropin.CloseStorm}. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void closeStorm(Mode mode) throws Exception {
        ChildJvm.run(mode, "close-storm", dir, Duration.ofMinutes(Reliability.LONG ? 10 : 3)).assertClean();
    }

    /** Scenario 3: {@link io.ringloom.reliability.dropin.SelectorMix}. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void selectorMix(Mode mode) throws Exception {
        ChildJvm.run(mode, "selector-mix", dir, Duration.ofMinutes(Reliability.LONG ? 10 : 3)).assertClean();
    }

    /**
     * Scenario 4: {@link io.ringloom.reliability.dropin.Soak}, 60 s on the rings
     * and 20 s with io_uring refused (where the drop-in is the JDK's own paths);
     * the long form 10 minutes each. NMT on, for its native-memory figure.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void soak(Mode mode) throws Exception {
        int seconds = mode == Mode.RINGS ? 60 : 20;
        ChildJvm.run(mode, options(mode, "-XX:NativeMemoryTracking=summary"), "soak", dir,
                Duration.ofMinutes(Reliability.LONG ? 15 : 4), "--seconds", Integer.toString(seconds)).assertClean();
    }

    /** What a figure line adds to its name for {@code mode}, as the children's lines do. */
    private static String label(Mode mode) {
        return switch (mode) {
            case RINGS -> "";
            case REFUSED -> " (io_uring refused)";
            case JDK -> " (plain JDK)";
        };
    }

    /** The JVM options of {@code mode}, with {@code extra}. */
    private static List<String> options(Mode mode, String... extra) {
        List<String> options = new java.util.ArrayList<>(mode == Mode.JDK ? List.of() : ChildJvm.dropInFlags());
        options.addAll(List.of(extra));
        return options;
    }

    /**
     * Scenario 5, virtual threads that exist before Ringloom's agent: started by
     * an agent listed before it ({@link io.ringloom.reliability.dropin.EarlyAgent}),
     * and in an application that loads Ringloom's agent later, through the Attach
     * API, having set its own {@code Socket} factory. The agent jar is on the class
     * path too, as the providers named by the options must load before the agent.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void virtualThreadsBeforeTheAgent(Mode mode) throws Exception {
        Path earlyJar = dir.resolve("early-agent.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", "io.ringloom.reliability.dropin.EarlyAgent");
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(earlyJar), manifest)) {
            jar.flush();
        }
        String classPath = ChildJvm.testClasses() + java.io.File.pathSeparator + ChildJvm.agentJar();
        List<String> early = new java.util.ArrayList<>();
        early.add("-javaagent:" + earlyJar + "=" + dir);
        early.addAll(options(mode));
        early.addAll(List.of("-cp", classPath));
        ChildJvm.run(mode, early, "vthreads-before-agent", dir, Duration.ofMinutes(2)).assertClean();

        if (mode == Mode.JDK) return;   // no agent to attach
        List<String> attached = new java.util.ArrayList<>(options(mode));
        attached.removeIf(o -> o.startsWith("-javaagent:"));
        attached.addAll(List.of("-Djdk.attach.allowAttachSelf=true", "-XX:+EnableDynamicAgentLoading", "-cp", classPath));
        ChildJvm.Result r = ChildJvm.run(mode, attached, "agent-attached-later", dir, Duration.ofMinutes(2),
                "--agent-jar", ChildJvm.agentJar().toString());
        r.assertClean();
        assertEquals(1, r.out().lines().filter(l -> l.contains("the application set its own Socket factory, which is kept")).count(),
                "one log line says the application's factory is kept:\n" + ChildJvm.tail(r.out(), 60));
    }

    /** Scenario 5, an application's own socket factories replacing the agent's. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void theApplicationsOwnSocketFactories(Mode mode) throws Exception {
        List<String> options = options(mode);
        if (mode == Mode.JDK) options.addAll(List.of("--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED"));
        ChildJvm.Result r = ChildJvm.run(mode, options, "own-socket-factory", dir, Duration.ofMinutes(2));
        r.assertClean();
        if (mode != Mode.JDK) {
            for (String which : List.of("Socket", "ServerSocket")) {
                assertEquals(1, r.out().lines().filter(l -> l.contains("the application set its own " + which
                        + " factory, which replaces Ringloom's")).count(), which + ": one log line:\n" + ChildJvm.tail(r.out(), 60));
            }
        }
    }

    /**
     * Scenario 5, {@code System.exit} under traffic: from the main thread, from a
     * virtual thread, and from one with a shutdown hook doing I/O on a virtual
     * thread. Each JVM must end within the time-out with the status asked, its
     * hook run, and no crash.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void exitUnderTraffic(Mode mode) throws Exception {
        int[] statuses = {3, 42, 77};
        List<String> ended = new java.util.ArrayList<>();
        long slowest = 0;
        for (int variant = 0; variant < statuses.length; variant++) {
            long start = System.nanoTime();
            ChildJvm.Result r = ChildJvm.run(mode, "exit-under-traffic", Files.createDirectories(dir.resolve("exit" + variant)),
                    Duration.ofSeconds(60), "--variant", Integer.toString(variant), "--status", Integer.toString(statuses[variant]));
            slowest = Math.max(slowest, (System.nanoTime() - start) / 1_000_000);
            String tail = ChildJvm.tail(r.out(), 80);
            assertEquals(statuses[variant], r.exit(), "the exit status:\n" + tail);
            assertTrue(r.out().contains("exiting with " + statuses[variant]), tail);
            assertTrue(r.out().contains("hook ran\n"), "the shutdown hook ran:\n" + tail);
            if (variant == 2) assertTrue(r.out().contains("hook I/O done: [1, 2, 3]"), "the hook's I/O:\n" + tail);
            assertFalse(r.out().contains("fatal error") || r.out().contains("hs_err"), "a crash:\n" + tail);
            ended.add(r.out().lines().filter(l -> l.startsWith("exiting with")).findFirst().orElse("?"));
        }
        System.out.printf("reliability/dropin-exit-under-traffic%s%s: System.exit from the main thread, from a virtual "
                        + "thread, and from one with a shutdown hook doing file and socket I/O on a virtual thread, each "
                        + "with 32 threads of traffic and 16 blocked reads: %s; statuses 3, 42, 77 kept, hooks ran, "
                        + "0 hangs (slowest JVM %d ms), 0 crashes%n",
                Reliability.LONG ? " (long form)" : "", label(mode), ended, slowest);
    }

    /** Scenario 5, the JVM-wide pool with more carriers than cores: the interrupt storm with -Dringloom.carriers=16. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void moreCarriersThanCores(Mode mode) throws Exception {
        ChildJvm.run(mode, options(mode, "-Dringloom.carriers=16"), "many-carriers", dir,
                Duration.ofMinutes(Reliability.LONG ? 10 : 3),
                "--seconds", "4", "--carriers", "16").assertClean();
    }

    /** The seed of this run's socket fuzzing; {@code -Dringloom.fuzz.seed=N} replays one. */
    private static final long FUZZ_SEED = Long.getLong("ringloom.fuzz.seed", System.nanoTime() % 100_000_000_000L);
    /** The plain JDK's transcript for {@link #FUZZ_SEED}, made once for both modes. */
    private static Path jdkTranscript;
    private static String jdkFigures;

    /**
     * Scenario 2: {@link io.ringloom.reliability.dropin.SocketFuzz} with one
     * seed in a JVM without the options and in one with them; the transcripts
     * must be equal line by line.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void socketFuzz(Mode mode) throws Exception {
        int calls = Reliability.scaled(12_000, 200_000);
        Duration timeout = Duration.ofMinutes(Reliability.LONG ? 20 : 3);
        String[] args = {"--seed", Long.toString(FUZZ_SEED), "--calls", Integer.toString(calls)};
        synchronized (DropInReliabilityIT.class) {
            if (jdkTranscript == null) {
                Path shared = Files.createDirectories(classDir.resolve("fuzz-jdk"));
                Path t = shared.resolve("transcript");
                ChildJvm.Result jdk = ChildJvm.run(Mode.JDK, "socket-fuzz", shared, timeout, concat(args, "--transcript", t.toString()));
                jdk.assertRanClean();
                jdkTranscript = t;
                jdkFigures = figures(jdk.out());
            }
        }
        if (mode == Mode.JDK) return;
        Path ours = dir.resolve("transcript");
        ChildJvm.Result r = ChildJvm.run(mode, "socket-fuzz", dir, timeout, concat(args, "--transcript", ours.toString()));
        r.assertRanClean();
        List<String> expected = Files.readAllLines(jdkTranscript), actual = Files.readAllLines(ours);
        int first = -1;
        for (int i = 0; i < Math.max(expected.size(), actual.size()) && first < 0; i++) {
            String e = i < expected.size() ? expected.get(i) : "(none)", a = i < actual.size() ? actual.get(i) : "(none)";
            if (!e.equals(a)) first = i;
        }
        Matcher m = FIGURES.matcher(figures(r.out()));
        assertTrue(m.matches(), r.out());
        System.out.printf("reliability/dropin-socket-fuzz%s%s: %,d calls (seed %d) on the JDK's socket types, %,d on virtual "
                        + "threads, %,d on a platform thread, %,d threw, %,d repeated until the kernel's bytes had arrived; "
                        + "compared call by call with the plain JDK: %d mismatches%s; guard bytes around every buffer, "
                        + "%s changed guards%n",
                Reliability.LONG ? " (long form)" : "", label(mode),
                Long.parseLong(m.group(1)), FUZZ_SEED, Long.parseLong(m.group(3)), Long.parseLong(m.group(4)),
                Long.parseLong(m.group(5)), Long.parseLong(m.group(6)), first < 0 ? 0 : 1,
                first < 0 ? "" : " (the first at line " + (first + 1) + "; the rest follow from it)", m.group(7));
        if (first >= 0) {
            fail("transcripts differ from line " + (first + 1) + " (seed " + FUZZ_SEED + ", -Dringloom.fuzz.seed="
                    + FUZZ_SEED + " replays it):\n" + context(expected, actual, first));
        }
        assertEquals(jdkFigures.replaceAll(" repeated=\\d+", ""), figures(r.out()).replaceAll(" repeated=\\d+", ""),
                "the runs' figures (the repeats follow the kernel's timing)");
    }

    private static final Pattern FIGURES = Pattern.compile(
            "fuzz-figures: calls=(\\d+) seed=(\\d+) virtual=(\\d+) platform=(\\d+) threw=(\\d+) repeated=(\\d+) guards=(\\d+)");

    private static String figures(String out) {
        return out.lines().filter(l -> l.startsWith("fuzz-figures:")).findFirst().orElse("(no figures)");
    }

    private static String context(List<String> expected, List<String> actual, int first) {
        StringBuilder sb = new StringBuilder();
        for (int i = Math.max(0, first - 5); i <= first; i++) {
            sb.append("  jdk:      ").append(i < expected.size() ? expected.get(i) : "(none)").append('\n');
            sb.append("  ringloom: ").append(i < actual.size() ? actual.get(i) : "(none)").append('\n');
        }
        return sb.toString();
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
