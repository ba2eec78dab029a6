package io.ringloom.files;

import io.ringloom.CarrierPool;
import io.ringloom.FileStatus;
import io.ringloom.RingFiles;
import io.ringloom.rings.sys.ProcFds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code RingFiles.setPermissions}, {@code setTimes}, {@code rename},
 * {@code openUnnamed}, {@code linkInto}, {@code status} and {@code statusAtOpen}, the calls a copier makes on each
 * copy it writes: on a pool thread and off the
 * pools ({@link Impl#RING_POOL}, {@link Impl#RING_PLATFORM}), checked with the
 * answers {@code Files} gives for the same files by path.
 */
class FileMetadataIT {
    @TempDir
    Path dir;
    private Map<Integer, String> fdsBefore;

    @BeforeAll
    static void startPool() {
        Impl.pool = CarrierPool.builder().carriers(2).name("metadatatest").build();
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
    void permissionsAndTimesAreSetThroughTheChannel(Impl impl) throws Exception {
        Path f = dir.resolve("f");
        Instant modified = Instant.parse("2001-09-09T01:46:40.123456789Z");
        Instant accessed = Instant.parse("2010-01-02T03:04:05.000000007Z");
        impl.run(() -> {
            try (FileChannel ch = RingFiles.open(f, CREATE_NEW, WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                RingFiles.setPermissions(ch, PosixFilePermissions.fromString("r--r-x---"));
                RingFiles.setTimes(ch, FileTime.from(modified), FileTime.from(accessed));
                ch.write(ByteBuffer.wrap(new byte[] {4}), 3);   // the fd still writes: its access was checked at open
            }
        });
        assertEquals(PosixFilePermissions.fromString("r--r-x---"), Files.getPosixFilePermissions(f));
        // a write after setTimes moves the modification time on, as it would after a utimensat by path
        assertTrue(Files.getLastModifiedTime(f).toInstant().isAfter(modified));
        assertEquals(accessed, ((FileTime) Files.getAttribute(f, "lastAccessTime")).toInstant());
        assertEquals(4, Files.size(f));

        impl.run(() -> {
            try (FileChannel ch = RingFiles.open(f, READ)) {
                RingFiles.setTimes(ch, FileTime.from(modified), null);
            }
        });
        assertEquals(modified, Files.getLastModifiedTime(f).toInstant());
        assertEquals(accessed, ((FileTime) Files.getAttribute(f, "lastAccessTime")).toInstant(),
                "a null time stays as it is");

        // past 2262, where a long of nanoseconds since the epoch ends
        Instant far = Instant.parse("2300-06-01T00:00:00.5Z");
        impl.run(() -> {
            try (FileChannel ch = RingFiles.open(f, READ)) {
                RingFiles.setTimes(ch, FileTime.from(far), null);
            }
        });
        assertEquals(far, Files.getLastModifiedTime(f).toInstant());
    }

    @ParameterizedTest
    @EnumSource(value = Impl.class, names = {"RING_POOL", "RING_PLATFORM"})
    void aClosedChannelOrAnotherChannelIsRefused(Impl impl) throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        var before = Files.getPosixFilePermissions(f);
        FileTime modifiedBefore = Files.getLastModifiedTime(f);
        impl.run(() -> {
            FileChannel ch = RingFiles.open(f, READ);
            ch.close();
            assertThrows(ClosedChannelException.class,
                    () -> RingFiles.setPermissions(ch, PosixFilePermissions.fromString("---------")));
            assertThrows(ClosedChannelException.class, () -> RingFiles.setTimes(ch, FileTime.fromMillis(0), null));
            try (FileChannel jdk = FileChannel.open(f, READ)) {
                assertThrows(IllegalArgumentException.class, () -> RingFiles.setTimes(jdk, FileTime.fromMillis(0), null));
            }
        });
        assertEquals(before, Files.getPosixFilePermissions(f), "nothing changed");
        assertEquals(modifiedBefore, Files.getLastModifiedTime(f));
    }

    @ParameterizedTest
    @EnumSource(value = Impl.class, names = {"RING_POOL", "RING_PLATFORM"})
    void renameReplacesOnlyWhenAsked(Impl impl) throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "a");
        Path b = Files.writeString(dir.resolve("b"), "b");
        Path c = dir.resolve("c");
        impl.run(() -> {
            FileAlreadyExistsException refused = assertThrows(FileAlreadyExistsException.class, () -> RingFiles.rename(a, b, false));
            assertEquals(a.toString(), refused.getFile());
            assertEquals(b.toString(), refused.getOtherFile());
            assertEquals("b", Files.readString(b), "the target stays");
            assertEquals("a", Files.readString(a), "so does the source");
            RingFiles.rename(a, c, false);
            RingFiles.rename(c, b, true);
            assertThrows(NoSuchFileException.class, () -> RingFiles.rename(a, c, true));
        });
        assertEquals("a", Files.readString(b));
        assertFalse(Files.exists(a));
        assertFalse(Files.exists(c));
    }

    @ParameterizedTest
    @EnumSource(value = Impl.class, names = {"RING_POOL", "RING_PLATFORM"})
    void anUnnamedFileIsSeenOnlyOnceLinkedAndNeverReplacesAFile(Impl impl) throws Exception {
        Path taken = Files.writeString(dir.resolve("taken"), "old");
        Path named = dir.resolve("named");
        impl.run(() -> {
            try (FileChannel ch = RingFiles.openUnnamed(dir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")))) {
                ch.write(ByteBuffer.wrap("new data".getBytes()));
                assertEquals(List.of(taken), listing(), "not in the folder before it is linked");
                FileAlreadyExistsException refused = assertThrows(FileAlreadyExistsException.class,
                        () -> RingFiles.linkInto(ch, taken));
                assertEquals(taken.toString(), refused.getFile());
                assertEquals("old", Files.readString(taken), "the existing file stays");
                RingFiles.linkInto(ch, named);
                assertEquals("new data", Files.readString(named));
                ch.write(ByteBuffer.wrap("!".getBytes()));   // still the same open file
            }
            try (FileChannel dropped = RingFiles.openUnnamed(dir)) {
                dropped.write(ByteBuffer.wrap("never linked".getBytes()));
            }
        });
        assertEquals("new data!", Files.readString(named));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(named));
        assertEquals(List.of(named, taken), listing(), "a file closed unlinked leaves nothing behind");
    }

    @ParameterizedTest
    @EnumSource(value = Impl.class, names = {"RING_POOL", "RING_PLATFORM"})
    void unnamedFilesRefuseBadFoldersAndClosedChannels(Impl impl) throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        impl.run(() -> {
            assertThrows(NoSuchFileException.class, () -> RingFiles.openUnnamed(dir.resolve("missing")));
            FileSystemException notADir = assertThrows(FileSystemException.class, () -> RingFiles.openUnnamed(file));
            assertEquals(file.toString(), notADir.getFile());
            FileChannel ch = RingFiles.openUnnamed(dir);
            try {
                NoSuchFileException noFolder = assertThrows(NoSuchFileException.class,
                        () -> RingFiles.linkInto(ch, dir.resolve("missing").resolve("x")));
                assertEquals(dir.resolve("missing").resolve("x").toString(), noFolder.getFile());
            } finally {
                ch.close();
            }
            assertThrows(ClosedChannelException.class, () -> RingFiles.linkInto(ch, dir.resolve("late")));
            try (FileChannel jdk = FileChannel.open(file, READ)) {
                assertThrows(IllegalArgumentException.class, () -> RingFiles.linkInto(jdk, dir.resolve("other")));
            }
        });
        assertEquals(List.of(file), listing(), "nothing made");
    }

    @ParameterizedTest
    @EnumSource(value = Impl.class, names = {"RING_POOL", "RING_PLATFORM"})
    void statusIsWhatTheJdkReadsByPath(Impl impl) throws Exception {
        Path f = Files.write(dir.resolve("f"), new byte[12345]);
        Files.createLink(dir.resolve("f-link"), f);
        if (isRoot()) Files.setAttribute(f, "unix:gid", 65534);   // a group other than the owner's
        Files.setAttribute(f, "unix:mode", 04752);   // set-user-ID too (after the chown, which clears it)
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2001-09-09T01:46:40.123456789Z")));
        Files.setAttribute(f, "lastAccessTime", FileTime.from(Instant.parse("1969-07-20T20:17:40.5Z")));
        PosixFileAttributes jdk = Files.readAttributes(f, PosixFileAttributes.class);
        FileStatus[] seen = new FileStatus[1];
        impl.run(() -> {
            try (FileChannel ch = RingFiles.open(f, READ)) {
                seen[0] = RingFiles.status(ch);
            }
            FileChannel closed = RingFiles.open(f, READ);
            closed.close();
            assertThrows(ClosedChannelException.class, () -> RingFiles.status(closed));
            try (FileChannel other = FileChannel.open(f, READ)) {
                assertThrows(IllegalArgumentException.class, () -> RingFiles.status(other));
            }
        });
        assertEquals(12345, seen[0].size());
        assertEquals(04752, seen[0].mode());
        assertEquals(jdk.permissions(), seen[0].permissions());
        assertEquals(Files.getAttribute(f, "unix:uid"), seen[0].uid());
        assertEquals(Files.getAttribute(f, "unix:gid"), seen[0].gid());
        assertEquals(Files.getAttribute(f, "unix:dev"), seen[0].dev());
        assertEquals(Files.getAttribute(f, "unix:ino"), seen[0].ino());
        assertEquals(2, seen[0].nlink(), "the file and its hard link");
        assertEquals(jdk.lastModifiedTime(), seen[0].lastModifiedTime());
        assertEquals(jdk.lastAccessTime(), seen[0].lastAccessTime(), "before 1970 too");
        assertThrows(IllegalArgumentException.class, () -> new FileStatus(0, 010000, Instant.EPOCH, Instant.EPOCH, 0, 0, 0, 0, 1));
    }

    private static boolean isRoot() throws IOException {
        return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }

    /** setMode takes the set-id and sticky bits; setOwner gives the file away (root) or is refused (anyone else). */
    @ParameterizedTest
    @EnumSource(value = Impl.class, names = {"RING_POOL", "RING_PLATFORM"})
    void modeAndOwnerAreSetThroughTheFd(Impl impl) throws Exception {
        Path f = Files.write(dir.resolve("f"), new byte[10]);
        int uid = (Integer) Files.getAttribute(f, "unix:uid"), gid = (Integer) Files.getAttribute(f, "unix:gid");
        boolean root = isRoot();
        impl.run(() -> {
            try (FileChannel ch = RingFiles.open(f, READ, WRITE)) {
                RingFiles.setMode(ch, 06751);
                assertEquals(06751, (Integer) Files.getAttribute(f, "unix:mode") & 07777);
                assertThrows(IllegalArgumentException.class, () -> RingFiles.setMode(ch, 010000));
                RingFiles.setOwner(ch, -1, -1);
                assertEquals(uid, Files.getAttribute(f, "unix:uid"), "-1 leaves the owner");
                if (root) {
                    RingFiles.setOwner(ch, 65534, -1);
                    assertEquals(65534, Files.getAttribute(f, "unix:uid"));
                    assertEquals(gid, Files.getAttribute(f, "unix:gid"), "-1 leaves the group");
                    RingFiles.setOwner(ch, 65533, 65532);
                    assertEquals(65533, Files.getAttribute(f, "unix:uid"));
                    assertEquals(65532, Files.getAttribute(f, "unix:gid"));
                    // an immutable file refuses even root (EPERM): the JDK's exception for a refusal
                    if (new ProcessBuilder("chattr", "+i", f.toString()).start().waitFor() == 0) {
                        try {
                            assertThrows(AccessDeniedException.class, () -> RingFiles.setOwner(ch, 0, 0));
                            assertThrows(AccessDeniedException.class, () -> RingFiles.setMode(ch, 0600));
                        } finally {
                            assertEquals(0, new ProcessBuilder("chattr", "-i", f.toString()).start().waitFor());
                        }
                    }
                } else {
                    assertThrows(AccessDeniedException.class, () -> RingFiles.setOwner(ch, uid == 0 ? 1 : 0, -1));
                }
                ch.close();
                assertThrows(ClosedChannelException.class, () -> RingFiles.setOwner(ch, -1, -1));
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Impl.class, names = {"RING_POOL", "RING_PLATFORM"})
    void statusAtOpenIsWhatTheOpenRead(Impl impl) throws Exception {
        Path f = Files.write(dir.resolve("f"), new byte[4321]);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-x--x"));
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2001-09-09T01:46:40.123456789Z")));
        Files.setAttribute(f, "lastAccessTime", FileTime.from(Instant.parse("1969-07-20T20:17:40.5Z")));
        PosixFileAttributes jdk = Files.readAttributes(f, PosixFileAttributes.class);
        FileStatus[] atOpen = new FileStatus[2];
        FileStatus[] now = new FileStatus[1];
        int[] unnamedMode = new int[1];
        impl.run(() -> {
            try (FileChannel ch = RingFiles.open(f, READ, WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[100]), 4321);
                RingFiles.setPermissions(ch, PosixFilePermissions.fromString("rwx------"));
                RingFiles.setTimes(ch, FileTime.from(Instant.EPOCH), null);
                atOpen[0] = RingFiles.statusAtOpen(ch);
                now[0] = RingFiles.status(ch);
                ch.close();
                atOpen[1] = RingFiles.statusAtOpen(ch);
            }
            try (FileChannel other = FileChannel.open(f, READ)) {
                assertThrows(IllegalArgumentException.class, () -> RingFiles.statusAtOpen(other));
            }
            try (FileChannel copy = RingFiles.openUnnamed(dir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwxrwxrwx")))) {
                unnamedMode[0] = RingFiles.statusAtOpen(copy).mode();
                assertEquals(0, RingFiles.statusAtOpen(copy).size());
            }
        });
        assertEquals(4321, atOpen[0].size(), "the size before the write");
        assertEquals(0651, atOpen[0].mode(), "the mode before the change");
        assertEquals(jdk.lastModifiedTime(), atOpen[0].lastModifiedTime());
        assertEquals(jdk.lastAccessTime(), atOpen[0].lastAccessTime());
        assertEquals(atOpen[0], atOpen[1], "the same after the close");
        assertEquals(4421, now[0].size());
        assertEquals(0700, now[0].mode());
        assertEquals(Instant.EPOCH, now[0].lastModified());
        // made with 0777: what the umask (or a default ACL of the folder) left, read by the
        // open, as for a file the JDK makes there with the same mode
        Path jdkMade = Files.createFile(dir.resolve("jdk-made"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxrwxrwx")));
        assertEquals(Files.getPosixFilePermissions(jdkMade), java.util.Set.copyOf(
                io.ringloom.internal.Permissions.of(unnamedMode[0])), "mode 0" + Integer.toOctalString(unnamedMode[0]));
    }

    private List<Path> listing() throws java.io.IOException {
        try (var list = Files.list(dir)) {
            return list.sorted().toList();
        }
    }
}
