package io.ringloom.files;

import io.ringloom.CarrierPool;
import io.ringloom.DirectoryEntry;
import io.ringloom.RingFiles;
import io.ringloom.rings.sys.ProcFds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * {@code RingFiles.entries}: a directory's entries and their types from
 * {@code getdents64}, checked against the JDK's listing and {@code lstat} of the
 * same directory, on a pool thread and off the pools.
 */
class DirectoryEntriesIT {
    @TempDir
    Path dir;
    private Map<Integer, String> fdsBefore;

    @BeforeAll
    static void startPool() {
        Impl.pool = CarrierPool.builder().carriers(2).name("entriestest").build();
    }

    @AfterAll
    static void stopPool() {
        assertEquals(List.of(), Impl.pool.carrierFailures(), "a carrier died");
        Impl.pool.close();
    }

    @BeforeEach
    void snapshot() {
        fdsBefore = ProcFds.snapshot();
    }

    @AfterEach
    void nothingLeaked() {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(
                () -> assertEquals(Map.of(), ProcFds.leakedSince(fdsBefore), "fds leaked"));
        Impl.pool.stats().forEach(s -> assertEquals(0, s.inFlight(), () -> "in flight: " + s));
    }

    @ParameterizedTest
    @EnumSource(value = Impl.class, names = {"RING_POOL", "RING_PLATFORM"})
    void everyEntryWithItsType(Impl impl) throws Exception {
        Path d = Files.createDirectory(dir.resolve("d"));
        Files.writeString(d.resolve("file"), "x");
        Files.createDirectory(d.resolve("sub"));
        Files.createSymbolicLink(d.resolve("link"), Path.of("file"));
        Files.createSymbolicLink(d.resolve("dangling"), Path.of("nowhere"));
        Files.createSymbolicLink(d.resolve("link-to-dir"), Path.of("sub"));
        Files.writeString(d.resolve("new\nline"), "n");
        Files.writeString(d.resolve(".hidden"), "h");
        Files.writeString(d.resolve("..."), "dots");
        Files.writeString(d.resolve("caf\u00e9"), "utf-8");
        sh(d, "mkfifo fifo && printf 'latin-1' > \"$(printf 'bad\\377name\\351')\"");
        Map<Path, DirectoryEntry.Type> expected = jdkListing(d);
        assertEquals(11, expected.size(), "the fixture: " + expected);
        Map<Path, DirectoryEntry.Type> seen = new HashMap<>();
        impl.run(() -> {
            for (DirectoryEntry e : RingFiles.entries(d)) {
                assertNull(seen.put(e.path(), e.type()), () -> "twice: " + e);
            }
        });
        assumeFalse(seen.containsValue(DirectoryEntry.Type.UNKNOWN), "the file system keeps no entry types: " + seen);
        assertEquals(expected, seen);
        assertEquals(DirectoryEntry.Type.OTHER, seen.get(d.resolve("fifo")));
        assertEquals(DirectoryEntry.Type.LINK, seen.get(d.resolve("link-to-dir")), "a link is not followed");
        for (Path p : seen.keySet()) {
            assertTrue(Files.exists(p, LinkOption.NOFOLLOW_LINKS), () -> "names the file it listed: " + p);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Impl.class, names = {"RING_POOL", "RING_PLATFORM"})
    void aDirectoryLargerThanOneReadAndAnEmptyOne(Impl impl) throws Exception {
        Path big = Files.createDirectory(dir.resolve("big"));
        String longName = "n".repeat(200);
        for (int i = 0; i < 3000; i++) Files.createFile(big.resolve(longName + i));   // about 650 KB of records
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Map<Path, DirectoryEntry.Type> seen = new HashMap<>();
        int[] emptyCount = {-1};
        impl.run(() -> {
            for (DirectoryEntry e : RingFiles.entries(big)) assertNull(seen.put(e.path(), e.type()));
            emptyCount[0] = RingFiles.entries(empty).size();
        });
        assumeFalse(seen.containsValue(DirectoryEntry.Type.UNKNOWN), "the file system keeps no entry types");
        assertEquals(jdkListing(big), seen);
        assertEquals(0, emptyCount[0]);
    }

    @ParameterizedTest
    @EnumSource(value = Impl.class, names = {"RING_POOL", "RING_PLATFORM"})
    void notADirectoryAndMissingAreTheJdksExceptions(Impl impl) throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of("."));
        impl.run(() -> {
            assertEquals(file.toString(), assertThrows(NotDirectoryException.class, () -> RingFiles.entries(file)).getFile());
            assertEquals(dir.resolve("missing").toString(),
                    assertThrows(NoSuchFileException.class, () -> RingFiles.entries(dir.resolve("missing"))).getFile());
            assertThrows(NullPointerException.class, () -> RingFiles.entries(null));
            // the empty path is the current directory, as Files.newDirectoryStream(Path.of("")) lists it
            long jdkCount;
            try (var s = Files.list(Path.of(""))) {
                jdkCount = s.count();
            }
            assertEquals(jdkCount, RingFiles.entries(Path.of("")).size());
            // a link to a directory is followed, as the JDK's newDirectoryStream follows it
            assertEquals(2, RingFiles.entries(link).size());
        });
        try (DirectoryStream<Path> s = Files.newDirectoryStream(file)) {
            fail("the JDK lists a file: " + s);
        } catch (NotDirectoryException expected) {
            // as above
        }
    }

    /** The JDK's listing of {@code d}, each entry's type from its {@code lstat}. */
    private static Map<Path, DirectoryEntry.Type> jdkListing(Path d) throws Exception {
        Map<Path, DirectoryEntry.Type> m = new HashMap<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(d)) {
            for (Path p : s) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                m.put(p, a.isRegularFile() ? DirectoryEntry.Type.FILE : a.isDirectory() ? DirectoryEntry.Type.DIRECTORY
                        : a.isSymbolicLink() ? DirectoryEntry.Type.LINK : DirectoryEntry.Type.OTHER);
            }
        }
        return m;
    }

    private static void sh(Path cwd, String script) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", script).directory(cwd.toFile()).inheritIO().start();
        assertEquals(0, p.waitFor(), script);
    }
}
