package io.ringloom.net;

import io.ringloom.internal.Errors;
import io.ringloom.internal.FdHolder;
import io.ringloom.internal.IoDispatcher;
import io.ringloom.internal.SockAddr;
import io.ringloom.rings.carrier.CarrierScheduler;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;

/** What both ring-backed implementations do to a socket fd outside a blocking call. */
final class SocketOps {
    private SocketOps() {}

    /** What {@link #close} needs of an implementation: a move in its own state table. */
    interface StateTable {
        /** Under the state lock: moves to {@code to}, one of the ST_* constants; returns the fd holder, null if none yet. */
        FdHolder moveTo(int to);
    }

    /**
     * Moves {@code table} to {@code closing}, closes its fd holder, which
     * cancels the requests of blocked calls (each then ends with
     * {@code AsynchronousCloseException} from the front's {@code end}), and
     * moves to {@code closed}. The holder is read under the state lock, which
     * also guards its creation, so a close racing a connect or bind cannot miss it.
     */
    static void close(StateTable table, int closing, int closed) throws IOException {
        FdHolder h = table.moveTo(closing);
        try {
            if (h != null) h.close();
        } finally {
            table.moveTo(closed);
        }
    }

    /** A new TCP socket's fd (through {@code s}'s ring where it can, see {@link IoDispatcher#socket}). */
    static int newSocket(CarrierScheduler s, int family) throws IOException {
        int fdVal = IoDispatcher.socket(s, family);
        if (fdVal < 0) throw Errors.forSocket(fdVal, "socket");
        return fdVal;
    }

    static void setIntOption(int fdVal, int level, int name, int value) throws IOException {
        int r = IoDispatcher.setIntOption(fdVal, level, name, value);
        if (r < 0) throw Errors.forSocket(r, "setsockopt");
    }

    /** getsockname(2). */
    static InetSocketAddress localAddress(int fdVal) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = a.allocate(SockAddr.STORAGE_SIZE, 8);
            int r = IoDispatcher.localAddress(fdVal, addr, addressLength(a));
            if (r < 0) throw Errors.forSocket(r, "getsockname");
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
