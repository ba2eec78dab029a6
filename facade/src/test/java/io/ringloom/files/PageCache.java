package io.ringloom.files;

import io.ringloom.rings.sys.SysCalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A file's pages in and out of the page cache, for tests of the {@code RWF_NOWAIT} fast path. */
final class PageCache {
    private static final SysCalls SYS = SysCalls.get();
    /** {@code AT_FDCWD} from fcntl.h. */
    private static final int AT_FDCWD = -100;
    /** {@code POSIX_FADV_RANDOM} from fcntl.h: no readahead on the fd it is given for. */
    private static final int POSIX_FADV_RANDOM = 1;

    private PageCache() {}

    /**
     * Leaves only the first {@code front} bytes of a written-back (fsync) file in
     * the page cache. {@code POSIX_FADV_DONTNEED} evicts the whole file's clean
     * pages (a part of the range would leave the large folios ext4 keeps since
     * 6.16 where they are); then the front is read back on an fd advised
     * {@code POSIX_FADV_RANDOM}, so no readahead brings in more than asked.
     */
    static void cacheOnlyFront(Path file, long front) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = open(arena, file);
            try {
                assertEquals(0, SYS.posixFadvise(fd, 0, 0, SysCalls.POSIX_FADV_DONTNEED), "posix_fadvise DONTNEED");
                assertEquals(0, SYS.posixFadvise(fd, 0, 0, POSIX_FADV_RANDOM), "posix_fadvise RANDOM");
                MemorySegment buf = arena.allocate(front, 4096);
                assertEquals(front, SYS.pread(fd, buf.address(), front, 0), "pread of the front");
            } finally {
                SYS.close(fd);
            }
        }
    }

    /** What {@code preadv2(RWF_NOWAIT)} of {@code length} bytes at {@code offset} answers now: the bytes it copied, or {@code -errno}. */
    static long nowaitRead(Path file, long offset, int length) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = open(arena, file);
            try {
                MemorySegment buf = arena.allocate(length, 4096);
                MemorySegment iov = arena.allocate(16, 8);
                iov.set(ValueLayout.JAVA_LONG, 0, buf.address());
                iov.set(ValueLayout.JAVA_LONG, 8, length);
                return SYS.preadv2(fd, iov.address(), 1, offset, SysCalls.RWF_NOWAIT);
            } finally {
                SYS.close(fd);
            }
        }
    }

    private static int open(Arena arena, Path file) {
        int fd = SYS.openat(AT_FDCWD, arena.allocateFrom(file.toString()).address(), SysCalls.O_RDONLY | SysCalls.O_CLOEXEC, 0);
        assertTrue(fd >= 0, () -> "open " + file + ": " + fd);
        return fd;
    }
}
