package io.ringloom.net;

import io.ringloom.internal.Dispatch;
import io.ringloom.internal.NetErrors;
import io.ringloom.internal.SockAddr;
import io.ringloom.rings.Request;
import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.sys.IoUring;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;

/** What both ring-backed implementations do to a socket fd outside a blocking call. */
final class SocketOps {
    private SocketOps() {}

    static final SysCalls SYS = SysCalls.get();

    /**
     * The scheduler whose ring a blocking call on a socket made on {@code home}
     * goes to: the caller's, else (off every pool) {@code home}'s while it runs,
     * else null for a plain syscall.
     */
    static CarrierScheduler scheduler(CarrierScheduler home) {
        CarrierScheduler s = Dispatch.scheduler();
        if (s == null && home != null && !home.isClosed() && !Dispatch.forcedFallback()) s = home;
        return s;
    }

    /** A new TCP socket's fd, through {@code s}'s ring where it has {@code IORING_OP_SOCKET} (5.19), else socket(2). */
    static int newSocket(CarrierScheduler s, int family) throws IOException {
        int type = SysCalls.SOCK_STREAM | SysCalls.SOCK_CLOEXEC;
        int fdVal = s != null && s.supports(IoUring.IORING_OP_SOCKET)
                ? s.submitAndAwait(Request.socket(family, type, 0))
                : SYS.socket(family, type, 0);
        if (fdVal < 0) throw NetErrors.of(fdVal, "socket");
        return fdVal;
    }

    static void setIntOption(int fdVal, int level, int name, int value) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
            v.set(ValueLayout.JAVA_INT, 0, value);
            int r = SYS.setsockopt(fdVal, level, name, v.address(), 4);
            if (r < 0) throw NetErrors.of(r, "setsockopt");
        }
    }

    /** getsockname(2). */
    static InetSocketAddress localAddress(int fdVal) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = a.allocate(SockAddr.STORAGE_SIZE, 8);
            MemorySegment len = addressLength(a);
            int r = SYS.getsockname(fdVal, addr.address(), len.address());
            if (r < 0) throw NetErrors.of(r, "getsockname");
            return SockAddr.decode(addr);
        }
    }

    /** A {@code socklen_t} holding {@link SockAddr#STORAGE_SIZE}, as accept4(2) and getsockname(2) take it. */
    static MemorySegment addressLength(Arena arena) {
        MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
        len.set(ValueLayout.JAVA_INT, 0, SockAddr.STORAGE_SIZE);
        return len;
    }
}
