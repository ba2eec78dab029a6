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
 * {@code ./ringloom bench copy}: three trees, each copied by {@code cp -a},
 * by {@code rsync -a} (when installed), by a {@code Files.copy} copier on the
 * JDK's default virtual threads, and by {@code ringcopy -a}; each copier as
 * its own process, timed as a user times the whole command (JVM start
 * included); cold (page cache dropped with
 * {@code sync; echo 3 > /proc/sys/vm/drop_caches}) and warm (the same, then the source read back in),
 * each run after a pause for free page reporting where the VM has it ({@link #settleFreedMemory});
 * into a destination on the source's disk and into one on tmpfs (which takes
 * the disk's write speed out of the comparison). The trees (issue 15):
 * <ul>
 * <li>{@code mixed}: 20k files of 1 KiB to 1 MiB, most of them small, plus four 128 MiB files;</li>
 * <li>{@code small}: 50k files of 1 to 16 KiB;</li>
 * <li>{@code large}: four 512 MiB files.</li>
 * </ul>
 *
 * <p>Arguments: {@code [--dir DIR] [--trees mixed,small,large] [--runs N] [--tmpfs DIR] [--chart PATH]};
 * the chart of wall times and their ratio to {@code cp -a}, a pair of panels
 * per tree, goes to {@code bench/results/copy.svg} unless {@code --chart} says where.
 */
public final class CopyBench {
    private CopyBench() {}

    /** The targets, as a share of {@code cp -a}'s wall time (issue 15). */
    private static final double COLD_TARGET = 0.5, WARM_TARGET = 0.8;
    private static final long MIB = 1 << 20;

    /** A source tree: its name, what it holds, and how to make it (fixed seed, so every run copies the same bytes). */
    private record Tree(String name, String holds, Generator generator) {}

    @FunctionalInterface
    private interface Generator {
        void generate(Path src, Random rnd, byte[] buf) throws IOException;
    }

    private static final List<Tree> TREES = List.of(
            new Tree("mixed", "20,000 files of 1 KiB-1 MiB + 4 x 128 MiB", (src, rnd, buf) -> {
                smallFiles(src, rnd, buf, 20_000, true);
                largeFiles(src, rnd, buf, 4, 128);
            }),
            new Tree("small", "50,000 files of 1-16 KiB", (src, rnd, buf) -> smallFiles(src, rnd, buf, 50_000, false)),
            new Tree("large", "4 x 512 MiB", (src, rnd, buf) -> largeFiles(src, rnd, buf, 4, 512)));

    public static void main(String[] args) throws Exception {
        Path base = Path.of("target/bench-data/copy");
        List<String> treeNames = TREES.stream().map(Tree::name).toList();
        int runs = 2;
        Path tmpfs = Path.of("/dev/shm/ringloom-copy-bench");
        Path chartFile = Charts.defaultFile("copy");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> base = Path.of(args[++i]);
                case "--trees" -> treeNames = List.of(args[++i].split(","));
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--tmpfs" -> tmpfs = Path.of(args[++i]);
                case "--chart" -> chartFile = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (known: --dir --trees --runs --tmpfs --chart)");
            }
        }
        List<Tree> trees = new ArrayList<>();
        for (String name : treeNames) {
            trees.add(TREES.stream().filter(t -> t.name.equals(name)).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("unknown tree " + name + " (known: mixed, small, large)")));
        }
        String machine = Machine.describe();
        System.out.println(machine);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        List<String> jvm = List.of(java, "--enable-native-access=ALL-UNNAMED", "--add-opens",
                "java.base/java.lang=ALL-UNNAMED", "-cp", cp);
        record Contender(String name, List<String> command) {}
        List<Contender> contenders = new ArrayList<>();
        contenders.add(new Contender("cp -a", List.of("cp", "-a", "SRC", "DST")));
        if (Tools.have("rsync")) {
            contenders.add(new Contender("rsync -a", List.of("rsync", "-a", "SRC/", "DST/")));
        } else {
            System.out.println("rsync: not installed, left out (Debian: apt-get install rsync)");
        }
        List<String> jdk = new ArrayList<>(jvm);
        jdk.addAll(List.of(JdkCopier.class.getName(), "SRC", "DST"));
        contenders.add(new Contender("Files.copy, JDK virtual threads", jdk));
        List<String> ring = new ArrayList<>(jvm);
        // the options ./ringloom copy runs with, which the launcher passes on (cli_java_opts:
        // C1 alone, the serial collector, and the AOT cache while it is current); run by hand, the first two
        String ringOpts = System.getenv().getOrDefault("RINGCOPY_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC").trim();
        for (String o : ringOpts.split("\\s+")) {
            if (!o.isEmpty()) ring.add(o);
        }
        System.out.println("ringcopy's JVM options: " + ringOpts);
        ring.addAll(List.of("io.ringloom.demos.RingCopy", "-a", "-q", "SRC", "DST"));
        contenders.add(new Contender("ringcopy -a", ring));

        SvgChart chart = Charts.forRun("copy: trees copied by cp -a, rsync, the JDK and ringcopy, each its own process",
                        "trees: " + String.join("; ", trees.stream().map(t -> t.name + " (" + t.holds + ")").toList()), machine)
                .setup("whole command, JVM start included; best of " + runs
                        + " interleaved rounds; cold: page cache dropped before each copy, warm: dropped, then the source read back in");
        System.out.println("Whole command, JVM start included; best of " + runs + " interleaved rounds."
                + (PAGE_REPORTING ? " Free page reporting is on: each run starts " + SETTLE_MILLIS / 1000
                        + " s after the caches were dropped (and, warm, the source read back)." : ""));
        System.out.println("Copies of the many-file trees onto the disk each go to a folder of their own and stay there"
                + " until the bench ends: ext4 without a journal makes a copy right after a deletion scan past the"
                + " deleted inodes.");
        System.out.println();
        System.out.println("| tree | destination | case | copier | wall s | MB/s | vs cp -a (time) |");
        System.out.println("|---|---|---|---|---:|---:|---:|");
        Path kept = base.resolve("kept");
        if (Files.exists(kept)) {
            System.out.println("deleting the copies an interrupted run left in " + kept
                    + ": copies onto the disk in the next 6 minutes may be slowed by it (keepCopies)");
            delete(kept);
        }
        for (Tree tree : trees) {
            Path src = base.resolve("src-" + tree.name);
            SourceTree source = generate(tree, src);
            long bytes = source.bytes();
            boolean keepCopies = keepCopies(base, source, 2 * runs * contenders.size());
            System.out.printf(Locale.ROOT, "| %s: %s, %,d bytes in %s (%s) | | | | | | |%n", tree.name, tree.holds, bytes,
                    src, Files.getFileStore(src).type());
            SvgChart.Panel wall = chart.panel(tree.name + " (" + tree.holds + "): wall time (lower is better)", "seconds",
                    SvgChart.Kind.BARS);
            SvgChart.Panel ratio = chart.panel(tree.name + ": time relative to cp -a (lower is better)",
                    "ratio to cp -a's time", SvgChart.Kind.BARS);
            for (Path dstRoot : List.of(base, tmpfs)) {
                Files.createDirectories(dstRoot);
                boolean onDisk = dstRoot.equals(base);
                // Many-file copies on the disk are kept until the end (keepCopies says why).
                boolean keep = onDisk && keepCopies;
                if (keep) Files.createDirectories(kept);
                String where = onDisk ? "disk (" + Files.getFileStore(base).type() + ")" : "tmpfs";
                for (boolean cold : new boolean[] {true, false}) {
                    double[] best = new double[contenders.size()];
                    Arrays.fill(best, Double.MAX_VALUE);
                    // rounds interleave the copiers, so a slow spell of the disk hits all of them
                    for (int r = 0; r < runs; r++) {
                        for (int c = 0; c < contenders.size(); c++) {
                            Path dst = keep ? kept.resolve(tree.name + (cold ? "-cold-" : "-warm-") + c + "-" + r)
                                    : dstRoot.resolve("dst");
                            delete(dst);
                            run(List.of("sync"));
                            // Warm runs drop the caches too, then read the source back in.
                            dropCaches();
                            if (!cold) warm(src);
                            settleFreedMemory();
                            List<String> cmd = contenders.get(c).command.stream().map(x -> x.replace("SRC", src.toString())
                                    .replace("DST", dst.toString())).toList();
                            long t0 = System.nanoTime();
                            run(cmd);
                            best[c] = Math.min(best[c], (System.nanoTime() - t0) / 1e9);
                            check(src, dst);
                        }
                    }
                    String category = where + ", " + (cold ? "cold" : "warm");
                    for (int c = 0; c < contenders.size(); c++) {
                        System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %.2f | %.0f | %.2fx |%n", tree.name, where,
                                cold ? "cold" : "warm", contenders.get(c).name, best[c], bytes / 1e6 / best[c],
                                best[c] / best[0]);
                        wall.value(contenders.get(c).name, category, best[c]);
                        ratio.value(contenders.get(c).name, category, best[c] / best[0]);
                    }
                    double target = cold ? COLD_TARGET : WARM_TARGET;
                    ratio.target("target " + target + "x", category, target);
                }
                delete(dstRoot.resolve("dst"));
            }
        }
        delete(tmpfs);
        delete(base.resolve("dst"));
        delete(kept);
        Charts.write(chart, chartFile);
    }

    /**
     * Whether each copy of a tree of many files onto the disk can stay there until the
     * bench ends, each in a folder of its own, rather than be deleted before the next
     * copy. On an ext4 without a journal (this machine's disk) the inode allocator passes
     * over every free inode deleted in the last 60 s, or 360 s while its inode-table block
     * is dirty, as it is while a copy allocates in it (fs/ext4/ialloc.c,
     * {@code recently_deleted}, {@code find_inode_bit}); dropping the caches does not stop
     * it, since allocating reads the block back. A copy made right after deleting the last
     * one spends most of its time in that scan: {@code cp -a} of the 50,000-file tree warm
     * 4.1-4.8 s that way, 1.6-2.0 s into a folder where nothing was deleted (2026-12-01),
     * and the scan is {@code recently_deleted} and its block look-ups in {@code perf}.
     * Copies of the large tree hold a handful of inodes and are deleted as before.
     */
    private static boolean keepCopies(Path base, SourceTree source, int copies) throws IOException {
        if (source.files() < 1_000) return false;
        long needed = copies * (source.bytes() + source.files() * 4096) + (4L << 30);
        long usable = Files.getFileStore(base).getUsableSpace();
        if (usable >= needed) return true;
        System.out.printf(Locale.ROOT, "%s: %,d MB free on the disk, %,d MB needed to keep its %d copies there: each is"
                + " deleted before the next, and the disk rows include the allocator's scan past recently deleted inodes"
                + " (ext4 without a journal)%n", source.path().getFileName(), usable / 1_000_000, needed / 1_000_000, copies);
        return false;
    }

    /** A generated source tree: where, its bytes and its regular files. */
    private record SourceTree(Path path, long bytes, long files) {}

    private static SourceTree generate(Tree tree, Path src) throws IOException {
        Path marker = src.resolve(".complete");
        if (!Files.exists(marker)) {
            delete(src);
            Files.createDirectories(src);
            tree.generator.generate(src, new Random(20261127), new byte[(int) MIB]);
            Files.createFile(marker);
        }
        try (Stream<Path> s = Files.walk(src)) {
            long[] filesAndBytes = new long[2];
            s.filter(Files::isRegularFile).forEach(p -> {
                filesAndBytes[0]++;
                filesAndBytes[1] += p.toFile().length();
            });
            return new SourceTree(src, filesAndBytes[1], filesAndBytes[0]);
        }
    }

    /** {@code count} files in 350 directories: 1-16 KiB each, or with {@code mixed} 90% so, 9% up to 256 KiB, 1% up to 1 MiB. */
    private static void smallFiles(Path src, Random rnd, byte[] buf, int count, boolean mixed) throws IOException {
        for (int i = 0; i < count; i++) {
            double u = mixed ? rnd.nextDouble() : 0;
            int size = u < 0.90 ? 1024 + rnd.nextInt(15 * 1024)          // 1-16 KiB
                    : u < 0.99 ? 16 * 1024 + rnd.nextInt(240 * 1024)      // 16-256 KiB
                    : 256 * 1024 + rnd.nextInt(768 * 1024);                // 256 KiB-1 MiB
            Path dir = src.resolve("d" + (i % 50)).resolve("e" + (i % 7));
            Files.createDirectories(dir);
            rnd.nextBytes(buf);
            Files.write(dir.resolve("f" + i + ".bin"), Arrays.copyOf(buf, size));
        }
    }

    private static void largeFiles(Path src, Random rnd, byte[] buf, int count, int mib) throws IOException {
        for (int i = 0; i < count; i++) {
            try (FileChannel ch = FileChannel.open(src.resolve("large-" + i + ".bin"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                for (int m = 0; m < mib; m++) {
                    rnd.nextBytes(buf);
                    ch.write(ByteBuffer.wrap(buf));
                }
            }
        }
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

    /**
     * Under free page reporting (a virtio balloon that reports free pages), memory freed
     * by the deletion and the cache drop goes back to the host about 2 s later
     * ({@code PAGE_REPORTING_DELAY} in mm/page_reporting.c; here in 8 MiB blocks,
     * {@code page_reporting_order=11}), and whoever allocates it again waits for the host
     * to fault each page back in. Without a pause a copier paid that or not by when it
     * started: four 512 MiB {@code copy_file_range} copies took 0.28 s to 2.3 s in
     * repeated runs. After the pause every copier starts from memory already reported.
     */
    private static void settleFreedMemory() throws InterruptedException {
        if (PAGE_REPORTING) Thread.sleep(SETTLE_MILLIS);
    }

    private static final long SETTLE_MILLIS = 5_000;
    private static final boolean PAGE_REPORTING = pageReporting();

    private static boolean pageReporting() {
        Path balloon = Path.of("/sys/bus/virtio/drivers/virtio_balloon");
        if (!Files.isDirectory(Path.of("/sys/module/page_reporting")) || !Files.isDirectory(balloon)) return false;
        try (Stream<Path> s = Files.list(balloon)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("virtio"));
        } catch (IOException e) {
            return false;
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
