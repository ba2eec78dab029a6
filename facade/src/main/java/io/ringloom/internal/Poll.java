package io.ringloom.internal;

import io.ringloom.rings.sys.SysCalls;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** One-fd {@code poll(2)}: {@code struct pollfd} (0 s32 fd, 4 s16 events, 6 s16 revents). */
public final class Poll {
    private Poll() {}

    /**
     * Waits up to {@code timeoutMillis} (0: not at all) for {@code events} on {@code fd}.
     *
     * @return the ready count (0 or 1), or {@code -errno}
     */
    public static int poll(int fd, short events, int timeoutMillis) {
        MemorySegment pfd = Scratch.acquire();
        try {
            pfd.set(ValueLayout.JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, events);
            pfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
            return SysCalls.get().poll(pfd.address(), 1, timeoutMillis);
        } finally {
            Scratch.release(pfd);
        }
    }
}
