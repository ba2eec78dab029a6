package io.ringloom.internal;

import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.SysCalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Real fds for the unit tests: {@code pipe2(O_CLOEXEC)}. */
final class Pipes {
    private Pipes() {}

    /** {read end, write end}. */
    static int[] open() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(8, 4);
            int r = SysCalls.get().pipe2(fds.address(), SysCalls.O_CLOEXEC);
            if (r < 0) throw new IllegalStateException("pipe2: " + Errno.name(r));
            return new int[] {fds.get(ValueLayout.JAVA_INT, 0), fds.get(ValueLayout.JAVA_INT, 4)};
        }
    }
}
