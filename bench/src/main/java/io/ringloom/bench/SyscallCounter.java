package io.ringloom.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Counts one process's system calls by name with {@code perf stat -e 'syscalls:sys_enter_*' -p PID},
 * started with its events off ({@code -D -1}) and switched on and off through a control fifo
 * ({@code --control fifo:CTL,ACK}): perf acknowledges each command after carrying it out, so
 * the count covers the window between the two acknowledgements, however long perf took to
 * open its events (one per tracepoint per thread, a few seconds on a busy machine).
 *
 * <p>Attached tracepoints cost the process something even while off (every system call of a
 * traced thread takes the kernel's slow path), so the benchmarks count in a pass of their
 * own after the run they time, never during it.
 */
final class SyscallCounter implements AutoCloseable {
    /** How long perf may take to open its events and answer a command. */
    private static final long ACK_TIMEOUT_SECONDS = 60;
    private static final String EVENT_PREFIX = "syscalls:sys_enter_";

    private static String unavailable;
    private static boolean probed;

    private final Process perf;
    private final Path dir;
    private final RandomAccessFile control;
    private final RandomAccessFile ack;

    private SyscallCounter(Process perf, Path dir, RandomAccessFile control, RandomAccessFile ack) {
        this.perf = perf;
        this.dir = dir;
        this.control = control;
        this.ack = ack;
    }

    /** Why system calls cannot be counted here (perf missing, tracepoints not readable), or null when they can. */
    static synchronized String unavailableReason() {
        if (probed) return unavailable;
        probed = true;
        if (!Tools.have("perf")) {
            unavailable = "perf not found (apt-get install linux-perf)";
        } else {
            try {
                String out = Tools.run(List.of("perf", "stat", "-x,", "-e", EVENT_PREFIX + "getpid", "--", "true"));
                if (!out.contains(EVENT_PREFIX + "getpid")) unavailable = "perf counted no system calls: " + out.strip();
            } catch (IOException | IllegalStateException e) {
                unavailable = "perf cannot count system calls here: " + e.getMessage().strip();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                unavailable = "interrupted while asking perf";
            }
        }
        return unavailable;
    }

    /** Attaches perf to process {@code pid}, its events off; {@link #unavailableReason()} must be null. */
    static SyscallCounter attach(long pid) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("ringloom-perf");
        Path ctl = dir.resolve("ctl"), ackFifo = dir.resolve("ack");
        Tools.run(List.of("mkfifo", ctl.toString(), ackFifo.toString()));
        // Opened read-write, a fifo's open does not wait for the other end (fifo(7)); perf opens
        // the control fifo itself read-write and the acknowledgement fifo write-only.
        RandomAccessFile control = new RandomAccessFile(ctl.toFile(), "rw");
        RandomAccessFile ack = new RandomAccessFile(ackFifo.toFile(), "rw");
        Process perf = new ProcessBuilder("perf", "stat", "-D", "-1", "--control", "fifo:" + ctl + "," + ackFifo,
                "-x,", "-o", dir.resolve("counts.csv").toString(), "-e", EVENT_PREFIX + "*", "-p", Long.toString(pid))
                .redirectErrorStream(true).redirectOutput(dir.resolve("perf.log").toFile()).start();
        return new SyscallCounter(perf, dir, control, ack);
    }

    /** Starts counting; returns once perf says its events are on. */
    void enable() throws IOException, InterruptedException {
        command("enable");
    }

    /** Stops counting and perf, and returns what was counted since {@link #enable()}. */
    Counts disable() throws IOException, InterruptedException {
        command("disable");
        stopPerf();
        return Counts.parse(Files.readAllLines(dir.resolve("counts.csv")));
    }

    private void command(String what) throws IOException, InterruptedException {
        control.write((what + "\n").getBytes(StandardCharsets.US_ASCII));
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(this::readAck, r -> Thread.ofPlatform().daemon().start(r));
        try {
            String a = answer.get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!a.equals("ack")) throw new IllegalStateException("perf answered '" + what + "' with '" + a + "'; " + log());
        } catch (TimeoutException e) {
            throw new IllegalStateException("perf did not acknowledge '" + what + "' within " + ACK_TIMEOUT_SECONDS
                    + " s (alive: " + perf.isAlive() + "); " + log());
        } catch (ExecutionException e) {
            throw new IllegalStateException("reading perf's acknowledgement failed; " + log(), e.getCause());
        }
    }

    private String readAck() {
        StringBuilder line = new StringBuilder();
        try {
            int c;
            while ((c = ack.read()) >= 0 && c != '\n') {
                if (c != 0) line.append((char) c);   // perf writes "ack\n\0"
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return line.toString();
    }

    private String log() {
        try {
            return "perf said: " + Files.readString(dir.resolve("perf.log")).strip();
        } catch (IOException e) {
            return "(no perf log)";
        }
    }

    /** perf stat prints its counts when interrupted (SIGINT); SIGTERM would end it without them. */
    private void stopPerf() throws IOException, InterruptedException {
        if (perf.isAlive()) Tools.run(List.of("kill", "-INT", Long.toString(perf.pid())));
        if (!perf.waitFor(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            perf.destroyForcibly();
            throw new IllegalStateException("perf did not stop on SIGINT; " + log());
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (perf.isAlive()) {
            perf.destroyForcibly();
            perf.waitFor();
        }
        control.close();
        ack.close();
        for (String f : new String[] {"ctl", "ack", "counts.csv", "perf.log"}) Files.deleteIfExists(dir.resolve(f));
        Files.deleteIfExists(dir);
    }

    /** System calls counted, by name (those counted at least once). */
    record Counts(Map<String, Long> byCall) {
        /**
         * Reads perf stat's CSV output ({@code -x,}: count, unit, event, run time, share, ...; lines
         * starting with # are comments); "&lt;not counted&gt;" is a tracepoint that never fired in a thread.
         */
        static Counts parse(List<String> lines) {
            Map<String, Long> byCall = new LinkedHashMap<>();
            for (String line : lines) {
                String[] f = line.split(",");
                if (line.startsWith("#") || f.length < 3 || !f[2].startsWith(EVENT_PREFIX)) continue;
                if (f[0].isEmpty() || !f[0].chars().allMatch(Character::isDigit)) continue;
                long n = Long.parseLong(f[0]);
                if (n > 0) byCall.merge(f[2].substring(EVENT_PREFIX.length()), n, Long::sum);
            }
            return new Counts(byCall);
        }

        long total() {
            return byCall.values().stream().mapToLong(Long::longValue).sum();
        }

        /** The {@code n} most frequent calls per unit of work ({@code units} of it were done), e.g. "sendto 1.05, recvfrom 1.05". */
        String top(int n, double units) {
            List<Map.Entry<String, Long>> sorted = new ArrayList<>(byCall.entrySet());
            sorted.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()));
            List<String> parts = new ArrayList<>();
            for (var e : sorted.subList(0, Math.min(n, sorted.size()))) {
                parts.add(String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue() / units));
            }
            return String.join(", ", parts);
        }
    }
}
