package io.ringloom.fs;

import io.ringloom.fs.dropin.PlainFilesProgram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The provider installed the way an unmodified application gets it: a child
 * JVM with {@code -Djava.nio.file.spi.DefaultFileSystemProvider} runs
 * {@link PlainFilesProgram}, which knows nothing of Ringloom, and its output
 * must equal that of the same program in a JVM without the property, except
 * for the implementation classes, which must then be Ringloom's.
 */
class RingFileSystemDropInIT {
    private static final String PROPERTY =
            "-Djava.nio.file.spi.DefaultFileSystemProvider=" + RingFileSystemProvider.class.getName();
    private static final long TIMEOUT_SECONDS = 60;

    @TempDir
    Path dir;

    @Test
    void unmodifiedProgramGetsRingloomsChannelsAndTheJdksResults() throws Exception {
        String cp = System.getProperty("java.class.path");
        List<String> jdk = run(false, cp, Files.createDirectory(dir.resolve("jdk"))).out;
        List<String> ringloom = run(true, cp, Files.createDirectory(dir.resolve("ringloom"))).out;

        assertEquals(others(jdk), others(ringloom));
        assertEquals(List.of(
                "CLASS provider sun.nio.fs.LinuxFileSystemProvider",
                "CLASS channel sun.nio.ch.FileChannelImpl",
                "CLASS File.toPath provider sun.nio.fs.LinuxFileSystemProvider"), classes(jdk));
        assertEquals(List.of(
                "CLASS provider io.ringloom.fs.RingFileSystemProvider",
                "CLASS channel io.ringloom.internal.RingFileChannelImpl",
                "CLASS File.toPath provider io.ringloom.fs.RingFileSystemProvider"), classes(ringloom));
        assertTrue(others(jdk).contains("channel map -> h"), () -> String.join("\n", jdk));
    }

    /**
     * Without carrier-rings on the class path Ringloom cannot initialise: the
     * JVM still starts with the provider installed, says why once, and every
     * call is the JDK provider's.
     */
    @Test
    void providerThatCannotLoadRingloomDelegatesAndWarnsOnce() throws Exception {
        String withoutRings = location(PlainFilesProgram.class) + java.io.File.pathSeparator
                + location(RingFileSystemProvider.class);
        List<String> jdk = run(false, withoutRings, Files.createDirectory(dir.resolve("jdk"))).out;
        Result degraded = run(true, withoutRings, Files.createDirectory(dir.resolve("degraded")));

        assertEquals(others(jdk), others(degraded.out));
        assertEquals(List.of(
                "CLASS provider io.ringloom.fs.RingFileSystemProvider",
                "CLASS channel sun.nio.ch.FileChannelImpl",
                "CLASS File.toPath provider io.ringloom.fs.RingFileSystemProvider"), classes(degraded.out));
        List<String> warnings = degraded.err.stream().filter(l -> l.contains("Ringloom cannot initialise")).toList();
        assertEquals(1, warnings.size(), () -> String.join("\n", degraded.err));
        assertTrue(warnings.get(0).contains("NoClassDefFoundError"), warnings.get(0));
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private record Result(List<String> out, List<String> err) {}

    private static List<String> classes(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("CLASS ")).toList();
    }

    private static List<String> others(List<String> lines) {
        return lines.stream().filter(l -> !l.startsWith("CLASS ")).toList();
    }

    private static Result run(boolean withProvider, String classPath, Path workDir)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (withProvider) cmd.add(PROPERTY);
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("--add-opens");
        cmd.add("java.base/java.lang=ALL-UNNAMED");
        // the native binding and fallback mode this suite runs with
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-Dringloom.") || arg.startsWith("--sun-misc-unsafe-memory-access")) cmd.add(arg);
        }
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(PlainFilesProgram.class.getName());
        cmd.add(workDir.toString());
        Path out = workDir.resolveSibling(workDir.getFileName() + ".out");
        Path err = workDir.resolveSibling(workDir.getFileName() + ".err");
        Process child = new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        try {
            assertTrue(child.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "child JVM did not finish: " + cmd);
            assertEquals(0, child.exitValue(), () -> "child JVM failed: " + read(err));
        } finally {
            child.destroyForcibly();
            child.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        return new Result(Files.readAllLines(out), Files.readAllLines(err));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
