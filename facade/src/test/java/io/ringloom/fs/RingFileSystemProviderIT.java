package io.ringloom.fs;

import io.ringloom.CarrierPool;
import io.ringloom.core.CarrierStats;
import io.ringloom.internal.RingFileChannelImpl;
import io.ringloom.rings.sys.Errno;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static java.nio.file.StandardOpenOption.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The provider constructed in this JVM over the JDK's: every operation it
 * takes over gives the JDK's results and exceptions (type and message), on a
 * Ringloom pool thread (the ring) and on a platform thread (plain syscalls).
 * Each scenario runs three times, on the JDK's paths, on Ringloom's paths on
 * the pool and on Ringloom's paths on a platform thread, each in a directory of
 * its own, and the three transcripts must be equal.
 */
class RingFileSystemProviderIT {
    static final boolean FALLBACK = ProviderFixture.FALLBACK;

    @RegisterExtension
    static final ProviderFixture fixture = new ProviderFixture("fstest");
    static CarrierPool pool;
    static RingFileSystemProvider provider;
    static FileSystem ringFs;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        pool = fixture.pool;
        provider = fixture.provider;
        ringFs = fixture.fs;
    }

    private Path ring(Path jdk) {
        return fixture.ring(jdk);
    }

    // ------------------------------------------------------------- paths

    @Test
    void pathsWrapAndUnwrap() throws Exception {
        Path jdk = dir.resolve("a/b/../c.txt");
        Path p = ring(jdk);
        assertSame(ringFs, p.getFileSystem());
        assertSame(provider, p.getFileSystem().provider());
        assertEquals("file", provider.getScheme());
        assertEquals(jdk.toString(), p.toString());
        assertEquals(jdk.toUri(), p.toUri());
        assertEquals(p, provider.getPath(jdk.toUri()));
        assertEquals(new File(jdk.toString()), p.toFile());
        for (Path q : List.of(p.getParent(), p.getFileName(), p.getRoot(), p.normalize(), p.toAbsolutePath(),
                p.subpath(0, 2), p.getName(0), p.resolve("x"), p.resolveSibling("y"), p.getParent().relativize(p))) {
            assertInstanceOf(RingPath.class, q);
            assertSame(ringFs, q.getFileSystem());
        }
        assertEquals(ring(jdk.normalize()), p.normalize());
        assertEquals(jdk.normalize().hashCode(), p.normalize().hashCode());
        assertEquals(0, p.compareTo(ring(jdk)));
        assertEquals(Integer.signum(jdk.compareTo(dir)), Integer.signum(p.compareTo(ring(dir))));
        assertTrue(p.startsWith(ring(dir)));
        assertTrue(p.startsWith(dir.toString()));
        assertTrue(p.endsWith("c.txt"));
        List<String> names = new ArrayList<>();
        p.forEach(n -> names.add(n.getClass().getSimpleName() + ":" + n));
        List<String> jdkNames = new ArrayList<>();
        jdk.forEach(n -> jdkNames.add("RingPath:" + n));
        assertEquals(jdkNames, names);
        assertNull(ring(Path.of("/")).getParent());
        assertInstanceOf(RingPath.class, ringFs.getRootDirectories().iterator().next());
        assertTrue(ringFs.getPathMatcher("glob:**/*.txt").matches(p));

        // paths of the JDK's file system are foreign, as another provider's are to the JDK's;
        // not in the drop-in JVM, whose default paths (the temporary directory's) are Ringloom's too
        if (jdk.getFileSystem().provider() instanceof RingFileSystemProvider) return;
        assertFalse(p.startsWith(jdk));
        assertNotEquals(p, jdk);
        assertNotEquals(jdk, p);
        assertThrows(ProviderMismatchException.class, () -> p.resolve(jdk));
        assertThrows(ProviderMismatchException.class, () -> provider.newFileChannel(jdk, java.util.Set.of(READ)));
        assertFalse(provider.isSameFile(ring(dir), dir));
        assertThrows(ClassCastException.class, () -> p.compareTo(jdk));
    }

    @Test
    void directoryStreamAndSymlinkAnswerRingPaths() throws Exception {
        Path d = ring(dir);
        Files.writeString(d.resolve("one.txt"), "1");
        Files.createSymbolicLink(d.resolve("link"), d.resolve("one.txt"));
        try (DirectoryStream<Path> s = Files.newDirectoryStream(d, "*.txt")) {
            List<Path> entries = new ArrayList<>();
            s.forEach(entries::add);
            assertEquals(List.of(d.resolve("one.txt")), entries);
        }
        assertEquals(d.resolve("one.txt"), Files.readSymbolicLink(d.resolve("link")));
        assertTrue(Files.isSameFile(d.resolve("link"), d.resolve("one.txt")));
        try (Stream<Path> all = Files.list(d)) {
            assertTrue(all.allMatch(q -> q.getFileSystem() == ringFs));
        }
        assertEquals("1", Files.readString(d.resolve("link")));
    }

    @Test
    void watchServiceAnswersRingPaths() throws Exception {
        Path d = ring(dir);
        try (var ws = ringFs.newWatchService()) {
            var key = d.register(ws, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);
            assertSame(d, key.watchable());
            Files.writeString(d.resolve("new.txt"), "x");
            var taken = ws.poll(10, TimeUnit.SECONDS);
            assertSame(key, taken);
            Path ctx = (Path) taken.pollEvents().get(0).context();
            assertEquals(d.resolve("new.txt"), d.resolve(ctx));
        }
    }

    // ------------------------------------------------ operations as the JDK

    /** One scenario: operations under {@code base} (a fresh directory), transcribed. */
    private interface Scenario {
        void run(Path base, List<String> out) throws Exception;
    }

    private static void record(List<String> out, String what, Callable<?> call) {
        try {
            Object r = call.call();
            out.add(what + " -> " + (r instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : r));
        } catch (Exception e) {
            out.add(what + " -> " + e.getClass().getName() + ": " + e.getMessage());
        }
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> scenarios() {
        Map<String, Scenario> all = new java.util.LinkedHashMap<>();
        all.put("readAndWrite", (b, out) -> {
            Path a = b.resolve("a.txt");
            record(out, "write", () -> Files.write(a, "one\ntwo\n".getBytes()).getFileName());
            record(out, "readAllBytes", () -> Files.readAllBytes(a));
            record(out, "readString", () -> Files.readString(a));
            record(out, "writeString append", () -> Files.writeString(a, "three\n", APPEND).getFileName());
            try (Stream<String> lines = Files.lines(a)) {
                out.add("lines -> " + lines.toList());
            }
            record(out, "readAllLines", () -> Files.readAllLines(a));
            record(out, "bufferedWriter", () -> {
                try (var w = Files.newBufferedWriter(b.resolve("w.txt"))) {
                    w.write("written");
                }
                return Files.size(b.resolve("w.txt"));
            });
            record(out, "bufferedReader", () -> {
                try (var r = Files.newBufferedReader(b.resolve("w.txt"))) {
                    return r.readLine();
                }
            });
            record(out, "mismatch same", () -> Files.mismatch(a, a));
            record(out, "mismatch other", () -> Files.mismatch(a, b.resolve("w.txt")));
            record(out, "channel class", () -> {
                try (FileChannel ch = FileChannel.open(a)) {
                    return ch.getClass() == RingFileChannelImpl.class || ch.getClass().getName().equals("sun.nio.ch.FileChannelImpl");
                }
            });
            record(out, "map", () -> {
                try (FileChannel ch = FileChannel.open(a, READ)) {
                    return (char) ch.map(FileChannel.MapMode.READ_ONLY, 0, 3).get(1);
                }
            });
        });
        all.put("missingFile", (b, out) -> {
            Path m = b.resolve("missing");
            record(out, "open", () -> FileChannel.open(m));
            record(out, "readAllBytes", () -> Files.readAllBytes(m));
            record(out, "newInputStream", () -> Files.newInputStream(m));
            record(out, "delete", () -> { Files.delete(m); return null; });
            record(out, "deleteIfExists", () -> Files.deleteIfExists(m));
            record(out, "copy", () -> Files.copy(m, b.resolve("c")));
            record(out, "move", () -> Files.move(m, b.resolve("c")));
            record(out, "move atomic", () -> Files.move(m, b.resolve("c"), StandardCopyOption.ATOMIC_MOVE));
            record(out, "createDirectory under missing", () -> Files.createDirectory(m.resolve("d")));
            record(out, "write under missing", () -> Files.write(m.resolve("f"), new byte[1]));
        });
        all.put("existingFile", (b, out) -> {
            Path e = b.resolve("e.txt");
            Files.writeString(e, "e");
            record(out, "CREATE_NEW", () -> FileChannel.open(e, CREATE_NEW, WRITE));
            record(out, "newOutputStream CREATE_NEW", () -> Files.newOutputStream(e, CREATE_NEW));
            record(out, "createDirectory", () -> Files.createDirectory(e));
            record(out, "copy onto", () -> { Files.writeString(b.resolve("f"), "f"); return Files.copy(b.resolve("f"), e); });
            record(out, "move onto", () -> Files.move(b.resolve("f"), e));
            record(out, "copy replace", () -> Files.copy(b.resolve("f"), e, StandardCopyOption.REPLACE_EXISTING).getFileName());
            record(out, "read after copy", () -> Files.readString(e));
            record(out, "move onto itself", () -> Files.move(e, e).getFileName());
            record(out, "open dir for write", () -> FileChannel.open(b, WRITE));
            record(out, "READ+APPEND", () -> FileChannel.open(e, READ, APPEND));
            record(out, "newInputStream WRITE", () -> Files.newInputStream(e, WRITE));
            record(out, "newOutputStream READ", () -> Files.newOutputStream(e, READ));
        });
        all.put("directories", (b, out) -> {
            Path d = b.resolve("d");
            record(out, "createDirectory", () -> Files.createDirectory(d).getFileName());
            record(out, "createDirectory again", () -> Files.createDirectory(d));
            record(out, "createDirectory with permissions", () -> Files.getPosixFilePermissions(
                    Files.createDirectory(b.resolve("p"), PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwx------")))));
            Files.writeString(d.resolve("inside"), "x");
            record(out, "delete non-empty", () -> { Files.delete(d); return null; });
            record(out, "deleteIfExists non-empty", () -> Files.deleteIfExists(d));
            record(out, "copy dir", () -> {
                try (Stream<Path> copied = Files.list(Files.copy(d, b.resolve("d2")))) {
                    return copied.count();
                }
            });
            record(out, "move file onto non-empty dir", () -> Files.move(b.resolve("d2"), d, StandardCopyOption.REPLACE_EXISTING));
            record(out, "delete file", () -> { Files.delete(d.resolve("inside")); return Files.exists(d.resolve("inside")); });
            record(out, "delete empty dir", () -> { Files.delete(d); return Files.exists(d); });
            record(out, "deleteIfExists dir", () -> Files.deleteIfExists(b.resolve("d2")));
        });
        all.put("moveAndCopy", (b, out) -> {
            Path s = b.resolve("s.sh");
            Files.writeString(s, "#!/bin/sh\n");
            Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-x---"));
            record(out, "copy keeps permissions", () -> Files.getPosixFilePermissions(Files.copy(s, b.resolve("t.sh"))));
            record(out, "copy content", () -> Files.readString(b.resolve("t.sh")));
            record(out, "copy keeps set-id and sticky bits", () -> {
                Path m = b.resolve("modes");
                Files.writeString(m, "m");
                Files.setAttribute(m, "unix:mode", 07755);
                int mode = (Integer) Files.getAttribute(Files.copy(m, b.resolve("modes2")), "unix:mode");
                return Integer.toOctalString(mode & 07777);
            });
            record(out, "move", () -> Files.move(b.resolve("t.sh"), b.resolve("u.sh")).getFileName());
            record(out, "moved away", () -> Files.exists(b.resolve("t.sh")));
            record(out, "move replace", () -> Files.readString(Files.move(b.resolve("u.sh"), s, StandardCopyOption.REPLACE_EXISTING)));
            record(out, "move atomic", () -> Files.move(s, b.resolve("v.sh"), StandardCopyOption.ATOMIC_MOVE).getFileName());
            record(out, "move dir", () -> {
                Files.createDirectory(b.resolve("dd"));
                return Files.isDirectory(Files.move(b.resolve("dd"), b.resolve("ee")));
            });
            record(out, "copy from stream", () -> Files.copy(new java.io.ByteArrayInputStream("in".getBytes()), b.resolve("w")));
            record(out, "copy to stream", () -> {
                var bytes = new java.io.ByteArrayOutputStream();
                Files.copy(b.resolve("w"), bytes);
                return bytes.toString();
            });
            record(out, "copy large", () -> {
                byte[] big = new byte[3 << 20];
                new java.util.Random(1).nextBytes(big);
                Files.write(b.resolve("big"), big);
                Files.copy(b.resolve("big"), b.resolve("big2"));
                return Files.mismatch(b.resolve("big"), b.resolve("big2"));
            });
        });
        all.put("channelRules", (b, out) -> {
            Path f = b.resolve("f");
            Files.writeString(f, "abc");
            record(out, "write read-only", () -> {
                try (FileChannel ch = FileChannel.open(f, READ)) {
                    return ch.write(ByteBuffer.wrap(new byte[1]));
                }
            });
            record(out, "read write-only", () -> {
                try (FileChannel ch = FileChannel.open(f, WRITE)) {
                    return ch.read(ByteBuffer.allocate(1));
                }
            });
            record(out, "read closed", () -> {
                FileChannel ch = FileChannel.open(f, READ);
                ch.close();
                return ch.read(ByteBuffer.allocate(1));
            });
            record(out, "stream read closed", () -> {
                InputStream in = Files.newInputStream(f);
                in.close();
                return in.read();
            });
            record(out, "stream skip and available", () -> {
                try (InputStream in = Files.newInputStream(f)) {
                    return in.skip(1) + "," + in.available() + "," + (char) in.read() + "," + in.skip(-5) + "," + in.skip(99);
                }
            });
        });
        all.put("uninterruptibleStreams", (b, out) -> {
            Path f = b.resolve("f");
            Thread.currentThread().interrupt();
            try {
                record(out, "newOutputStream while interrupted", () -> {
                    try (OutputStream o = Files.newOutputStream(f)) {
                        o.write("kept".getBytes());
                    }
                    return Thread.currentThread().isInterrupted();
                });
                record(out, "newInputStream while interrupted", () -> {
                    try (InputStream in = Files.newInputStream(f)) {
                        return new String(in.readAllBytes()) + " " + Thread.currentThread().isInterrupted();
                    }
                });
                record(out, "readAllBytes while interrupted", () -> Files.readAllBytes(f));
                record(out, "readString while interrupted", () -> Files.readString(f));
                record(out, "channel while interrupted", () -> {
                    try (FileChannel ch = FileChannel.open(f)) {
                        return ch.read(ByteBuffer.allocate(1));
                    } finally {
                        Thread.currentThread().interrupt();   // a channel's interrupt consumes nothing, but keep it set
                    }
                });
                record(out, "Files.write while interrupted", () -> Files.write(f, "again".getBytes()).getFileName());
                record(out, "copy while interrupted", () -> Files.copy(f, b.resolve("g")).getFileName());
                out.add("still interrupted -> " + Thread.currentThread().isInterrupted());
            } finally {
                Thread.interrupted();
            }
        });
        return all.entrySet().stream().map(e -> org.junit.jupiter.params.provider.Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void sameAsTheJdk(String name, Scenario scenario) throws Exception {
        Path jdkBase = Files.createDirectory(dir.resolve("jdk"));
        Path poolBase = Files.createDirectory(dir.resolve("pool"));
        Path platformBase = Files.createDirectory(dir.resolve("platform"));

        List<String> expected = transcript(scenario, jdkBase, jdkBase);
        List<String> onPool = onPool(() -> transcript(scenario, ring(poolBase), poolBase));
        List<String> onPlatform = transcript(scenario, ring(platformBase), platformBase);

        System.out.println(name + ":\n  " + String.join("\n  ", expected));
        assertEquals(expected, onPool, "on a pool thread");
        assertEquals(expected, onPlatform, "on a platform thread");
    }

    private static List<String> transcript(Scenario scenario, Path base, Path shownAs) throws Exception {
        List<String> out = new ArrayList<>();
        scenario.run(base, out);
        String prefix = shownAs.toString();
        return out.stream().map(s -> s.replace(prefix, "$BASE")).toList();
    }

    private interface Body<T> {
        T run() throws Exception;
    }

    private static <T> T onPool(Body<T> body) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = pool.startVirtualThread(() -> {
            try {
                result.set(body.run());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        assertTrue(t.join(Duration.ofSeconds(60)), "pool thread did not finish");
        if (failure.get() instanceof Exception e) throw e;
        if (failure.get() instanceof Error e) throw e;
        return result.get();
    }

    // ------------------------------------------------------- Ringloom's own

    @Test
    void fileChannelOpenGivesRingloomsChannel() throws Exception {
        Path f = ring(dir.resolve("f"));
        try (FileChannel ch = FileChannel.open(f, CREATE, WRITE)) {
            assertInstanceOf(RingFileChannelImpl.class, ch);
        }
        try (var ch = Files.newByteChannel(f)) {
            assertInstanceOf(RingFileChannelImpl.class, ch);
        }
        onPool(() -> {
            try (FileChannel ch = FileChannel.open(f, READ)) {
                assertInstanceOf(RingFileChannelImpl.class, ch);
            }
            return null;
        });
        // an option Ringloom's channel does not know is the JDK's
        try (FileChannel ch = FileChannel.open(f, READ, com.sun.nio.file.ExtendedOpenOption.NOSHARE_READ)) {
            fail("the JDK refuses NOSHARE_READ on Linux, got " + ch);
        } catch (UnsupportedOperationException expected) {
            assertTrue(expected.getMessage().contains("NOSHARE_READ"), expected.getMessage());
        }
    }

    @Test
    void renameDeleteAndMkdirGoThroughTheRingOnThePool() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(FALLBACK, "fallback mode: no ring");
        Path d = ring(dir);
        Files.writeString(d.resolve("a"), "a");
        long before = submitted();
        onPool(() -> {
            Files.move(d.resolve("a"), d.resolve("b"));
            Files.createDirectory(d.resolve("c"));
            Files.delete(d.resolve("c"));
            return null;
        });
        // three SQEs at least: RENAMEAT, MKDIRAT, UNLINKAT (and UNLINKAT with AT_REMOVEDIR)
        assertTrue(submitted() - before >= 3, () -> "SQEs submitted: " + (submitted() - before));
        assertEquals("a", Files.readString(d.resolve("b")));
    }

    /** The ring calls themselves succeed (a malformed SQE would be hidden by the JDK fallback above). */
    @Test
    void fsCallsOnThePoolAnswerTheKernelsResults() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(FALLBACK, "fallback mode: no ring");
        RingPath a = (RingPath) ring(dir.resolve("a"));
        RingPath b = (RingPath) ring(dir.resolve("b"));
        RingPath d = (RingPath) ring(dir.resolve("d"));
        Files.writeString(a, "a");
        Files.writeString(b, "b");
        // a->b refused (NOREPLACE), a->d, b->d replacing; mkdir twice; rmdir; unlink of nothing; unlink
        List<Integer> results = onPool(() -> List.of(
                FsCalls.rename(a, b, true),
                FsCalls.rename(a, d, true),
                FsCalls.rename(b, d, false),
                FsCalls.mkdir(a, 0777),
                FsCalls.mkdir(a, 0777),
                FsCalls.delete(a),
                FsCalls.delete(a),
                FsCalls.delete(d)));
        assertEquals(List.of(-Errno.EEXIST, 0, 0, 0, -Errno.EEXIST, 0, -Errno.ENOENT, 0), results);
        Files.writeString(a, "a");
        Files.writeString(b, "b");
        assertEquals(List.of(-Errno.EEXIST, 0, 0), List.of(FsCalls.rename(a, b, true), FsCalls.rename(a, d, true),
                FsCalls.delete(d)), "off the pool: the plain renameat2, the same answers");
        assertEquals(0, FsCalls.delete(b));
        try (Stream<Path> left = Files.list(ring(dir))) {
            assertEquals(List.of(), left.toList());
        }
    }

    private static long submitted() {
        return pool.stats().stream().mapToLong(CarrierStats::sqesSubmitted).sum();
    }

    @Test
    void aProviderWhoseRingloomCannotStartDelegatesEverything() throws Exception {
        var broken = new RingFileSystemProvider(FileSystems.getDefault().provider(),
                () -> { throw new UnsatisfiedLinkError("simulated: no native access"); });
        Path f = broken.getFileSystem(URI.create("file:///")).getPath(dir.resolve("f").toString());
        Files.writeString(f, "still works");
        try (FileChannel ch = FileChannel.open(f)) {
            assertEquals("sun.nio.ch.FileChannelImpl", ch.getClass().getName());
        }
        assertEquals("still works", Files.readString(f));
        assertFalse(broken.usesRingloom());
        assertTrue(provider.usesRingloom());
    }
}
