package io.ringloom.rings.sys;

import io.ringloom.core.RingMode;
import io.ringloom.rings.Ring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The sixth integer argument of a six-argument native call arrives intact
 * (jnr-ffi issue 181 garbles it in the x86-64 stub without {@code @NoX86}).
 * Runs under whichever backend -Dringloom.native selects; CI runs both.
 */
class SixthArgumentIT {

    @Test
    void mmapOffsetArrives(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pages");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(3 * 4096);
            raf.seek(2 * 4096);
            raf.writeLong(0x1122334455667788L);
        }
        SysCalls sys = SysCalls.get();
        int fd;
        try (Arena a = Arena.ofConfined()) {
            // open via the ring: SysCalls has no open(2) of its own
            fd = openReadOnly(a.allocateFrom(file.toString()));
        }
        try {
            long address = sys.mmap(0, 4096, SysCalls.PROT_READ, SysCalls.MAP_SHARED, fd, 2 * 4096);
            assertTrue(address > 0, "mmap: " + Errno.name((int) -address));
            MemorySegment page = MemorySegment.ofAddress(address).reinterpret(4096);
            assertEquals(0x1122334455667788L, page.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 0),
                    "the page at offset 8192 must be mapped, not the one at 0");
            assertEquals(0, sys.munmap(address, 4096));
        } finally {
            sys.close(fd);
        }
    }

    @Test
    void ioUringEnterArgumentSizeArrives() throws Exception {
        SysCalls sys = SysCalls.get();
        try (Ring ring = Ring.open(4, RingMode.COOP); Arena a = Arena.ofConfined()) {
            MemorySegment ts = a.allocate(16, 8);
            ts.set(ValueLayout.JAVA_LONG, 0, 0);
            ts.set(ValueLayout.JAVA_LONG, 8, 1_000_000);   // 1 ms
            MemorySegment arg = a.allocate(24, 8);
            arg.set(ValueLayout.JAVA_LONG, 16, ts.address());
            int flags = IoUring.IORING_ENTER_GETEVENTS | IoUring.IORING_ENTER_EXT_ARG;
            // argsz is the sixth argument: the kernel insists on sizeof(io_uring_getevents_arg)
            assertEquals(-Errno.ETIME, sys.ioUringEnter(ring.fd(), 0, 1, flags, arg.address(), 24));
            assertEquals(-Errno.EINVAL, sys.ioUringEnter(ring.fd(), 0, 1, flags, arg.address(), 23));
            // without EXT_ARG it is the sigset size: anything but 8 is refused
            MemorySegment sigset = a.allocate(8, 8);
            assertEquals(-Errno.EINVAL, sys.ioUringEnter(ring.fd(), 0, 1, IoUring.IORING_ENTER_GETEVENTS,
                    sigset.address(), 7));
        }
    }

    @Test
    void copyFileRangeFlagsArrive(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("src");
        java.nio.file.Files.write(src, new byte[4096]);
        SysCalls sys = SysCalls.get();
        try (Arena a = Arena.ofConfined()) {
            int in = sys.openat(SysCalls.AT_FDCWD, a.allocateFrom(src.toString()).address(),
                    SysCalls.O_RDONLY | SysCalls.O_CLOEXEC, 0);
            int out = sys.openat(SysCalls.AT_FDCWD, a.allocateFrom(dir.resolve("dst").toString()).address(),
                    SysCalls.O_WRONLY | SysCalls.O_CREAT | SysCalls.O_CLOEXEC, 0600);
            assertTrue(in >= 0 && out >= 0, "openat");
            try {
                MemorySegment offs = a.allocate(16, 8);
                // flags is the sixth argument: the kernel refuses anything but 0 (fs/read_write.c)
                assertEquals(-Errno.EINVAL, sys.copyFileRange(in, offs.address(), out, offs.address() + 8, 4096, 1));
                assertEquals(-Errno.EINVAL, sys.copyFileRange(in, offs.address(), out, offs.address() + 8, 4096, 0x100));
                assertEquals(4096, sys.copyFileRange(in, offs.address(), out, offs.address() + 8, 4096, 0));
            } finally {
                sys.close(in);
                sys.close(out);
            }
        }
    }

    private static int openReadOnly(MemorySegment path) throws Exception {
        try (Ring ring = Ring.open(2, RingMode.COOP)) {
            ring.push(io.ringloom.rings.Request.openat(io.ringloom.rings.Request.AT_FDCWD, path, 02000000, 0), 1);
            ring.submit(1, 0);
            int[] fd = {-1};
            ring.reap((ud, res, f) -> fd[0] = res);
            assertTrue(fd[0] >= 0, "openat: " + Errno.name(fd[0]));
            return fd[0];
        }
    }
}
