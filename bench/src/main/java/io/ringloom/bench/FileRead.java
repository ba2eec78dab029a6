package io.ringloom.bench;

import io.ringloom.CarrierPool;
import io.ringloom.RingFiles;
import io.ringloom.internal.NativeStrings;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./ringloom bench file-read}: 4 KiB random reads of a 1 GiB file, the
 * same concurrency for every contender: Ringloom on its pool, the JDK's
 * FileChannel on default virtual threads and on platform threads, and fio
 * (io_uring at that queue depth, psync with that many jobs). Three cases:
 * cold (page cache dropped with posix_fadvise(DONTNEED) before each run, 256
 * readers), cached (64 readers), and the same file on tmpfs (64 readers).
 *
 * <p>With {@code --unmodified} it runs instead {@link FileReadApp}, the same
 * workload written only against JDK APIs, in child JVMs with and without the
 * options {@code ./ringloom jvm-flags} prints (cold and cached).
 *
 * <p>Arguments: {@code [--unmodified] [--seconds S] [--dir DIR] [--tmpfs DIR] [--size-mib N] [--chart PATH]};
 * the chart of ops/s per case and contender goes to {@code bench/results/file-read.svg}
 * ({@code file-read-unmodified.svg} with {@code --unmodified}) unless {@code --chart} says where.
 */
public final class FileRead {
    private FileRead() {}

    private static final int BLOCK = 4096;

    record Result(String who, double opsPerSec, double p50Micros, double p99Micros, double ipisPerOp, int peakThreads) {}

