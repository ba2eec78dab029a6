package io.ringloom.demos;

import io.ringloom.DirectoryEntry;
import io.ringloom.RingFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitor;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * Decides what a ringcopy run copies: walks the sources (following links with
 * -L, into directories with -r), makes the destination directories, hands
 * each file and link to the {@link FileCopier} as a job, skips special files
 * with a warning, and gives directories their modes and times last.
 */
final class TreeWalker {
    /**
     * Files of one directory copied one after another by one job, at most: jobs in
     * flight then work in different directories, and two carriers no longer take turns
     * at one directory's lock for every create and rename (docs/DESIGN.md, "ringcopy's
     * calls per file"); a directory of many files still gets several jobs.
     */
    private static final int FILES_PER_JOB = 32;
    /**
     * A file from this size on gets a job of its own: it is copied as 1 MiB chunks in
     * flight at once, with one chunk in the kernel at a time (RingFiles.copyRange), so
     * large files of one folder must be in different jobs to copy in parallel.
     */
    private static final long OWN_JOB_SIZE = 1 << 20;
    /**
     * A folder whose first file took this long to look up ({@code lstat}) is taken to be
     * on the disk, not in the cache: the walk then looks up each of its files in turn, in
     * the folder's order, before a job opens it. A job's open of a file not in the cache
     * goes to an io-wq worker, and 64 of those at once cost more CPU than the walk's one
     * lookup after another, which also reads the inode table in order (docs/DESIGN.md,
     * "ringcopy's calls per file"). A cached lookup takes a few microseconds, a read
     * from the disk a hundred or more.
     */
    private static final long COLD_LOOKUP_NANOS = 50_000;
    private final CopyOptions opt;
    private final FileCopier copier;
    private final CopyJobs jobs;
    private final CopySummary summary;
    private final PathFailures failures;
    private final PrintStream err;
    /** Directories whose modes (and with -p times) are set at the end; walker thread only. */
    private final List<Directory> directories = new ArrayList<>();
    /** Files of one directory not yet started, copied one after another by one job; walker thread only. */
    private List<FileJob> batch = new ArrayList<>();
    /** The directory of {@link #batch}'s files; walker thread only. */
    private Path batchDir;

    /** One file or link to copy; {@code link}: a link seen as a link (with -L, one that points nowhere). */
    private record FileJob(Path src, Path target, boolean link) {}

    /** {@code made}: this run made the copy (a folder that was there keeps its mode without -p, as with cp). */
    private record Directory(Path source, Path target, boolean made) {}

    TreeWalker(CopyOptions opt, FileCopier copier, CopyJobs jobs, CopySummary summary, PathFailures failures,
               PrintStream err) {
        this.opt = opt;
        this.copier = copier;
        this.jobs = jobs;
        this.summary = summary;
        this.failures = failures;
        this.err = err;
    }

