package io.ringloom.agent;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link AgentTestApp}, an application that uses only JDK APIs, in a child
 * JVM started with the options {@code ./ringloom jvm-flags} prints
 * ({@link JvmFlags}): every virtual thread runs on a Ringloom carrier, the
 * JDK's socket sub-pollers stay on the JDK's scheduler, and whatever keeps the
 * agent from applying leaves the application on the JDK's scheduler with one
 * log line saying why.
 */
class RingloomAgentIT {
    private static final Path SYSCTL = Path.of("/proc/sys/kernel/io_uring_disabled");
    private static final List<String> CASES = List.of("ofVirtual", "startVirtualThread", "unstarted", "afterSleep",
            "executor", "nestedParent", "nestedChild");
    private static final Pattern CASE = Pattern.compile("case=(\\w+) virtual=true carrier=(\\S+)");
    private static final String RINGLOOM_CARRIER = "ringloom-carrier-\\d+";
    private static final String JDK_CARRIER = "ForkJoinPool-\\d+-worker-\\d+";
    private static final String NOT_APPLIED = "Ringloom agent not applied";

    @TempDir
    Path dir;

    @BeforeAll
    static void childJvmsChooseTheirOwnMode() {
        // The facade's suite runs again with -Dringloom.fallback=true; these children never inherit it.
        assumeFalse(Boolean.getBoolean("ringloom.fallback"), "run once, in the ring execution");
    }

    @Test
    void everyVirtualThreadRunsOnARingloomCarrier() throws Exception {
        String out = runApp(withAgent());
        assertCarriers(out, RINGLOOM_CARRIER);
        assertTrue(out.contains("status=Status[active=true, detail=every new virtual thread runs on CarrierPool["), out);
        assertTrue(out.contains("pool=Optional[CarrierPool["), out);
        assertFalse(out.contains("WARNING"), out);
    }

    @Test
    void aBlockedFileReadOfTheUnmodifiedAppGoesThroughARing() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        String out = runApp(withAgent(), "--fifo-read", fifo.toString());
        Matcher m = Pattern.compile("fiforead=hello filecqes=(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        // the open and the read that blocked, at least, completed on a carrier's ring
        assertTrue(Long.parseLong(m.group(1)) >= 2, out);

        String plain = runApp(new ArrayList<>(), "--fifo-read", fifo.toString());
        assertTrue(plain.contains("fiforead=hello filecqes=none"), plain);
    }

    @Test
    void theJdkSocketPollersStayOffTheCarriers() throws Exception {
        // The agent makes them platform threads (jdk.pollerMode=1), started by whoever first needs
        // one; an application's own virtual-poller mode is kept, and those pollers are started
        // before the hook is live: made later, they would land on the carriers.
        List<String> flags = withAgent();
        flags.addAll(List.of("--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"));
        List<String> virtualMode = new ArrayList<>(flags);
        virtualMode.add("-Djdk.pollerMode=2");
        for (List<String> f : List.of(flags, virtualMode)) {
            // started by a virtual thread on the pool, by a platform thread before any virtual thread, or after
            for (String[] args : List.of(new String[] {"--pollers", "--poller-from-virtual"},
                    new String[] {"--pollers", "--poller-first"}, new String[] {"--pollers"})) {
                String out = runApp(f, args);
                assertCarriers(out, RINGLOOM_CARRIER);
                List<String> pollers = out.lines().filter(l -> l.startsWith("poller=")).toList();
                assertFalse(pollers.isEmpty(), out);
                String expected = f == flags ? "poller=[RW][a-z]+-Poller scheduler=platform"
                        : "poller=SubPoller-\\d+ scheduler=java.util.concurrent.ForkJoinPool";
                for (String p : pollers) assertTrue(p.matches(expected), p + " in " + out);
            }
        }
    }

    @Test
    void aJvmThatUsesNoJdkSocketStartsNoJdkPoller() throws Exception {
        // A started poller waits in epoll_wait, and HotSpot waits up to 300 ms at exit for it
        String out = runApp(withAgent(), "--poller-threads");
        assertCarriers(out, RINGLOOM_CARRIER);
        assertTrue(out.contains("pollerthreads=[]"), out);
        List<String> virtualMode = withAgent();
        virtualMode.add("-Djdk.pollerMode=2");   // the application's choice: started up front, as before
        String started = runApp(virtualMode, "--poller-threads");
        assertTrue(started.contains("pollerthreads=[MasterPoller]"), started);
    }

