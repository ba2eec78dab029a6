package io.ringloom.demos;

import io.ringloom.CarrierPool;
import io.ringloom.rings.sys.NoFdLeftOpen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * ringcopy on generated trees: exact copies, errors per path, and never a partial
 * file under a final name; copies written as unnamed files ({@link RingCopyNamedTempIT}:
 * under temporary names). Every case ends with no fd left open: each copy's pool has
 * closed its rings and eventfds, and every file the copy opened is closed.
 */
@ExtendWith(NoFdLeftOpen.class)
class RingCopyIT {
    @TempDir
    Path dir;

    record Run(int status, String out, String err) {}

    private static Run copy(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = RingCopy.run(RingCopy.parse(args), new PrintStream(out, true), new PrintStream(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    private static void sh(Path cwd, String script) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", script).directory(cwd.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), script + ": " + output);
    }

    private static long blocks(Path p) throws Exception {
        Process proc = new ProcessBuilder("stat", "-c", "%b", p.toString()).start();
        String s = new String(proc.getInputStream().readAllBytes()).trim();
        assertEquals(0, proc.waitFor());
        return Long.parseLong(s);
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** The tree the issue asks for: nested folders, 0/1 byte, 1 MiB, 100 MiB sparse, links, odd names, modes, mtimes. */
    private Path tree() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Path deep = Files.createDirectories(src.resolve("a/b/c/d"));
        Files.write(src.resolve("empty"), new byte[0]);
        Files.write(src.resolve("one"), new byte[] {42});
        Files.write(deep.resolve("mib.bin"), random(1 << 20, 1));
        Files.write(src.resolve("name with spaces.txt"), "spaces".getBytes());
        // a folder of more files than one job takes, some large enough for a job of their own
        // that the walk (which reads no sizes) only learns of once a job has opened them
        Path many = Files.createDirectories(src.resolve("many"));
        for (int i = 0; i < 70; i++) {
            Files.write(many.resolve("f" + i), random(i % 10 == 5 ? (3 << 19) + i : 100 + i, 100 + i));
        }
        Files.write(src.resolve("new\nline"), "newline".getBytes());
        sh(src, "printf 'latin-1 bytes' > \"$(printf 'bad\\377name\\351')\"");
        try (FileChannel ch = FileChannel.open(src.resolve("a/sparse.bin"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(random(4096, 2)), 0);
            ch.write(ByteBuffer.wrap(random(4096, 3)), 50L << 20);
            ch.write(ByteBuffer.wrap("end".getBytes()), (100L << 20) - 3);
        }
        try (FileChannel ch = FileChannel.open(src.resolve("a/trailing-hole.bin"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(random(100_000, 4)), 0);
            ch.truncate(0);
        }
        sh(src, "truncate -s 10M a/trailing-hole.bin && printf data | dd of=a/trailing-hole.bin conv=notrunc status=none");
        Files.createSymbolicLink(src.resolve("link-to-one"), Path.of("one"));
        Files.createSymbolicLink(src.resolve("a/b/link-up"), Path.of("../../empty"));
        Files.setPosixFilePermissions(src.resolve("one"), PosixFilePermissions.fromString("r--------"));
        Files.setPosixFilePermissions(deep.resolve("mib.bin"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(src.resolve("a/b"), PosixFilePermissions.fromString("rwx--x--x"));
        // a mode the usual umask (022) takes bits from, so -p has to set it after the create
        Files.setPosixFilePermissions(src.resolve("name with spaces.txt"), PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setLastModifiedTime(src.resolve("empty"), FileTime.fromMillis(1_000_000_000_123L));
        Files.setLastModifiedTime(deep.resolve("mib.bin"), FileTime.fromMillis(1_234_567_890_000L));
        Files.setLastModifiedTime(src.resolve("a/b/c"), FileTime.fromMillis(1_500_000_000_000L));
        return src;
    }

    private static List<Path> entries(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(root::relativize).sorted().toList();
        }
    }

    private static void assertSameTree(Path src, Path dst) throws Exception {
        List<Path> a = entries(src), b = entries(dst);
        assertEquals(a.stream().map(Path::toString).toList(), b.stream().map(Path::toString).toList());
        for (Path rel : a) {
            Path s = src.resolve(rel), d = dst.resolve(rel);
            PosixFileAttributes sa = Files.readAttributes(s, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            PosixFileAttributes da = Files.readAttributes(d, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            assertEquals(sa.isDirectory(), da.isDirectory(), rel.toString());
            assertEquals(sa.isSymbolicLink(), da.isSymbolicLink(), rel.toString());
            assertEquals(sa.lastModifiedTime(), da.lastModifiedTime(), "mtime of " + rel);
            assertEquals(Files.getAttribute(s, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                    Files.getAttribute(d, "unix:uid", LinkOption.NOFOLLOW_LINKS), "owner of " + rel);
            assertEquals(Files.getAttribute(s, "unix:gid", LinkOption.NOFOLLOW_LINKS),
                    Files.getAttribute(d, "unix:gid", LinkOption.NOFOLLOW_LINKS), "group of " + rel);
            if (sa.isSymbolicLink()) {
                assertEquals(Files.readSymbolicLink(s), Files.readSymbolicLink(d), rel.toString());
                continue;
            }
            assertEquals(sa.permissions(), da.permissions(), "mode of " + rel);
            assertEquals(modeBits(s), modeBits(d), "set-id and sticky bits of " + rel);
            if (sa.isRegularFile()) {
                assertEquals(sa.size(), da.size(), "size of " + rel);
                assertTrue(sameContent(s, d), "content of " + rel);
            }
        }
    }

    /** {@code st_mode & 07777}: the permission bits with the set-id and sticky bits. */
    private static int modeBits(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static boolean isRoot() throws IOException {
        return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }

    private static boolean sameContent(Path a, Path b) throws IOException {
        return Files.mismatch(a, b) == -1;
    }

    @Test
    void copiesATreeExactly() throws Exception {
        Path src = tree();
        Path dst = dir.resolve("dst");
        Run run = copy("-a", src.toString(), dst.toString());
        assertEquals(0, run.status(), run.err());
        assertSameTree(src, dst);
        assertTrue(blocks(dst.resolve("a/sparse.bin")) < 1000, "the 100 MiB sparse file must stay sparse");
        assertTrue(blocks(dst.resolve("a/trailing-hole.bin")) < 100, "a trailing hole must stay a hole");
        assertTrue(run.out().contains("failed"), run.out());
        try (Stream<Path> s = Files.walk(dst)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".ringcopy-")).toList());
        }
    }

    /** With the progress line the totals are counted beside the copy, which comes out the same. */
    @Test
    void copiesATreeExactlyWithTheProgressLine() throws Exception {
        Path src = tree();
        Path dst = dir.resolve("dst");
        Run run = copy("-a", "--progress", src.toString(), dst.toString());
        assertEquals(0, run.status(), run.err());
        assertSameTree(src, dst);
        // a line drawn every 200 ms, if the copy lasted that long, then erased
        assertTrue(run.err().endsWith("\r\033[K"), () -> "the line is erased at the end: " + run.err());
        String drawn = run.err().substring(0, run.err().length() - "\r\033[K".length());
        if (!drawn.isEmpty()) assertTrue(drawn.startsWith("\r") && drawn.contains(" files, "), drawn);
    }

    /**
     * -a keeps what cp -a keeps of a file, a folder and a link: owner and group (as root),
     * the set-user-ID, set-group-ID and sticky bits, which a change of owner would clear
     * if the mode were set before it, and the times; compared with the source and with
     * what {@code cp -a} made of it.
     */
    @Test
    void archiveKeepsOwnersAndTheSetIdAndStickyBitsAsCpDoes() throws Exception {
        assumeTrue(isRoot(), "giving files to other users takes root");
        Path src = Files.createDirectories(dir.resolve("src"));
        Path shared = Files.createDirectories(src.resolve("shared"));
        Path tool = Files.write(shared.resolve("tool"), random(5000, 9));
        Path groupTool = Files.write(shared.resolve("group-tool"), random(70_000, 10));
        Path theirs = Files.write(src.resolve("theirs"), random(10, 11));
        Path link = Files.createSymbolicLink(src.resolve("their-link"), Path.of("theirs"));
        Files.setAttribute(tool, "unix:uid", 65534);
        Files.setAttribute(groupTool, "unix:gid", 65534);
        Files.setAttribute(theirs, "unix:uid", 65533);
        Files.setAttribute(theirs, "unix:gid", 65532);
        Files.setAttribute(link, "unix:uid", 65531, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(shared, "unix:gid", 65534);
        Files.setAttribute(tool, "unix:mode", 04755);        // after the chowns, which clear these bits
        Files.setAttribute(groupTool, "unix:mode", 02750);
        Files.setAttribute(shared, "unix:mode", 03775);      // set-group-ID and sticky folder
        Files.setLastModifiedTime(tool, FileTime.fromMillis(1_300_000_000_000L));
        Files.setLastModifiedTime(shared, FileTime.fromMillis(1_400_000_000_000L));

        Path dst = dir.resolve("dst");
        Run run = copy("-a", src.toString(), dst.toString());
        assertEquals(0, run.status(), run.err());
        assertSameTree(src, dst);
        assertEquals(04755, modeBits(dst.resolve("shared/tool")));
        assertEquals(65531, Files.getAttribute(dst.resolve("their-link"), "unix:uid", LinkOption.NOFOLLOW_LINKS));

        Path byCp = dir.resolve("by-cp");
        sh(dir, "cp -a '" + src + "' '" + byCp + "'");
        for (Path rel : entries(byCp)) {
            for (String a : List.of("unix:uid", "unix:gid", "unix:mode")) {
                assertEquals(Files.getAttribute(byCp.resolve(rel), a, LinkOption.NOFOLLOW_LINKS),
                        Files.getAttribute(dst.resolve(rel), a, LinkOption.NOFOLLOW_LINKS), a + " of " + rel);
            }
        }

        // -r alone keeps none of it, as cp -r: the copier's own files, no set-id bits
        Path plain = dir.resolve("plain");
        Run r = copy("-r", src.toString(), plain.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(0, Files.getAttribute(plain.resolve("theirs"), "unix:uid"));
        assertEquals(0, modeBits(plain.resolve("shared/tool")) & 07000);
    }

    /**
     * The progress line's totals count every name of a hard-linked file, whose data -a
     * copies once: at the end its bytes reach the total, with nothing left for the ETA.
     */
    @Test
    void progressOfAnArchiveWithHardLinksEndsAtItsTotals() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Path a = Files.write(src.resolve("a"), random(3_000_000, 70));
        Files.createLink(src.resolve("a-again"), a);
        Files.write(src.resolve("b"), random(1_000_000, 71));
        CopyOptions opt = RingCopy.parse(new String[] {"-a", src.toString(), dir.resolve("dst").toString()});
        CopySummary summary = new CopySummary();
        ByteArrayOutputStream messages = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(messages, true);
        try (CarrierPool pool = CarrierPool.builder().withoutJdkSocketPoller().withoutMxBean().build()) {
            TreeWalker walker = new TreeWalker(opt, new FileCopier(opt, summary), new CopyJobs(pool, opt.jobs()),
                    summary, new PathFailures(err, false), err);
            walker.countSources(() -> false);
            summary.countingDone();
            pool.startVirtualThread(() -> walker.copyAll(false)).join();
        }
        assertEquals(3, summary.filesDone(), messages.toString());
        assertEquals(4_000_000, summary.bytesDone(), "each file's data copied once");
        assertTrue(Files.isSameFile(dir.resolve("dst/a"), dir.resolve("dst/a-again")));
        String line = Progress.line(summary, 1.0);
        assertTrue(line.startsWith("\r3/3 files, 7.0/7.0 MB, 4.0 MB/s, ETA 0 s"), line);
    }

    /**
     * -a copies files that are names of one file as names of one copy, as cp -a does, in
     * one folder or across folders, small or large; a file with another name outside the
     * tree is copied as a file. -r copies each name as a file of its own.
     */
    @Test
    void archiveKeepsHardLinksAsCpDoes() throws Exception {
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("sub/deeper"));
        Path a = Files.write(src.resolve("a"), random(100_000, 50));
        Files.createLink(src.resolve("sub/a-again"), a);
        Files.createLink(src.resolve("sub/deeper/a-third"), a);
        Path large = Files.write(src.resolve("sub/large"), random(3 << 20, 51));   // a job of its own
        Files.createLink(src.resolve("large-again"), large);
        Files.createLink(src.resolve("sub/b-first"), Files.write(src.resolve("sub/b"), random(10, 52)));
        Files.createLink(dir.resolve("outside"), Files.write(src.resolve("linked-from-outside"), random(10, 53)));
        for (int i = 0; i < 40; i++) Files.write(src.resolve("sub/f" + i), random(100 + i, 60 + i));   // between them

        Path dst = dir.resolve("dst");
        Run run = copy("-a", "--verify", src.toString(), dst.toString());
        assertEquals(0, run.status(), run.err());
        assertSameTree(src, dst);
        assertTrue(Files.isSameFile(dst.resolve("a"), dst.resolve("sub/a-again")));
        assertTrue(Files.isSameFile(dst.resolve("a"), dst.resolve("sub/deeper/a-third")));
        assertEquals(3, Files.getAttribute(dst.resolve("a"), "unix:nlink"));
        assertTrue(Files.isSameFile(dst.resolve("sub/large"), dst.resolve("large-again")));
        assertTrue(Files.isSameFile(dst.resolve("sub/b"), dst.resolve("sub/b-first")));
        assertFalse(Files.isSameFile(dst.resolve("a"), a), "a copy, not a link to the source");
        assertEquals(1, Files.getAttribute(dst.resolve("linked-from-outside"), "unix:nlink"));

        Path byCp = dir.resolve("by-cp");
        sh(dir, "cp -a '" + src + "' '" + byCp + "'");
        for (Path rel : entries(byCp)) {
            assertEquals(Files.getAttribute(byCp.resolve(rel), "unix:nlink", LinkOption.NOFOLLOW_LINKS),
                    Files.getAttribute(dst.resolve(rel), "unix:nlink", LinkOption.NOFOLLOW_LINKS), "links of " + rel);
        }

        // a name whose copy is refused (a file in the way) costs the other names nothing
        Path into = Files.createDirectories(dir.resolve("into"));
        Files.write(into.resolve("a"), "in the way".getBytes());
        Run refused = copy("-a", src + "/.", into.toString());
        assertEquals(1, refused.status(), refused.err());
        assertEquals("in the way", Files.readString(into.resolve("a")));
        assertTrue(sameContent(a, into.resolve("sub/a-again")));
        assertTrue(Files.isSameFile(into.resolve("sub/a-again"), into.resolve("sub/deeper/a-third")));

        // two names of one file given for one target: the copy made for the first stays
        Path x = Files.write(Files.createDirectories(dir.resolve("twins/one")).resolve("x"), random(100, 55));
        Path sameX = Files.createLink(Files.createDirectories(dir.resolve("twins/two")).resolve("x"), x);
        Path one = Files.createDirectories(dir.resolve("one"));
        Run twice = copy("-af", x.toString(), sameX.toString(), one.toString());
        assertEquals(1, twice.status(), twice.err());
        assertTrue(twice.err().contains("will not overwrite"), twice.err());
        assertTrue(sameContent(x, one.resolve("x")), "the first copy is kept");
        // --force replaces files, never a folder, even an empty one, also for a name linked to
        // the first copy (one job at a time: the walk's order, so "a" is copied first)
        Files.createDirectories(dir.resolve("folders/sub/a-again"));
        Run overFolder = copy("-af", "--jobs", "1", src + "/.", dir.resolve("folders").toString());
        assertEquals(1, overFolder.status(), overFolder.err());
        assertTrue(Files.isDirectory(dir.resolve("folders/sub/a-again"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isSameFile(dir.resolve("folders/a"), dir.resolve("folders/sub/deeper/a-third")));
        // -aL: names reached through symbolic links to one file are names of one copy, as cp -aL makes them
        Path linked = Files.createDirectories(dir.resolve("linked"));
        Path target = Files.write(linked.resolve("file"), random(100, 54));
        Files.createSymbolicLink(linked.resolve("s1"), Path.of("file"));
        Files.createSymbolicLink(linked.resolve("s2"), Path.of("file"));
        Run followed = copy("-aL", linked.toString(), dir.resolve("followed").toString());
        assertEquals(0, followed.status(), followed.err());
        sh(dir, "cp -aL linked by-cp-followed");
        for (String name : List.of("file", "s1", "s2")) {
            assertEquals(Files.getAttribute(dir.resolve("by-cp-followed").resolve(name), "unix:nlink"),
                    Files.getAttribute(dir.resolve("followed").resolve(name), "unix:nlink"), name);
        }
        assertTrue(Files.isSameFile(dir.resolve("followed/s1"), dir.resolve("followed/s2")));
        assertTrue(sameContent(target, dir.resolve("followed/s2")));

        Path separate = dir.resolve("separate");
        Run r = copy("-r", src.toString(), separate.toString());
        assertEquals(0, r.status(), r.err());
        assertFalse(Files.isSameFile(separate.resolve("a"), separate.resolve("sub/a-again")));
        assertTrue(sameContent(a, separate.resolve("sub/a-again")));
        assertEquals(1, Files.getAttribute(separate.resolve("a"), "unix:nlink"));
    }

    /**
     * A user without the privilege to give files away copies, with -a, files, folders and
     * links of other users and its own: nothing fails, the copies are its own, set-id bits
     * go where the owner could not be kept and stay where it was, and every owner, group
     * and mode is the one {@code cp -a} gives the same user. Run as uid 65534 in a JVM of
     * its own ({@code setpriv}), with a copy of this class path that user can read.
     */
    @Test
    void withoutPrivilegeArchiveCopiesOthersFilesAsCpDoes() throws Exception {
        assumeTrue(isRoot(), "switching to another user takes root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "no setpriv here");
        Path open = Files.createTempDirectory("ringcopy-user");   // @TempDir is private to root
        try {
            Files.setAttribute(open, "unix:mode", 0755);
            List<String> classPath = new ArrayList<>();
            int n = 0;
            for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                Path from = Path.of(entry), to = open.resolve("cp").resolve(n++ + "-" + from.getFileName());
                if (!Files.exists(from)) continue;
                sh(open, "mkdir -p '" + to.getParent() + "' && cp -r '" + from + "' '" + to + "'");
                classPath.add(to.toString());
            }
            sh(open, "chmod -R a+rX cp");
            Path src = Files.createDirectories(open.resolve("src/sub"));
            Files.write(src.resolve("roots"), random(100, 40));                          // root:root 0644
            Files.write(src.resolve("set-user-id"), random(100, 41));
            Files.setAttribute(src.resolve("set-user-id"), "unix:mode", 04755);           // root's set-user-ID
            Path mine = Files.write(open.resolve("src/mine"), random(100, 42));
            Files.setAttribute(mine, "unix:uid", 65534);
            Files.setAttribute(mine, "unix:gid", 65534);
            Files.setAttribute(mine, "unix:mode", 02750);                                   // its own, set-group-ID
            Files.createSymbolicLink(src.resolve("roots-link"), Path.of("roots"));
            Files.setAttribute(src, "unix:mode", 01755);
            Path out = Files.createDirectories(open.resolve("out"));
            Files.setAttribute(out, "unix:uid", 65534);

            // -a with the usual umask, then -a and -r with one that takes the owner's write bit,
            // which the copy of a folder must not lose until its files are in
            for (String[] run : List.of(new String[] {"022", "-a"}, new String[] {"277", "-a"}, new String[] {"277", "-r"})) {
                String umask = run[0], flag = run[1], name = flag + "-" + umask;
                List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "umask " + umask + " && exec \"$@\"", "sh",
                        "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                        "-D" + FileCopier.UNNAMED_PROPERTY + "=" + System.getProperty(FileCopier.UNNAMED_PROPERTY, "true"),
                        "-cp", String.join(java.io.File.pathSeparator, classPath), RingCopy.class.getName(),
                        flag, open.resolve("src").toString(), out.resolve("ringcopy" + name).toString()));
                Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String output = new String(child.getInputStream().readAllBytes());
                assertTrue(child.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, child.exitValue(), name + ": " + output);
                sh(open, "umask " + umask + " && /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups cp " + flag
                        + " src out/cp" + name);
                Path byCp = out.resolve("cp" + name), byRingcopy = out.resolve("ringcopy" + name);
                List<Path> paths = entries(byCp);
                assertEquals(paths, entries(byRingcopy), name);
                for (Path rel : paths) {
                    for (String a : List.of("unix:uid", "unix:gid", "unix:mode")) {
                        assertEquals(Files.getAttribute(byCp.resolve(rel), a, LinkOption.NOFOLLOW_LINKS),
                                Files.getAttribute(byRingcopy.resolve(rel), a, LinkOption.NOFOLLOW_LINKS),
                                a + " of " + rel + " (" + name + ")");
                    }
                }
            }
            Path byRingcopy = out.resolve("ringcopy-a-022");
            assertEquals(0755, modeBits(byRingcopy.resolve("sub/set-user-id")), "root's set-user-ID bit is not kept by another user");
            assertEquals(02750, modeBits(byRingcopy.resolve("mine")), "its own file keeps its set-group-ID bit");
            assertEquals(65534, Files.getAttribute(byRingcopy.resolve("sub/roots"), "unix:uid"));
        } finally {
            sh(Path.of("/"), "rm -rf '" + open + "'");
        }
    }

    /**
     * Without -p each copy, file or folder, gets its source's permission bits less the
     * umask, the modes {@code cp -r} gives: a private file stays private, a script keeps
     * its x bits, a folder without write permission is still filled. A folder that was
     * there keeps its mode.
     */
    @Test
    void withoutPreserveTheModesAreTheSourcesLessTheUmaskAsCpMakesThem() throws Exception {
        Path src = tree();
        Path secret = Files.createDirectories(src.resolve("secret"));
        Files.write(secret.resolve("key"), random(100, 8));
        Files.setPosixFilePermissions(secret.resolve("key"), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rwx------"));
        Path readOnly = Files.createDirectories(src.resolve("read-only"));
        Files.write(readOnly.resolve("script.sh"), "#!/bin/sh\n".getBytes(StandardCharsets.US_ASCII));
        Files.setPosixFilePermissions(readOnly.resolve("script.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        Path sticky = Files.createDirectories(src.resolve("sticky"));
        Files.write(sticky.resolve("inside"), random(10, 12));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path setGroupId = Files.createDirectories(src.resolve("set-group-id"));
        Files.setAttribute(setGroupId, "unix:mode", 02755);
        Files.write(setGroupId.resolve("tool"), random(10, 13));
        Files.setAttribute(setGroupId.resolve("tool"), "unix:mode", 06755);
        // a destination folder whose set-group-ID bit its new folders inherit
        Path inheriting = Files.createDirectories(dir.resolve("inheriting"));
        Files.setAttribute(inheriting, "unix:mode", 02775);
        try {
            for (Path into : List.of(dir, inheriting)) {
                Path byCp = into.resolve("by-cp");
                sh(dir, "cp -r '" + src + "' '" + byCp + "'");
                Path byRingcopy = into.resolve("by-ringcopy");
                Run run = copy("-r", src.toString(), byRingcopy.toString());
                assertEquals(0, run.status(), run.err());
                List<Path> paths = entries(byCp);
                assertEquals(paths, entries(byRingcopy));
                int compared = 0;
                for (Path rel : paths) {
                    if (Files.isSymbolicLink(byCp.resolve(rel))) continue;
                    assertEquals(Integer.toOctalString(modeBits(byCp.resolve(rel))),
                            Integer.toOctalString(modeBits(byRingcopy.resolve(rel))), "mode of " + rel + " in " + into);
                    compared++;
                }
                assertTrue(compared > 10, "compared " + compared);
            }
            Path byRingcopy = dir.resolve("by-ringcopy");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(byRingcopy.resolve("secret/key"))));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(byRingcopy.resolve("secret"))));
            assertTrue(PosixFilePermissions.toString(Files.getPosixFilePermissions(byRingcopy.resolve("read-only"))).startsWith("r-x"));

            // into a folder that is there: its mode stays, as with cp
            Path existing = Files.createDirectories(dir.resolve("existing"));
            Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rwxr-x--x"));
            Run into = copy("-r", secret + "/.", existing.toString());
            assertEquals(0, into.status(), into.err());
            assertEquals("rwxr-x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(existing)));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(existing.resolve("key"))));
        } finally {
            // @TempDir's clean-up needs to write into it (the tests run as any user)
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
            for (String copy : List.of("by-cp/read-only", "by-ringcopy/read-only", "inheriting/by-cp/read-only",
                    "inheriting/by-ringcopy/read-only")) {
                if (Files.isDirectory(dir.resolve(copy))) {
                    Files.setPosixFilePermissions(dir.resolve(copy), PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
        }
    }

    @Test
    void verifyAndIntoAnExistingDirectory() throws Exception {
        Path a = Files.write(dir.resolve("a.bin"), random(300_000, 5));
        Path b = Files.write(dir.resolve("b.bin"), random(5, 6));
        Path into = Files.createDirectories(dir.resolve("into"));
        Run run = copy("--verify", a.toString(), b.toString(), into.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(sameContent(a, into.resolve("a.bin")));
        assertTrue(sameContent(b, into.resolve("b.bin")));
    }

    @Test
    void existingTargetsAndSelfCopyAreRefusedUnlessForced() throws Exception {
        Path a = Files.write(dir.resolve("a"), "new".getBytes());
        Path t = Files.write(dir.resolve("t"), "old".getBytes());
        Run refused = copy(a.toString(), t.toString());
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains("exists"), refused.err());
        assertEquals("old", Files.readString(t));
        Run forced = copy("--force", a.toString(), t.toString());
        assertEquals(0, forced.status(), forced.err());
        assertEquals("new", Files.readString(t));
        Run self = copy("--force", a.toString(), a.toString());
        assertEquals(1, self.status());
        assertTrue(self.err().contains("same file"), self.err());
        assertEquals("new", Files.readString(a));
        Run dirWithoutR = copy(dir.toString(), dir.resolve("elsewhere").toString());
        assertEquals(1, dirWithoutR.status());
        assertTrue(dirWithoutR.err().contains("-r"), dirWithoutR.err());
    }

    @Test
    void aLinkInTheWayIsRefusedAndKeptEvenWhenItPointsNowhere() throws Exception {
        Path a = Files.write(dir.resolve("a"), "new".getBytes());
        Path dangling = Files.createSymbolicLink(dir.resolve("t"), dir.resolve("nowhere"));
        Path toA = Files.createSymbolicLink(dir.resolve("u"), a);
        Run refused = copy(a.toString(), dangling.toString());
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains("exists"), refused.err());
        assertEquals(dir.resolve("nowhere"), Files.readSymbolicLink(dangling), "the link stays as it was");
        Run self = copy(a.toString(), toA.toString());
        assertEquals(1, self.status());
        assertTrue(self.err().contains("same file"), self.err());
        assertEquals(a, Files.readSymbolicLink(toA));
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".ringcopy-")).toList(),
                    "no temporary file left behind");
        }
    }

    /** 70 files and the failing paths in one folder: copied as three jobs of up to 32 files (TreeWalker). */
    @Test
    void aFailingPathIsReportedAndTheRestIsCopied() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        for (int i = 0; i < 70; i++) Files.write(src.resolve("f" + i), random(10_000, i));
        Files.createSymbolicLink(src.resolve("gone"), Path.of("removed-before-the-copy"));
        sh(src, "mkfifo fifo");
        Path dst = dir.resolve("dst");
        Run run = copy("-r", "-L", src.toString(), dst.toString());
        assertEquals(1, run.status(), "a failed path makes the exit status non-zero");
        assertTrue(run.err().contains("gone"), run.err());
        assertTrue(run.err().contains("skipping") && run.err().contains("fifo"), run.err());
        for (int i = 0; i < 70; i++) assertTrue(sameContent(src.resolve("f" + i), dst.resolve("f" + i)));
        assertFalse(Files.exists(dst.resolve("gone"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(dst.resolve("fifo"), LinkOption.NOFOLLOW_LINKS));

        Run fast = copy("-r", "-L", "--fail-fast", "--jobs", "1", src.toString(), dir.resolve("dst2").toString());
        assertEquals(1, fast.status());
    }

    /**
     * The same without -L, where the walk takes types from the folder's listing: a FIFO
     * is skipped, a link that points nowhere is copied as a link, and a file whose target
     * is in the way fails alone.
     */
    @Test
    void withoutFollowingLinksAFailingPathIsReportedAndTheRestIsCopied() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        for (int i = 0; i < 70; i++) Files.write(src.resolve("f" + i), random(10_000, i));
        Files.createSymbolicLink(src.resolve("gone"), Path.of("removed-before-the-copy"));
        Files.createDirectories(src.resolve("sub"));
        Files.write(src.resolve("sub/inner"), random(100, 99));
        sh(src, "mkfifo fifo");
        Path dst = Files.createDirectories(dir.resolve("dst"));
        Files.write(dst.resolve("f5"), "in the way".getBytes());
        Run run = copy("-r", src.toString() + "/.", dst.toString());
        assertEquals(1, run.status(), "a failed path makes the exit status non-zero: " + run.err());
        assertTrue(run.err().contains("f5") && run.err().contains("exists"), run.err());
        assertTrue(run.err().contains("skipping") && run.err().contains("fifo"), run.err());
        assertEquals("in the way", Files.readString(dst.resolve("f5")), "kept");
        for (int i = 0; i < 70; i++) {
            if (i != 5) assertTrue(sameContent(src.resolve("f" + i), dst.resolve("f" + i)), "f" + i);
        }
        assertTrue(sameContent(src.resolve("sub/inner"), dst.resolve("sub/inner")));
        assertEquals(Path.of("removed-before-the-copy"), Files.readSymbolicLink(dst.resolve("gone")));
        assertFalse(Files.exists(dst.resolve("fifo"), LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * On a file system that keeps no entry types (ext4 made without "filetype": every
     * {@code getdents64} record says DT_UNKNOWN) the walk looks each entry up: the copy is
     * still exact, folders are descended, links stay links, a FIFO is skipped.
     */
    @Test
    void aTreeOnAFileSystemWithoutEntryTypesIsCopiedExactly() throws Exception {
        Path mnt = Files.createDirectories(dir.resolve("no-types"));
        sh(dir, "truncate -s 64M no-types.img && mkfs.ext4 -q -F -O ^filetype,^has_journal no-types.img");
        Process mount = new ProcessBuilder("mount", "-o", "loop", dir.resolve("no-types.img").toString(), mnt.toString())
                .redirectErrorStream(true).start();
        String why = new String(mount.getInputStream().readAllBytes());
        assumeTrue(mount.waitFor() == 0, "cannot loop-mount an image here (" + why.trim() + "): test skipped");
        try {
            Path src = Files.createDirectories(mnt.resolve("src"));
            Path deep = Files.createDirectories(src.resolve("a/b"));
            Files.createDirectories(src.resolve("empty"));
            Files.write(src.resolve("one"), random(3000, 21));
            Files.write(src.resolve("a/two"), random(70_000, 22));
            Files.write(deep.resolve("large"), random(3 << 20, 23));   // a job of its own
            for (int i = 0; i < 40; i++) Files.write(deep.resolve("f" + i), random(100 + i, 30 + i));
            Files.createSymbolicLink(src.resolve("a/link"), Path.of("../one"));
            Files.createSymbolicLink(src.resolve("dangling"), Path.of("nowhere"));
            Files.setPosixFilePermissions(src.resolve("a/two"), PosixFilePermissions.fromString("rwx--x---"));
            Files.setLastModifiedTime(deep, FileTime.fromMillis(1_200_000_000_000L));
            sh(src, "mkfifo a/fifo");
            // the premise: this listing has no types, so the walk's lookups are what is tested
            List<io.ringloom.DirectoryEntry> entries = io.ringloom.RingFiles.entries(src);
            assertFalse(entries.isEmpty());
            for (io.ringloom.DirectoryEntry e : entries) assertEquals(io.ringloom.DirectoryEntry.Type.UNKNOWN, e.type(), e.path().toString());

            Path dst = dir.resolve("dst");
            Run run = copy("-a", src.toString(), dst.toString());
            assertEquals(0, run.status(), run.err());
            assertTrue(run.err().contains("skipping") && run.err().contains("fifo"), run.err());
            FileTime aModified = Files.getLastModifiedTime(src.resolve("a"));
            Files.delete(src.resolve("a/fifo"));   // skipped, so not in the copy
            Files.setLastModifiedTime(src.resolve("a"), aModified);
            assertSameTree(src, dst);
        } finally {
            new ProcessBuilder("umount", mnt.toString()).start().waitFor();
        }
    }

    @Test
    void diskFullLeavesNoPartialFile() throws Exception {
        Path small = Files.createDirectories(dir.resolve("small"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small.toString())
                .redirectErrorStream(true).start();
        String why = new String(mount.getInputStream().readAllBytes());
        assumeTrue(mount.waitFor() == 0, "cannot mount a small tmpfs here (" + why.trim() + "): disk-full test skipped");
        try {
            Path big = Files.write(dir.resolve("big.bin"), random(4 << 20, 9));
            Path fits = Files.write(dir.resolve("fits.bin"), random(1000, 10));
            // One file at a time: copied together, the big one's temporary file could
            // fill the disk under the small one too.
            Run run = copy("--jobs", "1", big.toString(), fits.toString(), small.toString());
            assertEquals(1, run.status());
            assertTrue(run.err().contains("No space left"), run.err());
            assertFalse(Files.exists(small.resolve("big.bin")), "no partial file under the final name");
            assertTrue(sameContent(fits, small.resolve("fits.bin")));
            try (Stream<Path> s = Files.list(small)) {
                assertEquals(List.of("fits.bin"), s.map(p -> p.getFileName().toString()).toList());
            }
        } finally {
            new ProcessBuilder("umount", small.toString()).start().waitFor();
        }
    }

    @Test
    void killedMidCopyLeavesNoPartialFile() throws Exception {
        Path big = dir.resolve("big.bin");
        try (FileChannel ch = FileChannel.open(big, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] chunk = random(1 << 20, 11);
            for (int i = 0; i < 400; i++) ch.write(ByteBuffer.wrap(chunk));
        }
        Path target = Files.createDirectories(dir.resolve("target"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-D" + FileCopier.UNNAMED_PROPERTY + "=" + System.getProperty(FileCopier.UNNAMED_PROPERTY, "true"),
                "-cp", System.getProperty("java.class.path"), RingCopy.class.getName(),
                "--sync", "--depth", "1", "--jobs", "1", big.toString(), target.toString()));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            // mid-copy: the child has its copy open, an unnamed file ("/target/#1234 (deleted)")
            // or, where the file system has none, a temporary name
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                    .until(() -> hasFileOpenIn(child.pid(), target));
        } finally {
            child.destroy();   // SIGTERM, as kill(1) sends
        }
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        Path copied = target.resolve("big.bin");
        if (Files.exists(copied)) {
            assertTrue(sameContent(big, copied), "a file under its final name must be complete");
        }
        try (Stream<Path> s = Files.list(target)) {
            List<String> left = s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("big.bin")).toList();
            assertEquals(List.of(), left, "nothing but a complete copy may be left after SIGTERM");
        }
    }

    @Test
    void commandEndsByItselfWithItsStatus() throws Exception {
        // main returns on success instead of calling System.exit: the JVM must still end,
        // no thread of the copy left running, and a failed path must still give status 1
        Path src = Files.write(dir.resolve("one"), random(100_000, 5));
        Finished ok = runCommand("-q", src.toString(), dir.resolve("copy").toString());
        assertEquals(0, ok.status(), ok.output());
        assertTrue(sameContent(src, dir.resolve("copy")));
        Path missing = dir.resolve("missing");
        Finished failed = runCommand("-q", missing.toString(), dir.resolve("copy2").toString());
        assertEquals(ExitStatus.FAILED, failed.status(), failed.output());
        assertTrue(failed.output().contains(missing.toString()), failed.output());
        assertFalse(failed.output().contains("Exception in thread"), "a crash, not a failed path: " + failed.output());
        Finished usage = runCommand("only-one-path");
        assertEquals(ExitStatus.USAGE, usage.status(), usage.output());
    }

    private record Finished(int status, String output) {}

    /** Runs ringcopy with {@code args} as a process of its own, which must end within 30 s. */
    private static Finished runCommand(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-Dringloom.native=" + System.getProperty("ringloom.native", "ffm"),
                "-cp", System.getProperty("java.class.path"), RingCopy.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "ringcopy " + String.join(" ", args) + " did not end");
            return new Finished(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * A private folder's copy is private from the moment it is made, not only once the
     * run has set its mode at the end: a run killed midway leaves it closed to others.
     * With -a also a folder only its group may read, copied into a set-group-ID folder
     * of another group, which its copy takes until the run gives it the source's.
     */
    @ParameterizedTest
    @CsvSource({"-r, 0700, false", "-a, 0750, true"})
    void aPrivateFoldersCopyIsNeverOpenToOthers(String flag, String mode, boolean intoSetGroupId) throws Exception {
        assumeTrue(!intoSetGroupId || isRoot(), "a folder of another group takes root");
        Path src = Files.createDirectories(dir.resolve("src/private"));
        try (FileChannel ch = FileChannel.open(src.resolve("big.bin"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] chunk = random(1 << 20, 12);
            for (int i = 0; i < 300; i++) ch.write(ByteBuffer.wrap(chunk));
        }
        Files.setAttribute(src, "unix:mode", Integer.parseInt(mode, 8));
        Path parent = dir;
        if (intoSetGroupId) {
            parent = Files.createDirectories(dir.resolve("shared"));
            Files.setAttribute(parent, "unix:gid", 65534);
            Files.setAttribute(parent, "unix:mode", 02777);
        }
        Path dst = parent.resolve("dst");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-D" + FileCopier.UNNAMED_PROPERTY + "=" + System.getProperty(FileCopier.UNNAMED_PROPERTY, "true"),
                "-cp", System.getProperty("java.class.path"), RingCopy.class.getName(),
                flag, "--sync", "--depth", "1", "--jobs", "1", dir.resolve("src").toString(), dst.toString()));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Path copy = dst.resolve("private");
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                    .until(() -> hasFileOpenIn(child.pid(), copy));
            assertEquals(0, modeBits(copy) & 077, "while the copy runs: 0" + Integer.toOctalString(modeBits(copy)));
        } finally {
            child.destroy();
        }
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, modeBits(copy) & 077, "after the run was killed: 0" + Integer.toOctalString(modeBits(copy)));
    }

    /** Whether process {@code pid} has a file in {@code dir} open, per its /proc/PID/fd links. */
    private static boolean hasFileOpenIn(long pid, Path dir) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith(dir + "/");
                } catch (IOException e) {
                    return false;   // closed meanwhile
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;   // not started yet, or gone
        }
    }

    @Test
    void badUsage() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> RingCopy.parse(new String[] {"only-one"}));
        assertThrows(IllegalArgumentException.class, () -> RingCopy.parse(new String[] {"--jobs", "0", "a", "b"}));
        assertThrows(IllegalArgumentException.class, () -> RingCopy.parse(new String[] {"--nope", "a", "b"}));
        Path a = Files.write(dir.resolve("x"), new byte[1]);
        Run notDir = copy(a.toString(), a.toString(), dir.resolve("missing-dir").toString());
        assertEquals(2, notDir.status());
        assertTrue(Arrays.asList(notDir.err().split("\n")).stream().anyMatch(l -> l.contains("not a directory")));
        assertEquals(-1, new String(new byte[0], StandardCharsets.UTF_8).indexOf('x'));
    }
}