    /**
     * Counts what there is to copy, for the progress line's totals and ETA: the JDK's walk,
     * which reads each file's size. It runs beside the copy on a thread of its own
     * (RingCopy), and ends early when {@code stop} turns true.
     */
    void countSources(BooleanSupplier stop) {
        for (Path src : opt.sources()) {
            if (stop.getAsBoolean()) return;
            try {
                Files.walkFileTree(src, visitOptions(), opt.recursive() ? Integer.MAX_VALUE : 0,
                        new SimpleFileVisitor<>() {
                            @Override
                            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                                summary.planned(attrs);
                                return stop.getAsBoolean() ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
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

    /** Copies every source, into the destination when it is a directory; returns when all jobs have ended. */
    void copyAll(boolean intoDirectory) {
        for (Path src : opt.sources()) {
            if (failures.stopped()) break;
            copySource(src, intoDirectory ? opt.destination().resolve(src.getFileName()) : opt.destination());
        }
        flushBatch();
        jobs.awaitIdle(failures::stop);
        finishDirectories();
    }

    private Set<FileVisitOption> visitOptions() {
        return opt.dereference() ? EnumSet.of(FileVisitOption.FOLLOW_LINKS) : EnumSet.noneOf(FileVisitOption.class);
    }

    private void copySource(Path src, Path target) {
        BasicFileAttributes attrs;
        try {
            LinkOption[] links = opt.dereference() ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
            attrs = Files.readAttributes(src, BasicFileAttributes.class, links);
        } catch (IOException e) {
            failures.fail(src, e);
            return;
        }
        if (attrs.isDirectory()) {
            if (!opt.recursive()) {
                failures.fail(src, "is a directory (not copied without -r)");
                return;
            }
            walk(src, target);
        } else {
            submit(src, target, attrs);
        }
    }

    /** A file or link that the walk found by a {@code stat}: its kind and size known. */
    private void submit(Path src, Path target, BasicFileAttributes attrs) {
        if (attrs.isOther() || !attrs.isRegularFile() && !attrs.isSymbolicLink() && !attrs.isDirectory()) {
            skipSpecial(src);
            return;
        }
        submit(src, target, attrs.isSymbolicLink(), attrs.size());
    }

    private void walk(Path root, Path targetRoot) {
        try {
            if (Files.exists(targetRoot) && Files.isSameFile(root, targetRoot)) {
                failures.fail(root, "cannot copy a directory into itself");
                return;
            }
            if (targetRoot.toAbsolutePath().normalize().startsWith(root.toAbsolutePath().normalize())) {
                failures.fail(root, "cannot copy a directory into itself ('" + targetRoot + "')");
                return;
            }
        } catch (IOException e) {
            failures.fail(root, e);
            return;
        }
        if (opt.dereference()) {
            walkFollowingLinks(root, targetRoot);
        } else {
            walkEntries(root, targetRoot);
        }
    }

    /**
     * The walk without -L: each directory's entries with the types it records
     * ({@link RingFiles#entries}, {@code getdents64}), so a folder in the cache costs
     * no {@code lstat} per file (docs/DESIGN.md, "ringcopy's calls per file"): only the
     * first file's, and every file's in a folder found on the disk
     * ({@link #COLD_LOOKUP_NANOS}) or on a file system that keeps no types. Directories
     * are made before their contents, depth first; a directory's files go to jobs
     * before its subdirectories are read.
     */
    private void walkEntries(Path root, Path targetRoot) {
        ArrayDeque<Path[]> pending = new ArrayDeque<>();   // {source, target}, next on top
        pending.push(new Path[] {root, targetRoot});
        while (!pending.isEmpty() && !failures.stopped()) {
            Path[] next = pending.pop();
            Path dir = next[0], target = next[1];
            List<DirectoryEntry> entries;
            try {
                entries = RingFiles.entries(dir);
            } catch (IOException e) {
                failures.fail(dir, e);   // as the JDK's walk: a folder that cannot be read is not made
                continue;
            }
            if (!makeDirectory(dir, target)) continue;
            List<Path[]> subdirectories = new ArrayList<>();
            // Whether this folder's files are looked up here, one after another, before their
            // jobs open them: decided by the first one's lookup (see COLD_LOOKUP_NANOS)
            Boolean lookUpEach = null;
            for (DirectoryEntry e : entries) {
                if (failures.stopped()) break;
                Path src = e.path(), copy = target.resolve(src.getFileName());
                switch (e.type()) {
                    case FILE -> {
                        if (Boolean.FALSE.equals(lookUpEach)) {
                            submit(src, copy, false, -1);
                            continue;
                        }
                        long start = System.nanoTime();
                        try {
                            submit(src, copy, Files.readAttributes(src, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
                        } catch (IOException x) {
                            failures.fail(src, x);
                        }
                        if (lookUpEach == null) lookUpEach = System.nanoTime() - start >= COLD_LOOKUP_NANOS;
                    }
                    case LINK -> submit(src, copy, true, -1);
                    case DIRECTORY -> subdirectories.add(new Path[] {src, copy});
                    case OTHER -> skipSpecial(src);
                    case UNKNOWN -> {
                        try {
                            BasicFileAttributes a = Files.readAttributes(src, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                            if (a.isDirectory()) subdirectories.add(new Path[] {src, copy});
                            else submit(src, copy, a);
                        } catch (IOException x) {
                            failures.fail(src, x);
                        }
                    }
                }
            }
            flushBatch();
            for (int i = subdirectories.size() - 1; i >= 0; i--) pending.push(subdirectories.get(i));
        }
    }

    /**
     * Makes the copy of the directory {@code dir} (and any missing parent), to be given
     * its mode and times at the end; false, with the failure reported, where it cannot be.
     */
    private boolean makeDirectory(Path dir, Path target) {
        try {
            boolean there = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
            if (there && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(target.toString(), null, "exists and is not a directory");
            }
            if (!there) {
                // Made with the source's permission bits and the owner's rwx (so that its contents
                // can be written), less the umask, as cp makes it; with -p, whose copy may go to
                // another owner or group (or take a set-group-ID parent's), the owner's bits alone
                // until finishDirectories has set owner and mode. So a private folder is never
                // open to others, not even if the run is killed.
                Set<PosixFilePermission> perms = EnumSet.copyOf(OWNER_RWX);
                if (!opt.preserve()) perms.addAll(Files.readAttributes(dir, PosixFileAttributes.class).permissions());
                if (target.getParent() != null) RingFiles.createDirectories(target.getParent());
                RingFiles.createDirectories(target, PosixFilePermissions.asFileAttribute(perms));
                if (Owners.SELF.umask() < 0 || (Owners.SELF.umask() & 0700) != 0) {
                    // a umask that takes the owner's bits: put them back until the end, as cp does
                    int made = modeBits(target);
                    if ((made & 0700) != 0700) Files.setAttribute(target, "unix:mode", made | 0700);
                }
            }
            directories.add(new Directory(dir, target, !there));
            return true;
        } catch (IOException e) {
            failures.fail(dir, e);
            return false;
        }
    }

    /** The owner's read, write and search permissions, which a folder being filled needs. */
    private static final Set<PosixFilePermission> OWNER_RWX = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    /** {@code st_mode & 07777} of {@code p} (following a link): permission, set-id and sticky bits. */
    private static int modeBits(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode") & 07777;
    }

    /** The walk with -L: the JDK's, which follows links and finds the loops they make. */
    private void walkFollowingLinks(Path root, Path targetRoot) {
        try {
            // The target of the directory being visited, and of each one above it: a file's
            // target is its directory's and its own name (relativizing every path against
            // the root was a seventh of ringcopy's Java time on a tree of small files).
            ArrayDeque<Path> targets = new ArrayDeque<>();
            Files.walkFileTree(root, visitOptions(), Integer.MAX_VALUE, new FileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (failures.stopped()) return FileVisitResult.TERMINATE;
                    Path target = targets.isEmpty() ? targetRoot : targets.peek().resolve(dir.getFileName());
                    if (!makeDirectory(dir, target)) return FileVisitResult.SKIP_SUBTREE;   // no postVisitDirectory follows
                    targets.push(target);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (failures.stopped()) return FileVisitResult.TERMINATE;
                    submit(file, targets.peek().resolve(file.getFileName()), attrs);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    failures.fail(file, exc);
                    return failures.stopped() ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
                    flushBatch();
                    targets.pop();
                    if (exc != null) failures.fail(dir, exc);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            failures.fail(root, e);
        }
    }

    /** A special file (FIFO, socket, device) is not copied: only counted, with a warning. */
    private void skipSpecial(Path src) {
        err.println("ringcopy: skipping " + describe(src) + ": not a regular file, directory or link");
        summary.fileDone();
    }

    /**
     * Queues one file's or link's copy; {@code size} -1 where the walk did not read it.
     * Files of one directory smaller than {@link #OWN_JOB_SIZE} are copied one after
     * another by one job, up to {@link #FILES_PER_JOB} of them, so that the jobs in flight
     * work in different directories (docs/DESIGN.md, "ringcopy's calls per file"). A file
     * whose size the walk did not read may turn out that large in a job: the job then
     * hands the files after it to a job of their own ({@link #runJob}).
     */
    private void submit(Path src, Path target, boolean link, long size) {
        if (size >= OWN_JOB_SIZE) {
            // its chunks are in flight at once already, and one in-kernel copy at a time
            // per file: in a batch, such files of one folder would copy one at a time
            startJob(List.of(new FileJob(src, target, link)));
            return;
        }
        Path dir = target.getParent();
        if (batch.size() >= FILES_PER_JOB || (batchDir != null && !batchDir.equals(dir))) flushBatch();
        batchDir = dir;
        batch.add(new FileJob(src, target, link));
    }

    private void flushBatch() {
        if (batch.isEmpty()) return;
        List<FileJob> files = batch;
        batch = new ArrayList<>();
        batchDir = null;
        startJob(files);
    }

    private void startJob(List<FileJob> files) {
        jobs.start(() -> runJob(files));
    }

    /**
     * Copies {@code files} one after another. When one turns out to be of
     * {@link #OWN_JOB_SIZE} or more once open, the files after it go to a job of their
     * own before its data is copied, where a job slot is free, so that large files of
     * one folder still copy in parallel.
     */
    private void runJob(List<FileJob> files) {
        for (int i = 0; i < files.size(); i++) {
            FileJob f = files.get(i);
            List<FileJob> rest = files.subList(i + 1, files.size());
            boolean[] handedOn = {false};
            LongConsumer sizeKnown = rest.isEmpty() ? size -> {} : size -> {
                if (size >= OWN_JOB_SIZE && !handedOn[0]) {
                    List<FileJob> after = List.copyOf(rest);
                    handedOn[0] = jobs.tryStart(() -> runJob(after));
                }
            };
            try {
                if (!failures.stopped()) copier.copy(f.src(), f.target(), f.link(), sizeKnown);
            } catch (IOException e) {
                failures.fail(f.src(), e);
            } catch (RuntimeException e) {
                failures.fail(f.src(), e.toString());
            } finally {
                summary.fileDone();
            }
            if (handedOn[0]) return;
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

    /**
     * Directory modes, deepest first, once their contents are in place: with -p the
     * source's owner, mode (set-id and sticky bits too) and times; without, as cp: a
     * folder this run made keeps only the permission bits its source has (it was made
     * with all of them less the umask, so that its contents could be written), which is
     * the source's mode less the umask.
     */
    private void finishDirectories() {
        for (int i = directories.size() - 1; i >= 0; i--) {
            Directory d = directories.get(i);
            if (!opt.preserve() && !d.made()) continue;
            try {
                if (opt.preserve()) {
                    Map<String, Object> a = Files.readAttributes(d.source(), "unix:mode,uid,gid,lastModifiedTime,lastAccessTime");
                    Map<String, Object> made = Files.readAttributes(d.target(), "unix:uid,gid");
                    boolean idsKept = Owners.keep((Integer) a.get("uid"), (Integer) a.get("gid"), (Integer) made.get("uid"),
                            (Integer) made.get("gid"), (u, g) -> FileCopier.setOwnerOf(d.target(), u, g));
                    Files.setAttribute(d.target(), "unix:mode", Owners.modeToKeep((Integer) a.get("mode") & 07777, idsKept));
                    Files.getFileAttributeView(d.target(), PosixFileAttributeView.class)
                            .setTimes((FileTime) a.get("lastModifiedTime"), (FileTime) a.get("lastAccessTime"), null);
                } else {
                    // cp -r: the source's permission bits less the umask, its sticky bit, and a
                    // set-group-ID bit inherited from the parent
                    int source = modeBits(d.source());
                    int made = modeBits(d.target());
                    int umask = Owners.SELF.umask();
                    int permissions = umask >= 0 ? source & ~umask & 0777 : made & source & 0777;
                    int kept = made & 02000 | source & 01000 | permissions;
                    if (kept != made) Files.setAttribute(d.target(), "unix:mode", kept);
                }
            } catch (IOException e) {
                failures.fail(d.source(), e);
            }
        }
    }
}