    @Test
    void withoutTheFlagsTheSameAppRunsOnForkJoinPoolWorkers() throws Exception {
        String out = runApp(new ArrayList<>());
        assertCarriers(out, JDK_CARRIER);
        assertTrue(out.contains("status=no agent class"), out);
    }

    @Test
    void anAgentThatCannotApplyLeavesTheJdkSchedulerAndSaysWhyOnce() throws Exception {
        List<String> flags = withAgent();
        flags.add("-D" + RingloomAgent.SIMULATE_FAILURE + "=true");
        String out = runApp(flags);
        assertCarriers(out, JDK_CARRIER);
        assertEquals(1, count(out, NOT_APPLIED), out);
        assertTrue(out.contains("simulated failure"), out);
        assertTrue(out.contains("status=Status[active=false, detail=the Ringloom agent was not applied: simulated"), out);
        assertTrue(out.contains("pool=Optional.empty"), out);
    }

    @Test
    void aForcedFallbackLeavesTheJdkSchedulerAndSaysWhyOnce() throws Exception {
        List<String> flags = withAgent();
        flags.add("-Dringloom.fallback=true");
        String out = runApp(flags);
        assertCarriers(out, JDK_CARRIER);
        assertEquals(1, count(out, "fallback mode"), out);
        assertTrue(out.contains("status=Status[active=false, detail=installed, but the JVM-wide pool is not running: "
                + "fallback forced"), out);
    }

    @Test
    void aRefusedRingLeavesTheJdkSchedulerAndSaysWhyOnce() throws Exception {
        assumeTrue(Files.isWritable(SYSCTL), "kernel.io_uring_disabled is not writable here: test skipped");
        String saved = Files.readString(SYSCTL).trim();
        String out;
        try {
            Files.writeString(SYSCTL, "2");
            out = runApp(withAgent());
        } finally {
            Files.writeString(SYSCTL, saved);
        }
        assertEquals(saved, Files.readString(SYSCTL).trim(), "the sysctl must be restored");
        assertCarriers(out, JDK_CARRIER);
        assertEquals(1, count(out, "fallback mode"), out);
        assertTrue(out.contains("EPERM") && out.contains("io_uring_disabled"), out);
    }

    /** The options jvm-flags prints, for the shaded jar this build made. */
    private static List<String> withAgent() throws IOException {
        Path target = Path.of("target");
        try (var jars = Files.list(target)) {
            Path jar = jars.filter(p -> p.getFileName().toString().matches("ringloom-facade-.*-agent\\.jar"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no shaded agent jar in " + target.toAbsolutePath()));
            return new ArrayList<>(JvmFlags.forAgentJar(jar, System.getProperty("ringloom.native", "ffm")));
        }
    }

    /** Runs the app in a child JVM on the test classes only (no Ringloom but the agent jar); its output. */
    private String runApp(List<String> flags, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", Path.of("target", "test-classes").toAbsolutePath().toString(),
                AgentTestApp.class.getName()));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile(dir, "child", ".out");
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            boolean exited = child.waitFor(60, TimeUnit.SECONDS);
            String out = Files.readString(log);
            assertTrue(exited, "the child did not finish in 60 s: " + out);
            assertEquals(0, child.exitValue(), out);
            assertTrue(out.contains("done"), out);
            return out;
        } finally {
            child.destroyForcibly();
        }
    }

    /** Every case ran once, on a virtual thread, on a carrier whose name matches. */
    private static void assertCarriers(String out, String carrierName) {
        List<String> seen = new ArrayList<>();
        for (String line : out.lines().toList()) {
            Matcher m = CASE.matcher(line);
            if (!m.matches()) continue;
            seen.add(m.group(1));
            assertTrue(m.group(2).matches(carrierName), m.group(1) + " ran on " + m.group(2) + ":\n" + out);
        }
        assertEquals(CASES.stream().sorted().toList(), seen.stream().sorted().toList(), out);
        assertFalse(out.contains("stuck="), out);
    }

    private static long count(String out, String text) {
        return out.lines().filter(l -> l.contains(text)).count();
    }
}
