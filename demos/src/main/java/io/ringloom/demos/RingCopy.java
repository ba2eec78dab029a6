package io.ringloom.demos;

import io.ringloom.CarrierPool;
import io.ringloom.RingFiles;
import io.ringloom.CarrierStats;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitor;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ringcopy}: copies files and trees like {@code cp -a} where it
 * matters, with many files and chunks in flight on Ringloom's carrier pool.
 * Every file is written under a temporary name in its destination folder and
 * renamed into place when complete, so no final name ever holds a partial file.
 */
public final class RingCopy {
    /** Exit codes: 0 all copied, 1 some paths failed, 2 bad usage. */
    static final int OK = 0, FAILED = 1, USAGE = 2;

    static final class Options {
        boolean recursive, preserve, dereference, force, sync, verify, failFast, progress, quiet;
        int jobs = 64;
        int depth = 8;
        int chunkBytes = 1 << 20;
        final List<Path> sources = new ArrayList<>();
        Path destination;
    }

    private final Options opt;
    private final PrintStream err;
    private final CarrierPool pool;
    private final Semaphore filesInFlight;
    private final AtomicInteger running = new AtomicInteger();
    private final Object idle = new Object();
    private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    /** Temporary files being written; removed on failure, on Ctrl-C, on kill. */
    private final Set<Path> temps = ConcurrentHashMap.newKeySet();
    private final List<Path[]> directories = new ArrayList<>();   // (source, target) to finish, walker only
    private final AtomicLong filesDone = new AtomicLong();
    private final AtomicLong bytesDone = new AtomicLong();
    private long filesTotal, bytesTotal;
    private final AtomicInteger tempCounter = new AtomicInteger();
    private final String tempTag = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFL);

    RingCopy(Options opt, PrintStream err, CarrierPool pool) {
        this.opt = opt;
        this.err = err;
        this.pool = pool;
        this.filesInFlight = new Semaphore(opt.jobs);
    }

    // ------------------------------------------------------------ command line

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--demo")) {
            System.exit(Demo.run());
        }
        Options opt;
        try {
            opt = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ringcopy: " + e.getMessage());
            System.err.println(USAGE_TEXT);
            System.exit(USAGE);
            return;
        }
        if (opt == null) {
            System.out.println(USAGE_TEXT);
            System.exit(OK);
            return;
        }
        System.exit(run(opt, System.out, System.err));
    }

    static final String USAGE_TEXT = """
            usage: ringloom copy [options] SRC... DST
              -r, --recursive    copy directories recursively
              -p, --preserve     keep permissions and modification times
              -a, --archive      -r -p, symbolic links copied as links
              -L, --dereference  follow symbolic links in the sources
              -f, --force        replace existing destination files
                  --sync         fsync every file before it is renamed into place
                  --verify       re-read source and copy and compare their SHA-256
                  --fail-fast    stop at the first failed path
                  --progress     show the progress line even when not on a terminal
                  --jobs N       files in flight at once (default 64)
                  --depth N      chunks in flight for one large file (default 8)
              -q, --quiet        no summary
            Symbolic links are copied as links unless -L. FIFOs, sockets and devices are
            skipped with a warning. Exit status: 0 all copied, 1 some path failed, 2 usage.""";

    static Options parse(String[] args) {
        Options o = new Options();
        List<String> paths = new ArrayList<>();
        boolean onlyPaths = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (onlyPaths || !a.startsWith("-") || a.equals("-")) {
                paths.add(a);
                continue;
            }
            switch (a) {
                case "--" -> onlyPaths = true;
                case "-r", "-R", "--recursive" -> o.recursive = true;
                case "-p", "--preserve" -> o.preserve = true;
                case "-a", "--archive" -> { o.recursive = true; o.preserve = true; }
                case "-L", "--dereference" -> o.dereference = true;
                case "-f", "--force" -> o.force = true;
                case "--sync" -> o.sync = true;
                case "--verify" -> o.verify = true;
                case "--fail-fast" -> o.failFast = true;
                case "--progress" -> o.progress = true;
                case "-q", "--quiet" -> o.quiet = true;
                case "--jobs" -> o.jobs = positive(args, ++i, a);
                case "--depth" -> o.depth = positive(args, ++i, a);
                case "-h", "--help" -> { return null; }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (paths.size() < 2) throw new IllegalArgumentException("needs a source and a destination");
        for (String p : paths.subList(0, paths.size() - 1)) o.sources.add(Path.of(p));
        o.destination = Path.of(paths.getLast());
        return o;
    }

    private static int positive(String[] args, int i, String name) {
        if (i >= args.length) throw new IllegalArgumentException(name + " needs a number");
        try {
            int n = Integer.parseInt(args[i]);
            if (n <= 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a positive number, not '" + args[i] + "'");
        }
    }

    /** Copies as {@code opt} says; returns the exit status. */
    static int run(Options opt, PrintStream out, PrintStream err) throws Exception {
        try (CarrierPool pool = CarrierPool.open()) {
            RingCopy copy = new RingCopy(opt, err, pool);
            return copy.execute(out);
        }
    }

    // --------------------------------------------------------------- the run

    int execute(PrintStream out) throws Exception {
        boolean intoDirectory = opt.sources.size() > 1 || Files.isDirectory(opt.destination);
        if (opt.sources.size() > 1 && !Files.isDirectory(opt.destination)) {
            err.println("ringcopy: target '" + opt.destination + "' is not a directory");
            return USAGE;
        }
        scan();
        Thread hook = new Thread(this::removeTemps, "ringcopy-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        long[] irq0 = Interrupts.read();
        long t0 = System.nanoTime();
        Progress progress = Progress.start(this, opt.progress || isTerminal(), err);
        try {
            Thread walker = pool.startVirtualThread(() -> {
                for (Path src : opt.sources) {
                    if (stopped.get()) break;
                    Path target = intoDirectory ? opt.destination.resolve(src.getFileName()) : opt.destination;
                    copyTop(src, target);
                }
                awaitIdle();
                finishDirectories();
            });
            walker.join();
        } finally {
            progress.stop();
            Runtime.getRuntime().removeShutdownHook(hook);
            removeTemps();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long[] irq = Interrupts.read();
        if (!opt.quiet) {
            summary(out, seconds, irq[0] - irq0[0] + irq[1] - irq0[1]);
        }
        return errors.isEmpty() ? OK : FAILED;
    }

    private static boolean isTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** Counts what there is to copy, for the progress line's ETA. */
    private void scan() {
        for (Path src : opt.sources) {
            try {
                Files.walkFileTree(src, opt.dereference ? EnumSet.of(java.nio.file.FileVisitOption.FOLLOW_LINKS)
                        : EnumSet.noneOf(java.nio.file.FileVisitOption.class), opt.recursive ? Integer.MAX_VALUE : 0,
                        new java.nio.file.SimpleFileVisitor<>() {
                            @Override
                            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                                filesTotal++;
                                if (attrs.isRegularFile()) bytesTotal += attrs.size();
                                return FileVisitResult.CONTINUE;
                            }

                            @Override
                            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                                return FileVisitResult.CONTINUE;
                            }
                        });
            } catch (IOException ignored) {
                // reported when the copy reaches it
            }
        }
    }

    private void copyTop(Path src, Path target) {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(src, BasicFileAttributes.class, links());
        } catch (IOException e) {
            fail(src, e);
            return;
        }
        if (attrs.isDirectory()) {
            if (!opt.recursive) {
                fail(src, "is a directory (not copied without -r)");
                return;
            }
            walk(src, target);
        } else {
            submit(src, target, attrs);
        }
    }

    private LinkOption[] links() {
        return opt.dereference ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
    }

    private void walk(Path root, Path targetRoot) {
        try {
            if (Files.exists(targetRoot) && Files.isSameFile(root, targetRoot)) {
                fail(root, "cannot copy a directory into itself");
                return;
            }
            if (targetRoot.toAbsolutePath().normalize().startsWith(root.toAbsolutePath().normalize())) {
                fail(root, "cannot copy a directory into itself ('" + targetRoot + "')");
                return;
            }
            Files.walkFileTree(root, opt.dereference ? EnumSet.of(java.nio.file.FileVisitOption.FOLLOW_LINKS)
                    : EnumSet.noneOf(java.nio.file.FileVisitOption.class), Integer.MAX_VALUE, new FileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (stopped.get()) return FileVisitResult.TERMINATE;
                    Path target = targetRoot.resolve(root.relativize(dir));
                    try {
                        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                            throw new FileAlreadyExistsException(target.toString(), null, "exists and is not a directory");
                        }
                        RingFiles.createDirectories(target);
                        directories.add(new Path[] {dir, target});
                        return FileVisitResult.CONTINUE;
                    } catch (IOException e) {
                        fail(dir, e);
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (stopped.get()) return FileVisitResult.TERMINATE;
                    submit(file, targetRoot.resolve(root.relativize(file)), attrs);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    fail(file, exc);
                    return stopped.get() ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
                    if (exc != null) fail(dir, exc);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            fail(root, e);
        }
    }

    /** Starts one file's copy on its own pool virtual thread, at most --jobs at once. */
    private void submit(Path src, Path target, BasicFileAttributes attrs) {
        if (attrs.isOther() || !attrs.isRegularFile() && !attrs.isSymbolicLink() && !attrs.isDirectory()) {
            err.println("ringcopy: skipping " + describe(src) + ": not a regular file, directory or link");
            filesDone.incrementAndGet();
            return;
        }
        filesInFlight.acquireUninterruptibly();
        running.incrementAndGet();
        pool.startVirtualThread(() -> {
            try {
                if (!stopped.get()) copyOne(src, target, attrs);
            } catch (IOException e) {
                fail(src, e);
            } catch (RuntimeException e) {
                fail(src, e.toString());
            } finally {
                filesDone.incrementAndGet();
                filesInFlight.release();
                if (running.decrementAndGet() == 0) {
                    synchronized (idle) {
                        idle.notifyAll();
                    }
                }
            }
        });
    }

    private void awaitIdle() {
        synchronized (idle) {
            while (running.get() > 0) {
                try {
                    idle.wait(100);
                } catch (InterruptedException e) {
                    stopped.set(true);
                }
            }
        }
    }

    private static String describe(Path p) {
        try {
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            String kind = a.isOther() ? "special file" : "file";
            return kind + " '" + p + "'";
        } catch (IOException e) {
            return "'" + p + "'";
        }
    }

    // --------------------------------------------------------- one file

    private void copyOne(Path src, Path target, BasicFileAttributes attrs) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.isSameFile(src, target)) {
                throw new IOException("'" + src + "' and '" + target + "' are the same file");
            }
            if (!opt.force) throw new FileAlreadyExistsException(target.toString(), null, "exists (use --force to replace)");
        }
        if (attrs.isSymbolicLink()) {
            if (opt.dereference) {
                // Following links, a link still seen as a link points nowhere (as cp -L says).
                throw new NoSuchFileException(src.toString(), null, "dangling symbolic link");
            }
            copyLink(src, target);
            return;
        }
        Path temp = target.resolveSibling(".ringcopy-" + tempTag + "-" + tempCounter.incrementAndGet() + ".tmp");
        temps.add(temp);
        boolean renamed = false;
        try {
            long size;
            try (FileChannel in = RingFiles.open(src, StandardOpenOption.READ);
                 FileChannel out = RingFiles.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                size = in.size();
                copyData(in, out, size);
                if (opt.sync) out.force(true);
            }
            if (opt.preserve) {
                PosixFileAttributes pa = attrs instanceof PosixFileAttributes p ? p
                        : Files.readAttributes(src, PosixFileAttributes.class);
                Files.setPosixFilePermissions(temp, pa.permissions());
                Files.getFileAttributeView(temp, BasicFileAttributeView.class)
                        .setTimes(pa.lastModifiedTime(), pa.lastAccessTime(), null);
            }
            if (opt.force) {
                moveInto(temp, target, true);
            } else {
                moveInto(temp, target, false);
            }
            renamed = true;
            temps.remove(temp);
            if (opt.verify) verify(src, target);
        } finally {
            if (!renamed) {
                Files.deleteIfExists(temp);
                temps.remove(temp);
            }
        }
    }

    private static void moveInto(Path temp, Path target, boolean replace) throws IOException {
        if (!replace && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null, "appeared while copying (use --force to replace)");
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);   // rename(2): all or nothing
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename '" + temp + "' into place atomically", e);
        }
    }

    private void copyLink(Path src, Path target) throws IOException {
        Path link = Files.readSymbolicLink(src);
        if (opt.force) Files.deleteIfExists(target);
        Files.createSymbolicLink(target, link);
        if (opt.preserve) {
            BasicFileAttributes a = Files.readAttributes(src, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Files.getFileAttributeView(target, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(a.lastModifiedTime(), a.lastAccessTime(), null);
        }
    }

    /**
     * Copies the data regions of {@code in} (all of it, unless the file has
     * holes), each as chunks with up to --depth in flight, then sets the exact
     * size so a trailing hole stays a hole.
     */
    private void copyData(FileChannel in, FileChannel out, long size) throws IOException {
        if (size == 0) return;
        List<long[]> regions = new ArrayList<>();
        boolean sparse = size >= SPARSE_CHECK_MIN;
        if (sparse) {
            long pos = 0;
            while (pos < size) {
                long data = RingFiles.nextData(in, pos);
                if (data < 0 || data >= size) break;
                long hole = Math.min(RingFiles.nextHole(in, data), size);
                regions.add(new long[] {data, hole});
                pos = hole;
            }
        } else {
            regions.add(new long[] {0, size});
        }
        List<long[]> chunks = new ArrayList<>();
        for (long[] r : regions) {
            for (long p = r[0]; p < r[1]; p += opt.chunkBytes) chunks.add(new long[] {p, Math.min(r[1], p + opt.chunkBytes)});
        }
        if (chunks.isEmpty()) {
            RingFiles.setSize(out, size);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        IOException[] failure = new IOException[1];
        int bufferSize = size <= SMALL_BUFFER ? SMALL_BUFFER : opt.chunkBytes;
        Runnable worker = () -> {
            ByteBuffer buf = takeBuffer(bufferSize);
            try {
                int c;
                while ((c = next.getAndIncrement()) < chunks.size() && failure[0] == null) {
                    long from = chunks.get(c)[0], to = chunks.get(c)[1];
                    buf.clear().limit((int) (to - from));
                    while (buf.hasRemaining()) {
                        if (in.read(buf, from + buf.position()) < 0) {
                            throw new IOException("source shrank while being copied");
                        }
                    }
                    buf.flip();
                    long at = from;
                    while (buf.hasRemaining()) at += out.write(buf, at);
                    bytesDone.addAndGet(to - from);
                }
            } catch (IOException e) {
                synchronized (failure) {
                    if (failure[0] == null) failure[0] = e;
                }
            } finally {
                giveBuffer(buf);   // every read and write on it has returned: the kernel is done with it
            }
        };
        int helpers = Math.min(opt.depth, chunks.size()) - 1;
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < helpers; i++) ts.add(pool.startVirtualThread(worker));
        worker.run();
        for (Thread t : ts) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("copy interrupted");
            }
        }
        if (failure[0] != null) throw failure[0];
        if (regions.isEmpty() || regions.getLast()[1] < size) {
            RingFiles.setSize(out, size);   // a trailing hole: size the copy without writing zeros
        }
    }

    /** Direct buffers for chunks, reused: allocating one per file costs more than copying a small file. */
    private final ConcurrentLinkedQueue<ByteBuffer> smallBuffers = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<ByteBuffer> largeBuffers = new ConcurrentLinkedQueue<>();
    private static final int SMALL_BUFFER = 64 * 1024;

    private ByteBuffer takeBuffer(int size) {
        ByteBuffer b = (size == SMALL_BUFFER ? smallBuffers : largeBuffers).poll();
        return b != null ? b : ByteBuffer.allocateDirect(size);
    }

    private void giveBuffer(ByteBuffer b) {
        (b.capacity() == SMALL_BUFFER ? smallBuffers : largeBuffers).offer(b);
    }

    /** Files from this size on are mapped with SEEK_DATA/SEEK_HOLE, so their holes stay holes. */
    private static final long SPARSE_CHECK_MIN = 64 * 1024;

    private void verify(Path src, Path target) throws IOException {
        byte[] a = sha256(src), b = sha256(target);
        if (!java.util.Arrays.equals(a, b)) {
            throw new IOException("verification failed: SHA-256 " + HexFormat.of().formatHex(a) + " of the source, "
                    + HexFormat.of().formatHex(b) + " of the copy");
        }
    }

    private static byte[] sha256(Path p) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (FileChannel ch = RingFiles.open(p, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            while (ch.read(buf.clear()) > 0) md.update(buf.flip());
        }
        return md.digest();
    }

    /** Directory modes and times, deepest first, once their contents are in place. */
    private void finishDirectories() {
        if (!opt.preserve) return;
        for (int i = directories.size() - 1; i >= 0; i--) {
            Path src = directories.get(i)[0], target = directories.get(i)[1];
            try {
                PosixFileAttributes a = Files.readAttributes(src, PosixFileAttributes.class);
                PosixFileAttributeView v = Files.getFileAttributeView(target, PosixFileAttributeView.class);
                v.setPermissions(a.permissions());
                v.setTimes(a.lastModifiedTime(), a.lastAccessTime(), null);
            } catch (IOException e) {
                fail(src, e);
            }
        }
    }

    // ----------------------------------------------------- errors and output

    private void fail(Path p, IOException e) {
        String reason = switch (e) {
            case NoSuchFileException x -> x.getReason() != null ? "no such file or directory (" + x.getReason() + ")"
                    : "no such file or directory";
            case FileAlreadyExistsException x -> x.getReason() != null ? x.getFile() + " " + x.getReason() : "already exists";
            case java.nio.file.AccessDeniedException x -> "permission denied";
            case java.nio.file.FileSystemException x -> x.getReason() != null ? x.getReason() : x.toString();
            default -> e.getMessage() != null ? e.getMessage() : e.toString();
        };
        fail(p, reason);
    }

    private void fail(Path p, String reason) {
        errors.add(p + ": " + reason);
        err.println("ringcopy: " + p + ": " + reason);
        if (opt.failFast) stopped.set(true);
    }

    private void removeTemps() {
        for (Path t : temps) {
            try {
                Files.deleteIfExists(t);
            } catch (IOException ignored) {
                // best effort on the way out; the name marks it as ours
            }
        }
    }

    private void summary(PrintStream out, double seconds, long ipis) {
        long sqes = 0, enters = 0;
        for (CarrierStats s : pool.stats()) {
            sqes += s.sqesSubmitted();
            enters += s.enters();
        }
        double mb = bytesDone.get() / 1e6;
        out.printf(Locale.ROOT, "ringcopy: %d files, %,d bytes in %.2f s (%.1f MB/s); %d failed%n",
                filesDone.get(), bytesDone.get(), seconds, mb / Math.max(seconds, 1e-9), errors.size());
        out.printf(Locale.ROOT, "ringcopy: pool %s: %d SQEs, %d kernel enters, %d IPIs (RES+CAL, all CPUs) during the run%n",
                pool.isFallback() ? "in fallback (" + pool.fallbackReason() + ")" : pool.carrierCount() + " carriers",
                sqes, enters, ipis);
    }

    long filesDone() {
        return filesDone.get();
    }

    long bytesDone() {
        return bytesDone.get();
    }

    long filesTotal() {
        return filesTotal;
    }

    long bytesTotal() {
        return bytesTotal;
    }
}
