package io.ringloom.demos;

import java.io.PrintStream;
import java.util.Locale;

/** The live progress line: files, bytes, rate, ETA, redrawn in place every 200 ms. */
final class Progress {
    private final Thread thread;
    private final PrintStream out;
    private volatile boolean stop;

    private Progress(CopySummary summary, PrintStream out) {
        this.out = out;
        long t0 = System.nanoTime();
        this.thread = Thread.ofPlatform().daemon().name("ringcopy-progress").start(() -> {
            while (!stop) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                out.print(line(summary, (System.nanoTime() - t0) / 1e9));
                out.flush();
            }
        });
    }

    /**
     * The line after {@code seconds}: bytes and the ETA as the totals count them (every name
     * of a hard-linked file, {@link CopySummary#bytesAccountedFor}), the rate as copied.
     */
    static String line(CopySummary summary, double seconds) {
        long copied = summary.bytesDone();
        long bytes = summary.bytesAccountedFor();
        double rate = copied / Math.max(seconds, 1e-9);
        if (summary.counted()) {
            long left = Math.max(0, summary.bytesTotal() - bytes);
            String eta = rate > 0 ? String.format(Locale.ROOT, "%.0f s", left / rate) : "?";
            return String.format(Locale.ROOT, "\r%d/%d files, %.1f/%.1f MB, %.1f MB/s, ETA %s   ",
                    summary.filesDone(), summary.filesTotal(), bytes / 1e6, summary.bytesTotal() / 1e6, rate / 1e6, eta);
        }
        // the totals are still being counted beside the copy
        return String.format(Locale.ROOT, "\r%d files, %.1f MB, %.1f MB/s, counting %d files, %.1f MB   ",
                summary.filesDone(), bytes / 1e6, rate / 1e6, summary.filesTotal(), summary.bytesTotal() / 1e6);
    }

    static Progress start(CopySummary summary, boolean enabled, PrintStream out) {
        return enabled ? new Progress(summary, out) : new Progress();
    }

    private Progress() {
        this.thread = null;
        this.out = null;
    }

    void stop() {
        if (thread == null) return;
        stop = true;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.print("\r\033[K");
        out.flush();
    }
}
