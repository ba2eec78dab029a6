package io.ringloom.bench;

import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * wrk (Debian's package), a closed-loop HTTP load generator: each connection sends its
 * next request when the previous answer arrived, so its latencies leave out the
 * queueing a late answer causes ({@link OpenLoopClient} does not).
 */
final class Wrk {
    private Wrk() {}

    /** What one run said: req/s, requests, p50 and p99 in milliseconds, whether it saw errors, and its output. */
    record Result(double reqPerSec, double requests, double p50Millis, double p99Millis, boolean errors, String output) {}

    /** Exits with status 3 and says so when wrk is not installed. */
    static void requireInstalled() {
        if (!Tools.have("wrk")) {
            System.out.println("wrk not found: install it (apt-get install wrk)");
            System.exit(3);
        }
    }

    /** Runs wrk where {@code placement} puts load, against {@code url}, and reads its report (no latencies without {@code latency}). */
    static Result run(Placement placement, int connections, int seconds, String url, boolean latency)
            throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("wrk", "-t" + placement.wrkThreads(), "-c" + connections,
                "-d" + seconds + "s"));
        if (latency) cmd.add("--latency");
        cmd.add(url);
        String out = Tools.run(placement.load(cmd));
        return new Result(number(out, "Requests/sec:\\s+([0-9.]+)"), number(out, "([0-9]+) requests in"),
                latency ? millis(out, "50%") : Double.NaN, latency ? millis(out, "99%") : Double.NaN,
                out.contains("Non-2xx") || out.contains("Socket errors"), out);
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) throw new IllegalStateException("no " + regex + " in: " + text);
        return Double.parseDouble(m.group(1));
    }

    /** A wrk latency percentile line ("50%  1.23ms"), in milliseconds. */
    private static double millis(String text, String percentile) {
        Matcher m = Pattern.compile("\\s" + Pattern.quote(percentile) + "\\s+([0-9.]+)(us|ms|s)").matcher(text);
        if (!m.find()) throw new IllegalStateException("no " + percentile + " latency in: " + text);
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }
}
