package io.ringloom.rings.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.*;

/**
 * renameat2, linkat, fchmod, fchown and futimens through whichever backend -Dringloom.native
 * selects (CI runs both): the arguments arrive in their places and the
 * kernel's errors come back as -errno.
 */
@ExtendWith(NoFdLeftOpen.class)
class FileMetadataCallsIT {
    private static final SysCalls SYS = SysCalls.get();

    @TempDir
    Path dir;

    @Test
    void renameat2MovesAndNoReplaceRefusesAnExistingTarget() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "a");
        Path b = Files.writeString(dir.resolve("b"), "b");
        Path c = dir.resolve("c");
        try (Arena arena = Arena.ofConfined()) {
            long pa = arena.allocateFrom(a.toString()).address();
            long pb = arena.allocateFrom(b.toString()).address();
            long pc = arena.allocateFrom(c.toString()).address();
            assertEquals(-Errno.EEXIST, SYS.renameat2(SysCalls.AT_FDCWD, pa, SysCalls.AT_FDCWD, pb, SysCalls.RENAME_NOREPLACE));
            assertEquals("b", Files.readString(b), "the target stays");
            assertEquals(0, SYS.renameat2(SysCalls.AT_FDCWD, pa, SysCalls.AT_FDCWD, pc, SysCalls.RENAME_NOREPLACE));
            assertEquals("a", Files.readString(c));
            assertFalse(Files.exists(a));
            assertEquals(0, SYS.renameat2(SysCalls.AT_FDCWD, pc, SysCalls.AT_FDCWD, pb, 0), "0 replaces");
            assertEquals("a", Files.readString(b));
            assertEquals(-Errno.ENOENT, SYS.renameat2(SysCalls.AT_FDCWD, pa, SysCalls.AT_FDCWD, pc, 0));
            assertEquals(-Errno.EINVAL, SYS.renameat2(SysCalls.AT_FDCWD, pb, SysCalls.AT_FDCWD, pc, 0x80), "unknown flag");
        }
    }

    @Test
    void linkatNamesAnUnnamedFileAndRefusesAnExistingName() throws Exception {
        Path taken = Files.writeString(dir.resolve("taken"), "old");
        Path named = dir.resolve("named");
        try (Arena arena = Arena.ofConfined()) {
            int fd = SYS.openat(SysCalls.AT_FDCWD, arena.allocateFrom(dir.toString()).address(),
                    SysCalls.O_TMPFILE | SysCalls.O_WRONLY | SysCalls.O_CLOEXEC, 0640);
            assertTrue(fd >= 0, () -> "openat O_TMPFILE: " + Errno.name(fd));
            try {
                MemorySegment data = arena.allocateFrom("new", java.nio.charset.StandardCharsets.US_ASCII);
                assertEquals(3, SYS.write(fd, data.address(), 3));
                try (var list = Files.list(dir)) {
                    assertEquals(1, list.count(), "an unnamed file is in no listing");
                }
                long proc = arena.allocateFrom("/proc/self/fd/" + fd).address();
                long pNamed = arena.allocateFrom(named.toString()).address();
                long pTaken = arena.allocateFrom(taken.toString()).address();
                assertEquals(-Errno.EEXIST, SYS.linkat(SysCalls.AT_FDCWD, proc, SysCalls.AT_FDCWD, pTaken, SysCalls.AT_SYMLINK_FOLLOW));
                assertEquals("old", Files.readString(taken), "the existing file stays");
                assertEquals(-Errno.EINVAL, SYS.linkat(SysCalls.AT_FDCWD, proc, SysCalls.AT_FDCWD, pNamed, 0x80), "unknown flag");
                assertEquals(0, SYS.linkat(SysCalls.AT_FDCWD, proc, SysCalls.AT_FDCWD, pNamed, SysCalls.AT_SYMLINK_FOLLOW));
                assertEquals("new", Files.readString(named));
                // the fd itself as the source (6.10+ for its opener; CAP_DAC_READ_SEARCH before)
                long pByFd = arena.allocateFrom(dir.resolve("by-fd").toString()).address();
                int byFd = SYS.linkat(fd, arena.allocateFrom("").address(), SysCalls.AT_FDCWD, pByFd, SysCalls.AT_EMPTY_PATH);
                assertEquals(0, byFd, () -> "linkat AT_EMPTY_PATH: " + Errno.name(byFd));
                assertEquals("new", Files.readString(dir.resolve("by-fd")));
            } finally {
                SYS.close(fd);
            }
        }
    }

    @Test
    void fchmodAndFutimensSetTheOpenFilesModeAndTimes() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "data");
        FileTime atimeBefore = (FileTime) Files.getAttribute(f, "lastAccessTime", LinkOption.NOFOLLOW_LINKS);
        try (Arena arena = Arena.ofConfined()) {
            int fd = SYS.openat(SysCalls.AT_FDCWD, arena.allocateFrom(f.toString()).address(),
                    SysCalls.O_RDONLY | SysCalls.O_CLOEXEC, 0);
            assertTrue(fd >= 0, () -> "openat: " + Errno.name(fd));
            try {
                assertEquals(0, SYS.fchmod(fd, 0640));
                assertEquals(PosixFilePermissions.fromString("rw-r-----"), Files.getPosixFilePermissions(f));
                assertEquals(0, SYS.fchmod(fd, 04640));
                assertEquals(04640, (Integer) Files.getAttribute(f, "unix:mode") & 07777, "set-user-ID");

                int uid = (Integer) Files.getAttribute(f, "unix:uid"), gid = (Integer) Files.getAttribute(f, "unix:gid");
                assertEquals(0, SYS.fchown(fd, -1, -1), "-1, -1 changes nothing, and is allowed to anyone");
                assertEquals(uid, Files.getAttribute(f, "unix:uid"));
                if (uid == 0) {
                    assertEquals(0, SYS.fchown(fd, 65534, -1));
                    assertEquals(65534, Files.getAttribute(f, "unix:uid"));
                    assertEquals(gid, Files.getAttribute(f, "unix:gid"), "-1 leaves the group");
                    assertEquals(0, SYS.fchown(fd, -1, 65533));
                    assertEquals(65533, Files.getAttribute(f, "unix:gid"));
                } else {
                    assertEquals(-Errno.EPERM, SYS.fchown(fd, 0, -1), "giving a file away takes CAP_CHOWN");
                }

                MemorySegment times = arena.allocate(32, 8);
                times.set(ValueLayout.JAVA_LONG, 0, 0);                       // atime: left alone
                times.set(ValueLayout.JAVA_LONG, 8, SysCalls.UTIME_OMIT);
                times.set(ValueLayout.JAVA_LONG, 16, 1_000_000_000L);         // mtime: 2001-09-09T01:46:40.123456789Z
                times.set(ValueLayout.JAVA_LONG, 24, 123_456_789L);
                assertEquals(0, SYS.futimens(fd, times.address()));
                assertEquals(Instant.ofEpochSecond(1_000_000_000L, 123_456_789L), Files.getLastModifiedTime(f).toInstant());
                assertEquals(atimeBefore, Files.getAttribute(f, "lastAccessTime", LinkOption.NOFOLLOW_LINKS),
                        "UTIME_OMIT leaves the access time");

                times.set(ValueLayout.JAVA_LONG, 8, 1_000_000_000L);          // tv_nsec out of range
                assertEquals(-Errno.EINVAL, SYS.futimens(fd, times.address()));
            } finally {
                SYS.close(fd);
            }
            // -1 rather than the closed fd, whose number another thread may have been given meanwhile
            assertEquals(-Errno.EBADF, SYS.fchmod(-1, 0600));
            assertEquals(-Errno.EBADF, SYS.fchown(-1, -1, -1));
            assertEquals(-Errno.EBADF, SYS.futimens(-1, arena.allocate(32, 8).address()));
        }
    }
}
