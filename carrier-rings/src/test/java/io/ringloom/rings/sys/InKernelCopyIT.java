package io.ringloom.rings.sys;

import io.ringloom.rings.layout.Cachestat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * copy_file_range, sendfile and cachestat through whichever backend
 * -Dringloom.native selects (CI runs both): offsets in, offsets out, counts
 * and errors as the kernel gives them.
 */
@ExtendWith(NoFdLeftOpen.class)
class InKernelCopyIT {
    private static final int PAGE = 4096;
    private static final SysCalls SYS = SysCalls.get();

    @TempDir
    Path dir;

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static int open(Path p, int flags) {
        try (Arena a = Arena.ofConfined()) {
            int fd = SYS.openat(SysCalls.AT_FDCWD, a.allocateFrom(p.toString()).address(), flags | SysCalls.O_CLOEXEC, 0644);
            assertTrue(fd >= 0, "openat " + p + ": " + Errno.name(fd));
            return fd;
        }
    }

    @Test
    void copyFileRangeCopiesBetweenOffsetsAndLeavesPositionsAlone() throws Exception {
        byte[] data = random(3 * PAGE, 1);
        Path src = Files.write(dir.resolve("src"), data);
        Path dst = dir.resolve("dst");
        int in = open(src, SysCalls.O_RDONLY);
        int out = open(dst, SysCalls.O_WRONLY | SysCalls.O_CREAT);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment offs = a.allocate(16, 8);
            offs.set(ValueLayout.JAVA_LONG, 0, PAGE);
            offs.set(ValueLayout.JAVA_LONG, 8, 100);
            long n = SYS.copyFileRange(in, offs.address(), out, offs.address() + 8, 2 * PAGE, 0);
            assertEquals(2 * PAGE, n, () -> "copy_file_range: " + Errno.name((int) n));
            assertEquals(3 * PAGE, offs.get(ValueLayout.JAVA_LONG, 0), "off_in advances");
            assertEquals(100 + 2 * PAGE, offs.get(ValueLayout.JAVA_LONG, 8), "off_out advances");
            assertEquals(0, SYS.lseek(in, 0, SysCalls.SEEK_CUR), "the fds' positions are not used");
            assertEquals(0, SYS.lseek(out, 0, SysCalls.SEEK_CUR));
            assertEquals(0, SYS.copyFileRange(in, offs.address(), out, offs.address() + 8, PAGE, 0), "0 at EOF");
            assertEquals(-Errno.EINVAL, SYS.copyFileRange(in, offs.address(), out, offs.address() + 8, PAGE, 1),
                    "flags must be 0");
        } finally {
            SYS.close(in);
            SYS.close(out);
        }
        byte[] copy = Files.readAllBytes(dst);
        assertEquals(100 + 2 * PAGE, copy.length);
        assertArrayEquals(Arrays.copyOfRange(data, PAGE, 3 * PAGE), Arrays.copyOfRange(copy, 100, copy.length));
    }

    @Test
    void copyFileRangeAcrossFileSystemsIsExdevAndSendfileCopiesInstead() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no /dev/shm");
        assumeTrue(!Files.getFileStore(dir).type().equals("tmpfs"), "the temporary folder is on tmpfs itself");
        byte[] data = random(2 * PAGE, 2);
        Path src = Files.write(dir.resolve("src"), data);
        Path dst = Files.createTempFile(shm, "ringloom-sendfile", ".bin");
        int in = open(src, SysCalls.O_RDONLY);
        int out = open(dst, SysCalls.O_WRONLY);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment offs = a.allocate(16, 8);
            assertEquals(-Errno.EXDEV, SYS.copyFileRange(in, offs.address(), out, offs.address() + 8, PAGE, 0),
                    "fs/read_write.c: no splice across super blocks");
            offs.set(ValueLayout.JAVA_LONG, 0, PAGE);
            assertEquals(PAGE, SYS.lseek(out, PAGE, SysCalls.SEEK_SET));
            long n = SYS.sendfile(out, in, offs.address(), PAGE);
            assertEquals(PAGE, n, () -> "sendfile: " + Errno.name((int) n));
            assertEquals(2 * PAGE, offs.get(ValueLayout.JAVA_LONG, 0), "the offset advances");
            assertEquals(0, SYS.lseek(in, 0, SysCalls.SEEK_CUR), "the source's position is not used");
            assertEquals(2 * PAGE, SYS.lseek(out, 0, SysCalls.SEEK_CUR), "it writes at the target's position");
        } finally {
            SYS.close(in);
            SYS.close(out);
        }
        try {
            byte[] copy = Files.readAllBytes(dst);
            assertArrayEquals(Arrays.copyOfRange(data, PAGE, 2 * PAGE), Arrays.copyOfRange(copy, PAGE, 2 * PAGE));
        } finally {
            Files.delete(dst);
        }
    }

    @Test
    void cachestatCountsCachedAndEvictedPages() throws Exception {
        Path f = Files.write(dir.resolve("f"), random(8 * PAGE, 3));
        int fd = open(f, SysCalls.O_RDWR);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment range = a.allocate(Cachestat.RANGE_SIZE, Cachestat.ALIGNMENT);
            MemorySegment stat = a.allocate(Cachestat.SIZE, Cachestat.ALIGNMENT);
            range.set(ValueLayout.JAVA_LONG, Cachestat.RANGE_OFF_OFFSET, PAGE);
            range.set(ValueLayout.JAVA_LONG, Cachestat.RANGE_LEN_OFFSET, 4 * PAGE);
            int r = SYS.cachestat(fd, range.address(), stat.address(), 0);
            assumeTrue(r != -Errno.ENOSYS, "cachestat needs Linux 6.5");
            assertEquals(0, r, () -> "cachestat: " + Errno.name(r));
            assertEquals(4, stat.get(ValueLayout.JAVA_LONG, Cachestat.NR_CACHE_OFFSET), "just written: all cached");

            assertEquals(0, SYS.fsync(fd));
            assertEquals(0, SYS.posixFadvise(fd, 0, 0, SysCalls.POSIX_FADV_DONTNEED));
            assertEquals(0, SYS.cachestat(fd, range.address(), stat.address(), 0));
            assertEquals(0, stat.get(ValueLayout.JAVA_LONG, Cachestat.NR_CACHE_OFFSET), "evicted: none cached");

            assertEquals(-Errno.EINVAL, SYS.cachestat(fd, range.address(), stat.address(), 1),
                    "flags must be 0: the fourth argument arrives");
        } finally {
            SYS.close(fd);
        }
        try (Arena a = Arena.ofConfined()) {
            assertEquals(-Errno.EBADF, SYS.cachestat(-1, a.allocate(Cachestat.RANGE_SIZE).address(),
                    a.allocate(Cachestat.SIZE).address(), 0));
        }
    }
}
