package io.ringloom.demos;

import io.ringloom.CarrierPool;

import java.io.Console;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code ringcopy}: copies files and trees like {@code cp -a} where it
 * matters, with many files and chunks in flight on Ringloom's carrier pool.
 * This class runs the command; {@link CopyOptions} reads its command line,
 * {@link TreeWalker} decides what to copy, {@link FileCopier} copies one file,
 * {@link CopySummary} counts and reports.
 */
public final class RingCopy {
    private RingCopy() {}

    public static void main(String[] args) throws Exception {
        CarrierPool.prepare();   // meanwhile, the command line is read and checked
        int status = args.length == 1 && args[0].equals("--demo") ? Demo.run() : run(args, System.out, System.err);
        // Success ends by returning: System.exit first looks up a System.Logger, which scans
        // every jar on the class path, ~10 ms of a short command (docs/DESIGN.md, "Start-up").
        // Every thread a copy starts is a daemon or has ended by now.
        if (status != ExitStatus.OK) System.exit(status);
    }

    /** Runs a whole command line; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        CopyOptions opt;
        try {
            opt = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("ringcopy: " + e.getMessage());
            err.println(CopyOptions.USAGE_TEXT);
            return ExitStatus.USAGE;
        }
        if (opt.help()) {
            out.println(CopyOptions.USAGE_TEXT);
            return ExitStatus.OK;
        }
        return run(opt, out, err);
    }

    static CopyOptions parse(String[] args) {
        return CopyOptions.parse(args);
    }

    /** Copies as {@code opt} says; returns the exit status. */
    static int run(CopyOptions opt, PrintStream out, PrintStream err) throws Exception {
        boolean intoDirectory = opt.sources().size() > 1 || Files.isDirectory(opt.destination());
        if (opt.sources().size() > 1 && !Files.isDirectory(opt.destination())) {
            err.println("ringcopy: target '" + opt.destination() + "' is not a directory");
            return ExitStatus.USAGE;
        }
        // ringcopy makes no socket call: without the JDK's socket poller, the JVM does not wait
        // ~300 ms at exit for the poller's thread (CarrierPool.Builder#withoutJdkSocketPoller).
        // A command, not a service: no MXBean, whose registration costs ~0.3 s of CPU.
        try (CarrierPool pool = CarrierPool.builder().withoutJdkSocketPoller().withoutMxBean().build()) {
            CopySummary summary = new CopySummary();
            PathFailures failures = new PathFailures(err, opt.failFast());
            FileCopier copier = new FileCopier(opt, summary);
            TreeWalker walker = new TreeWalker(opt, copier, new CopyJobs(pool, opt.jobs()), summary, failures, err);
            boolean showProgress = opt.progress() || isTerminal();
            // The totals only the progress line uses, counted beside the copy: counted first,
            // they held the copy back until the count was done (docs/DESIGN.md, "The walk")
            AtomicBoolean copied = new AtomicBoolean();
            Thread counting = showProgress ? Thread.ofPlatform().daemon().name("ringcopy-count").start(() -> {
                walker.countSources(copied::get);
                summary.countingDone();
            }) : null;
            Thread cleanup = new Thread(copier::removeTemps, "ringcopy-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            long[] irq0 = opt.quiet() ? null : Interrupts.read();   // only the summary shows them
            long t0 = System.nanoTime();
            Progress progress = Progress.start(summary, showProgress, err);
            try {
                pool.startVirtualThread(() -> walker.copyAll(intoDirectory)).join();
            } finally {
                copied.set(true);   // the counting, if still going, ends at its next file
                progress.stop();
                Runtime.getRuntime().removeShutdownHook(cleanup);
                copier.removeTemps();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (!opt.quiet()) {
                long[] irq = Interrupts.read();
                summary.print(out, seconds, irq[0] - irq0[0] + irq[1] - irq0[1], failures.count(), pool);
            }
            return failures.count() == 0 ? ExitStatus.OK : ExitStatus.FAILED;
        }
    }

    private static boolean isTerminal() {
        Console c = System.console();
        return c != null && c.isTerminal();
    }
}
