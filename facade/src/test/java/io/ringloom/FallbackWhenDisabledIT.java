package io.ringloom;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * With io_uring really refused by the kernel ({@code kernel.io_uring_disabled=2},
 * set as root and restored afterwards), a child JVM's pool falls back, says why,
 * and the file facade still works on plain syscalls.
 */
class FallbackWhenDisabledIT {
    private static final Path SYSCTL = Path.of("/proc/sys/kernel/io_uring_disabled");

    /** Run in the child JVM. */
    public static void main(String[] args) throws Exception {
        try (CarrierPool pool = CarrierPool.open()) {
            System.out.println("fallback=" + pool.isFallback());
            System.out.println("reason=" + pool.fallbackReason());
            Path f = Files.createTempFile("ringloom-fallback", ".txt");
            Thread t = pool.startVirtualThread(() -> {
                try {
                    RingFiles.write(f, "still works".getBytes());
                    System.out.println("read=" + new String(RingFiles.readAllBytes(f)));
                    RingFiles.delete(f);
                } catch (Exception e) {
                    System.out.println("error=" + e);
                }
            });
            t.join();
        }
    }

    @Test
    void aRefusedRingFallsBackAndSaysWhy() throws Exception {
        assumeTrue(Files.isWritable(SYSCTL), "kernel.io_uring_disabled is not writable here: test skipped");
        String saved = Files.readString(SYSCTL).trim();
        Process child;
        String out;
        try {
            Files.writeString(SYSCTL, "2");
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), FallbackWhenDisabledIT.class.getName());
            child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            out = new String(child.getInputStream().readAllBytes());
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        } finally {
            Files.writeString(SYSCTL, saved);
        }
        assertEquals(saved, Files.readString(SYSCTL).trim(), "the sysctl must be restored");
        assertEquals(0, child.exitValue(), out);
        assertTrue(out.contains("fallback=true"), out);
        assertTrue(out.contains("EPERM") && out.contains("io_uring_disabled"), out);
        assertTrue(out.contains("read=still works"), out);
        assertEquals(1, out.lines().filter(l -> l.contains("fallback mode")).count(), "one log line says why: " + out);
    }
}
