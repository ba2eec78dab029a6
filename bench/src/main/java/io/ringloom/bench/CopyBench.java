package io.ringloom.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * {@code ./ringloom bench copy}: a tree of about 1 GiB (20k files of 1 KiB to
 * 1 MiB, most of them small, plus four 128 MiB files) copied by {@code cp -a},
 * by a {@code Files.copy} copier on the JDK's default virtual threads, and by
 * {@code ringcopy -a}; each as its own process, cold (page cache dropped with
 * {@code sync; echo 3 > /proc/sys/vm/drop_caches}) and warm (source cached),
 * into a destination on the source's disk and into one on tmpfs (which takes
 * the disk's write speed out of the comparison).
 *
 * <p>Arguments: {@code [--dir DIR] [--files N] [--runs N] [--tmpfs DIR] [--chart PATH]}; the
 * chart of wall times and their ratio to {@code cp -a} goes to
 * {@code bench/results/copy.svg} unless {@code --chart} says where.
 */
public final class CopyBench {
    private CopyBench() {}

    /** The targets, as a share of {@code cp -a}'s wall time (issue 15). */
    private static final double COLD_TARGET = 0.5, WARM_TARGET = 0.8;

    public static void main(String[] args) throws Exception {
        Path base = Path.of("target/bench-data/copy");
        int files = 20_000;
        int runs = 2;
        Path tmpfs = Path.of("/dev/shm/ringloom-copy-bench");
        Path chartFile = Charts.defaultFile("copy");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> base = Path.of(args[++i]);
                case "--files" -> files = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--tmpfs" -> tmpfs = Path.of(args[++i]);
                case "--chart" -> chartFile = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (known: --dir --files --runs --tmpfs --chart)");
            }
        }
        Path src = base.resolve("src");
        long bytes = generate(src, files);
        String machine = Machine.describe();
        System.out.println(machine);
        String setup = String.format(Locale.ROOT, "copy: %,d files + 4 x 128 MiB, %,d bytes in %s (%s)", files, bytes, src,
                Files.getFileStore(src).type());
        System.out.println(setup);
        System.out.println();
        SvgChart chart = Charts.forRun("copy: a tree copied by cp -a, the JDK and ringcopy, each its own process", setup, machine)
                .setup("best of " + runs + " interleaved rounds; cold: page cache dropped before each copy, warm: source read first");
        SvgChart.Panel wall = chart.panel("Wall time, best of " + runs + " (lower is better)", "seconds", SvgChart.Kind.BARS);
        SvgChart.Panel ratio = chart.panel("Time relative to cp -a (lower is better)", "ratio to cp -a's time", SvgChart.Kind.BARS);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        List<String> jvm = List.of(java, "--enable-native-access=ALL-UNNAMED", "--add-opens",
                "java.base/java.lang=ALL-UNNAMED", "-cp", cp);
        record Contender(String name, List<String> command) {}
        List<Contender> contenders = new ArrayList<>();
        contenders.add(new Contender("cp -a", List.of("cp", "-a", "SRC", "DST")));
        List<String> jdk = new ArrayList<>(jvm);
        jdk.addAll(List.of(JdkCopier.class.getName(), "SRC", "DST"));
        contenders.add(new Contender("Files.copy, JDK virtual threads", jdk));
        List<String> ring = new ArrayList<>(jvm);
        // the flags ./ringloom copy runs with (CLI_JAVA_OPTS in the launcher)
        ring.addAll(List.of("-XX:TieredStopAtLevel=1", "io.ringloom.demos.RingCopy", "-a", "-q", "SRC", "DST"));
        contenders.add(new Contender("ringcopy -a", ring));

        System.out.println("| destination | case | copier | wall s (best of " + runs + ") | MB/s | vs cp -a (time) |");
        System.out.println("|---|---|---|---:|---:|---:|");
        for (Path dstRoot : List.of(base, tmpfs)) {
            Files.createDirectories(dstRoot);
            Path dst = dstRoot.resolve("dst");
            String where = dstRoot.equals(base) ? "disk (" + Files.getFileStore(base).type() + ")" : "tmpfs";
            for (boolean cold : new boolean[] {true, false}) {
                double[] best = new double[contenders.size()];
                Arrays.fill(best, Double.MAX_VALUE);
                // rounds interleave the copiers, so a slow spell of the disk hits all of them
                for (int r = 0; r < runs; r++) {
                    for (int c = 0; c < contenders.size(); c++) {
                        delete(dst);
                        run(List.of("sync"));
                        if (cold) dropCaches();
                        else warm(src);
                        List<String> cmd = contenders.get(c).command.stream().map(x -> x.equals("SRC") ? src.toString()
                                : x.equals("DST") ? dst.toString() : x).toList();
                        long t0 = System.nanoTime();
                        run(cmd);
                        best[c] = Math.min(best[c], (System.nanoTime() - t0) / 1e9);
                        check(src, dst);
                    }
                }
                String category = where + ", " + (cold ? "cold" : "warm");
                for (int c = 0; c < contenders.size(); c++) {
                    System.out.printf(Locale.ROOT, "| %s | %s | %s | %.2f | %.0f | %.2fx |%n", where, cold ? "cold" : "warm",
                            contenders.get(c).name, best[c], bytes / 1e6 / best[c], best[c] / best[0]);
                    wall.value(contenders.get(c).name, category, best[c]);
                    ratio.value(contenders.get(c).name, category, best[c] / best[0]);
                }
                double target = cold ? COLD_TARGET : WARM_TARGET;
                ratio.target("target " + target + "x", category, target);
            }
            delete(dst);
        }
        delete(tmpfs);
        delete(base.resolve("dst"));
        Charts.write(chart, chartFile);
    }

    private static long generate(Path src, int files) throws IOException {
        Path marker = src.resolve(".complete-" + files);
        if (Files.exists(marker)) return sizeOf(src);
        delete(src);
        Random rnd = new Random(20261127);
        byte[] buf = new byte[1 << 20];
        for (int i = 0; i < files; i++) {
            double u = rnd.nextDouble();
            int size = u < 0.90 ? 1024 + rnd.nextInt(15 * 1024)          // 90%: 1-16 KiB
                    : u < 0.99 ? 16 * 1024 + rnd.nextInt(240 * 1024)      // 9%: 16-256 KiB
                    : 256 * 1024 + rnd.nextInt(768 * 1024);                // 1%: 256 KiB-1 MiB
            Path dir = src.resolve("d" + (i % 50)).resolve("e" + (i % 7));
            Files.createDirectories(dir);
            rnd.nextBytes(buf);
            Files.write(dir.resolve("f" + i + ".bin"), Arrays.copyOf(buf, size));
        }
        for (int i = 0; i < 4; i++) {
            try (FileChannel ch = FileChannel.open(src.resolve("large-" + i + ".bin"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                for (int m = 0; m < 128; m++) {
                    rnd.nextBytes(buf);
                    ch.write(ByteBuffer.wrap(buf));
                }
            }
        }
        Files.createFile(marker);
        return sizeOf(src);
    }

    private static long sizeOf(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void check(Path src, Path dst) throws IOException {
        long a = sizeOf(src), b = sizeOf(dst);
        if (a != b) throw new IllegalStateException("copy incomplete: " + b + " of " + a + " bytes");
    }

    private static void warm(Path src) throws IOException {
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) Files.readAllBytes(p);
        }
    }

    private static void dropCaches() throws IOException {
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
    }

    private static void delete(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
    }
}
