package io.ringloom.rings.sys;

import io.ringloom.rings.layout.Dirent64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * getdents64 through whichever backend -Dringloom.native selects (CI runs both):
 * records as {@link Dirent64} describes them, several calls for a directory larger
 * than the buffer, and the kernel's errors.
 */
@ExtendWith(NoFdLeftOpen.class)
class GetdentsIT {
    private static final SysCalls SYS = SysCalls.get();

    @TempDir
    Path dir;

    private static int open(Path p, int flags) {
        try (Arena a = Arena.ofConfined()) {
            int fd = SYS.openat(SysCalls.AT_FDCWD, a.allocateFrom(p.toString()).address(), flags | SysCalls.O_CLOEXEC, 0);
            assertTrue(fd >= 0, "openat " + p + ": " + Errno.name(fd));
            return fd;
        }
    }

    @Test
    void recordsNameEveryEntryWithItsType() throws Exception {
        for (int i = 0; i < 300; i++) Files.writeString(dir.resolve("file-" + i + "-" + "x".repeat(i % 50)), "");
        Files.createDirectory(dir.resolve("sub"));
        Files.createSymbolicLink(dir.resolve("link"), Path.of("sub"));
        Map<String, Byte> seen = new HashMap<>();
        int fd = open(dir, SysCalls.O_RDONLY | SysCalls.O_DIRECTORY);
        int calls = 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(2048, 8);   // far less than the directory's records
            for (long n; (n = SYS.getdents64(fd, buf.address(), buf.byteSize())) != 0; calls++) {
                assertTrue(n > 0, "getdents64: " + Errno.name((int) n));
                for (long at = 0; at < n; ) {
                    int reclen = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + Dirent64.RECLEN_OFFSET));
                    assertEquals(0, reclen % 8, "records are 8-byte aligned");
                    String name = buf.getString(at + Dirent64.NAME_OFFSET);
                    assertTrue(Dirent64.NAME_OFFSET + name.length() < reclen, "the name and its NUL fit the record");
                    assertNull(seen.put(name, buf.get(ValueLayout.JAVA_BYTE, at + Dirent64.TYPE_OFFSET)), name);
                    at += reclen;
                }
            }
        } finally {
            SYS.close(fd);
        }
        assertTrue(calls > 1, "calls: " + calls);
        assumeFalse(seen.get("sub") == Dirent64.DT_UNKNOWN, "the file system keeps no entry types");
        Map<String, Byte> expected;
        try (Stream<Path> s = Files.list(dir)) {
            expected = s.collect(Collectors.toMap(p -> p.getFileName().toString(), p -> Files.isSymbolicLink(p)
                    ? Dirent64.DT_LNK : Files.isDirectory(p) ? Dirent64.DT_DIR : Dirent64.DT_REG));
        }
        expected.put(".", Dirent64.DT_DIR);
        expected.put("..", Dirent64.DT_DIR);
        assertEquals(expected, seen);
    }

    @Test
    void errorsAreTheKernels() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        int fd = open(file, SysCalls.O_RDONLY);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(1024, 8);
            assertEquals(-20 /* ENOTDIR */, SYS.getdents64(fd, buf.address(), buf.byteSize()));
            int d = open(dir, SysCalls.O_RDONLY | SysCalls.O_DIRECTORY);
            try {
                assertEquals(-Errno.EINVAL, SYS.getdents64(d, buf.address(), 8), "a buffer too small for one record");
            } finally {
                SYS.close(d);
            }
        } finally {
            SYS.close(fd);
        }
        assertEquals(-Errno.EBADF, SYS.getdents64(-1, 0, 0));
    }
}
