package io.ringloom.rings;

import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.SysCalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Pipes and fd counting for ring tests, on raw syscalls. */
public final class TestPipes {
    private TestPipes() {}

    /** A pipe: {@code [readFd, writeFd]}, close-on-exec. */
    public static int[] pipe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(8, 4);
            int ret = SysCalls.get().pipe2(fds.address(), SysCalls.O_CLOEXEC);
            if (ret < 0) throw new IllegalStateException("pipe2: " + Errno.name(ret));
            return new int[] {fds.get(ValueLayout.JAVA_INT, 0), fds.get(ValueLayout.JAVA_INT, 4)};
        }
    }

    public static void write(int fd, byte[] data) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
            long n = SysCalls.get().write(fd, buf.address(), data.length);
            if (n != data.length) throw new IllegalStateException("write: " + n);
        }
    }

    public static void close(int... fds) {
        for (int fd : fds) SysCalls.get().close(fd);
    }
}