    public static void main(String[] args) throws Exception {
        double seconds = 4;
        Path dir = Path.of("target/bench-data");
        Path tmpfs = Path.of("/dev/shm/ringloom-bench");
        long sizeMiB = 1024;
        boolean unmodified = false;
        Path chartFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--unmodified" -> unmodified = true;
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--tmpfs" -> tmpfs = Path.of(args[++i]);
                case "--size-mib" -> sizeMiB = Long.parseLong(args[++i]);
                case "--chart" -> chartFile = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (known: --unmodified --seconds S --dir DIR --tmpfs DIR --size-mib N --chart PATH)");
            }
        }
        long size = sizeMiB << 20;
        Path disk = prepare(dir.resolve("file-read.bin"), size);
        if (unmodified) {
            runUnmodified(disk, sizeMiB, seconds, chartFile != null ? chartFile : Charts.defaultFile("file-read-unmodified"));
            return;
        }
        Path shm = prepare(tmpfs.resolve("file-read.bin"), size);
        boolean fio = hasFio();
        String machine = Machine.describe();
        System.out.println(machine);
        String setup = String.format(Locale.ROOT, "file-read: 4 KiB random reads of a %d MiB file, %.1f s per run; disk file %s (%s), tmpfs file %s",
                sizeMiB, seconds, disk, fsType(disk), shm);
        System.out.println(setup);
        if (!fio) System.out.println("fio not found: its rows are skipped (apt-get install fio)");
        System.out.println();
        SvgChart chart = Charts.forRun("file-read: 4 KiB random reads, Ringloom against the JDK and fio", setup, machine)
                .setup("fio io_uring at an iodepth of the readers, fio psync with a job per reader");
        SvgChart.Panel ops = chart.panel("Reads per second (higher is better)", "ops/s", SvgChart.Kind.BARS);
        try {
            runCase("cold (page cache dropped before each run)", disk, 256, true, seconds, fio, ops, 3.0);
            runCase("cached", disk, 64, false, seconds, fio, ops, 1.0);
            runCase("tmpfs", shm, 64, false, seconds, fio, ops, 1.0);
        } finally {
            Files.deleteIfExists(shm);
        }
        Charts.write(chart, chartFile != null ? chartFile : Charts.defaultFile("file-read"));
    }

    /**
     * One case: every contender in turn, a table row each and their ops/s into
     * {@code chart}, where the target is {@code target} times the JDK's on
     * virtual threads.
     */
    private static void runCase(String title, Path file, int readers, boolean cold, double seconds, boolean fio,
                                SvgChart.Panel chart, double target) throws Exception {
        System.out.printf(Locale.ROOT, "### %s, %d readers%n%n", title, readers);
        System.out.println("| contender | ops/s | p50 us | p99 us | IPIs/op | peak OS threads |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        List<Result> results = new ArrayList<>();
        prepareCache(file, cold);
        results.add(ringloom(file, readers, seconds));
        prepareCache(file, cold);
        results.add(jdk(file, readers, seconds, "JDK FileChannel, default virtual threads", Thread.ofVirtual().factory()::newThread));
        prepareCache(file, cold);
        results.add(jdk(file, readers, seconds, "JDK FileChannel, platform threads", Thread.ofPlatform().factory()::newThread));
        if (fio) {
            prepareCache(file, cold);
            results.add(fio(file, "io_uring", readers, seconds));
            prepareCache(file, cold);
            results.add(fio(file, "psync", readers, seconds));
        }
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %.1f | %.1f | %.3f | %s |%n", r.who, r.opsPerSec, r.p50Micros,
                    r.p99Micros, r.ipisPerOp, r.peakThreads < 0 ? "n/a" : Integer.toString(r.peakThreads));
        }
        // the chart's category: the title without its explanation; fio's rows by engine alone (the setup says their depth)
        String category = title.replaceFirst(" \\(.*", "") + ", " + readers + " readers";
        for (Result r : results) {
            chart.value(r.who.startsWith("fio ") ? r.who.substring(0, r.who.indexOf(" (")) : r.who, category, r.opsPerSec);
        }
        Result ring = results.get(0), vt = results.get(1);
        chart.target(String.format(Locale.ROOT, "target %.1fx JDK virtual threads", target), category, target * vt.opsPerSec);
        System.out.printf(Locale.ROOT, "%nRingloom / JDK on virtual threads: %.2fx (target >= %.1fx)", ring.opsPerSec / vt.opsPerSec, target);
        if (fio) System.out.printf(Locale.ROOT, "; Ringloom / fio io_uring: %.2fx", ring.opsPerSec / results.get(3).opsPerSec);
        System.out.println();
        System.out.println();
    }

    // --------------------------------------------------------------- Java

    private static Result ringloom(Path file, int readers, double seconds) throws Exception {
        try (CarrierPool pool = CarrierPool.builder().name("bench").build();
             FileChannel ch = RingFiles.open(file, StandardOpenOption.READ)) {
            if (pool.isFallback()) throw new IllegalStateException("pool in fallback: " + pool.fallbackReason());
            Result r = measure("Ringloom, pool virtual threads (" + pool.carrierCount() + " carriers)", ch, readers,
                    seconds, pool.threadFactory()::newThread);
            return r;
        }
    }

    private static Result jdk(Path file, int readers, double seconds, String name, Function<Runnable, Thread> threads)
            throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return measure(name, ch, readers, seconds, threads);
        }
    }

    private static Result measure(String name, FileChannel ch, int readers, double seconds,
                                  Function<Runnable, Thread> threads) throws Exception {
        long blocks = ch.size() / BLOCK;
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger failures = new AtomicInteger();
        Histogram[] hists = new Histogram[readers];
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < readers; i++) {
            Histogram h = hists[i] = new Histogram();
            ts.add(threads.apply(() -> {
                try {
                    readRandomBlocks(ch, blocks, stop, measuring, h);
                } catch (IOException e) {
                    failures.incrementAndGet();
                }
            }));
        }
        for (Thread t : ts) t.start();
        Thread.sleep(300);   // let every reader start
        long[] irq0 = Machine.ipis();
        measuring.set(true);
        long t0 = System.nanoTime();
        int peak = Machine.threadCount();
        long end = t0 + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            Thread.sleep(50);
            peak = Math.max(peak, Machine.threadCount());
        }
        measuring.set(false);
        long elapsed = System.nanoTime() - t0;
        long[] irq = Machine.ipis();
        stop.set(true);
        for (Thread t : ts) t.join();
        if (failures.get() > 0) throw new IllegalStateException(name + ": " + failures.get() + " readers failed");
        Histogram all = new Histogram();
        for (Histogram h : hists) all.add(h);
        double ops = all.count * 1e9 / elapsed;
        double ipis = (irq[0] - irq0[0]) + (irq[1] - irq0[1]);
        return new Result(name, ops, all.percentile(0.50) / 1e3, all.percentile(0.99) / 1e3, ipis / all.count, peak);
    }

    // --------------------------------------------------------- unmodified

    private static void runUnmodified(Path file, long sizeMiB, double seconds, Path chartFile) throws Exception {
        List<String> flags = DropInOptions.fromLauncher();
        String machine = Machine.describe();
        System.out.println(machine);
        String setup = String.format(Locale.ROOT, "file-read --unmodified: %s (only JDK APIs: newVirtualThreadPerTaskExecutor, "
                + "FileChannel.open), 4 KiB random reads of a %d MiB file %s (%s), %.1f s per run, each in a child JVM",
                FileReadApp.class.getSimpleName(), sizeMiB, file, fsType(file), seconds);
        System.out.println(setup);
        String options = "with the options: " + String.join(" ", flags);
        System.out.println(options);
        System.out.println();
        SvgChart chart = Charts.forRun("file-read --unmodified: JDK-only code without and with ./ringloom jvm-flags", setup, machine)
                .setup(options);
        SvgChart.Panel ops = chart.panel("Reads per second (higher is better)", "ops/s", SvgChart.Kind.BARS);
        System.out.println("| case | JVM options | ops/s | p50 us | p99 us | a reader's carrier |");
        System.out.println("|---|---|---:|---:|---:|---|");
        String[][] cases = {{"cold", "256"}, {"cached", "64"}};
        for (String[] c : cases) {
            boolean cold = c[0].equals("cold");
            double[] plain = null, ring = null;
            for (boolean withFlags : new boolean[] {false, true}) {
                prepareCache(file, cold);
                String[] r = runApp(withFlags ? flags : List.of(), file, Integer.parseInt(c[1]), seconds);
                double[] v = {Double.parseDouble(r[0]), Double.parseDouble(r[1]), Double.parseDouble(r[2])};
                if (withFlags) ring = v; else plain = v;
                System.out.printf(Locale.ROOT, "| %s, %s readers | %s | %,.0f | %.1f | %.1f | %s |%n", c[0], c[1],
                        withFlags ? "`./ringloom jvm-flags`" : "none", v[0], v[1], v[2], r[3]);
                ops.value(withFlags ? "with ./ringloom jvm-flags" : "no options", c[0] + ", " + c[1] + " readers", v[0]);
            }
            String target = cold ? "3" : "0.95";
            System.out.printf(Locale.ROOT, "%s: with the options / without: %.2fx (target >= %sx)%n", c[0], ring[0] / plain[0],
                    target);
            ops.target("target " + target + "x no options", c[0] + ", " + c[1] + " readers", Double.parseDouble(target) * plain[0]);
        }
        Charts.write(chart, chartFile);
    }

    /** Runs {@link FileReadApp} in a child JVM; its result line's ops, p50, p99 and carrier. */
    private static String[] runApp(List<String> flags, Path file, int readers, double seconds) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FileReadApp.class.getName(),
                file.toString(), Integer.toString(readers), Double.toString(seconds)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(Math.round(seconds) + 60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("FileReadApp did not end");
        }
        Matcher m = Pattern.compile("result ops=([0-9.]+) p50us=([0-9.]+) p99us=([0-9.]+) carrier=(\\S+)").matcher(out);
        if (p.exitValue() != 0 || !m.find()) throw new IllegalStateException("FileReadApp failed: " + out);
        return new String[] {m.group(1), m.group(2), m.group(3), m.group(4)};
    }

    /**
     * One reader: random 4 KiB reads of {@code ch} into a direct buffer until
     * {@code stop}, each timed into {@code h} while {@code measuring}. Plain JDK
     * code, so {@link FileReadApp} runs the very same loop.
     */
    static void readRandomBlocks(FileChannel ch, long blocks, AtomicBoolean stop, AtomicBoolean measuring, Histogram h)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(BLOCK);
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        while (!stop.get()) {
            long pos = rnd.nextLong(blocks) * BLOCK;
            buf.clear();
            long t0 = System.nanoTime();
            ch.read(buf, pos);
            long t1 = System.nanoTime();
            if (measuring.get()) h.record(t1 - t0);
        }
    }

    // ---------------------------------------------------------------- fio

    private static boolean hasFio() {
        try {
            return new ProcessBuilder("fio", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static Result fio(Path file, String engine, int readers, double seconds) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("fio", "--name=file-read", "--filename=" + file, "--rw=randread",
                "--bs=4k", "--ioengine=" + engine, "--time_based", "--runtime=" + (int) Math.ceil(seconds),
                "--ramp_time=1", "--group_reporting", "--norandommap", "--invalidate=0", "--output-format=json",
                "--size=" + Files.size(file)));
        if (engine.equals("io_uring")) cmd.addAll(List.of("--iodepth=" + readers, "--numjobs=1"));
        else cmd.addAll(List.of("--iodepth=1", "--numjobs=" + readers, "--thread"));
        long[] irq0 = Machine.ipis();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String json = new String(p.getInputStream().readAllBytes());
        p.getErrorStream().readAllBytes();
        long[] irq = Machine.ipis();
        if (p.waitFor() != 0) throw new IllegalStateException("fio failed: " + json);
        double iops = number(json, "\"iops\"\\s*:\\s*([0-9.]+)");
        double p50 = number(json, "\"50\\.000000\"\\s*:\\s*([0-9]+)") / 1e3;
        double p99 = number(json, "\"99\\.000000\"\\s*:\\s*([0-9]+)") / 1e3;
        double totalOps = iops * (Math.ceil(seconds) + 1);   // ramp included in the IPI window
        double ipis = ((irq[0] - irq0[0]) + (irq[1] - irq0[1])) / totalOps;
        int threads = engine.equals("io_uring") ? 1 : readers;
        return new Result("fio " + engine + (engine.equals("io_uring") ? " (iodepth " + readers + ")"
                : " (" + readers + " jobs)"), iops, p50, p99, ipis, threads);
    }

    private static double number(String json, String regex) {
        Matcher m = Pattern.compile(regex).matcher(json);
        if (!m.find()) throw new IllegalStateException("fio output without " + regex);
        return Double.parseDouble(m.group(1));
    }

    // -------------------------------------------------------------- files

    private static Path prepare(Path file, long size) throws IOException {
        Files.createDirectories(file.getParent());
        if (Files.exists(file) && Files.size(file) == size) return file;
        byte[] chunk = new byte[1 << 20];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            for (long done = 0; done < size; done += chunk.length) {
                rnd.nextBytes(chunk);
                ByteBuffer b = ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, size - done));
                while (b.hasRemaining()) ch.write(b);
            }
            ch.force(false);
        }
        return file;
    }

    /** Cold: drop the file's pages. Cached: read it all, so every contender starts warm. */
    private static void prepareCache(Path file, boolean cold) throws IOException {
        if (cold) {
            evict(file);
            return;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            long pos = 0;
            int n;
            while ((n = ch.read(buf.clear(), pos)) > 0) pos += n;
        }
    }

    private static void evict(Path file) throws IOException {
        SysCalls sys = SysCalls.get();
        try (Arena a = Arena.ofConfined()) {
            int fd = sys.openat(SysCalls.AT_FDCWD, NativeStrings.path(a, file).address(), SysCalls.O_RDONLY, 0);
            if (fd < 0) throw new IOException("open " + file + ": " + fd);
            try {
                sys.fdatasync(fd);
                int r = sys.posixFadvise(fd, 0, 0, SysCalls.POSIX_FADV_DONTNEED);
                if (r != 0) throw new IOException("posix_fadvise(DONTNEED) " + file + ": " + r);
            } finally {
                sys.close(fd);
            }
        }
    }

    private static String fsType(Path p) {
        try {
            return Files.getFileStore(p).type();
        } catch (IOException e) {
            return "?";
        }
    }

    /** Log-linear latency histogram: 1/64 relative precision, from 1 ns to about 1000 s. */
    static final class Histogram {
        private final long[] buckets = new long[64 * 64];
        long count;

        void record(long nanos) {
            buckets[index(Math.max(1, nanos))]++;
            count++;
        }

        void add(Histogram o) {
            for (int i = 0; i < buckets.length; i++) buckets[i] += o.buckets[i];
            count += o.count;
        }

        private static int index(long v) {
            int exp = 63 - Long.numberOfLeadingZeros(v);
            if (exp < 6) return (int) v;
            int mantissa = (int) (v >>> (exp - 6)) & 63;
            return Math.min((exp - 5) * 64 + mantissa, 64 * 64 - 1);
        }

        private static long lowerBound(int index) {
            if (index < 64) return index;
            int exp = index / 64 + 5;
            int mantissa = index % 64;
            return (64L + mantissa) << (exp - 6);
        }

        double percentile(double q) {
            long target = (long) Math.ceil(q * count);
            long seen = 0;
            for (int i = 0; i < buckets.length; i++) {
                seen += buckets[i];
                if (seen >= target && buckets[i] > 0) return lowerBound(i);
            }
            return Double.NaN;
        }
    }

    static {
        // the histogram's bucket arithmetic, checked once
        Histogram h = new Histogram();
        for (long v : new long[] {1, 63, 64, 1000, 123_456, 9_999_999}) {
            h.record(v);
        }
        assert Arrays.stream(new double[] {h.percentile(1.0)}).allMatch(x -> x > 9_000_000);
    }
}
