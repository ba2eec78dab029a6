package io.ringloom.fs;

import io.ringloom.internal.Dispatch;
import io.ringloom.internal.NativeStrings;
import io.ringloom.rings.Request;
import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.IoUring;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Every ring-or-syscall decision the provider makes itself: unlink, rmdir,
 * mkdir and rename of a path. On a pool thread ({@link Dispatch#scheduler()}
 * not null) the call is an SQE on the carrier's ring, anywhere else a plain
 * syscall on the calling thread, as {@code RingFiles} decides today. This
 * class will be folded into the facade's dispatcher
 * ({@code io.ringloom.internal.IoDispatcher}) once that exists.
 *
 * <p>Each method answers the kernel's result (0 or -errno), never an
 * exception: the provider turns a failure into the JDK provider's own call,
 * whose exception (type and message) is then exactly the JDK's.
 */
final class FsCalls {
    private FsCalls() {}

    private static final SysCalls SYS = SysCalls.get();
    /** A result meaning "not tried here": the caller goes to the JDK provider. */
    static final int NOT_TRIED = Integer.MIN_VALUE;

    /**
     * Loads and initialises what the provider's ring paths need (the native
     * binding, the scheduler, the channel); throws what makes Ringloom
     * unusable in this JVM.
     */
    static void probe() throws ClassNotFoundException {
        Class.forName("io.ringloom.internal.RingFileChannelImpl", true, FsCalls.class.getClassLoader());
        Dispatch.scheduler();
    }

    /** unlink(2), then rmdir(2) if the path is a directory (Linux answers EISDIR). */
    static int delete(RingPath path) throws IOException {
        return Uninterruptible.call(() -> unlinkOrRmdir(path));
    }

    private static int unlinkOrRmdir(RingPath path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = NativeStrings.path(arena, path.forKernel());
            int r = unlinkat(cpath, 0);
            return r == -Errno.EISDIR ? unlinkat(cpath, SysCalls.AT_REMOVEDIR) : r;
        }
    }

    private static int unlinkat(MemorySegment cpath, int flags) throws IOException {
        CarrierScheduler s = Dispatch.scheduler();
        return s != null ? s.submitAndAwait(Request.unlinkat(Request.AT_FDCWD, cpath, flags))
                : SYS.unlinkat(SysCalls.AT_FDCWD, cpath.address(), flags);
    }

    /** mkdir(2) with {@code mode} (the umask applies). */
    static int mkdir(RingPath path, int mode) throws IOException {
        return Uninterruptible.call(() -> mkdirat(path, mode));
    }

    private static int mkdirat(RingPath path, int mode) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = NativeStrings.path(arena, path.forKernel());
            CarrierScheduler s = Dispatch.scheduler();
            return s != null ? s.submitAndAwait(Request.mkdirat(Request.AT_FDCWD, cpath, mode))
                    : SYS.mkdirat(SysCalls.AT_FDCWD, cpath.address(), mode);
        }
    }

    /**
     * renameat2(2) through the ring (IORING_OP_RENAMEAT, 5.11) on a pool
     * thread whose ring has it; {@link #NOT_TRIED} anywhere else, where the
     * JDK provider's move makes the same rename(2) on the calling thread.
     *
     * @param noReplace fail with EEXIST rather than replace an existing target
     */
    static int rename(RingPath source, RingPath target, boolean noReplace) throws IOException {
        CarrierScheduler s = Dispatch.scheduler();
        if (s == null || !s.supports(IoUring.IORING_OP_RENAMEAT)) return NOT_TRIED;
        return Uninterruptible.call(() -> renameat(s, source, target, noReplace));
    }

    private static int renameat(CarrierScheduler s, RingPath source, RingPath target, boolean noReplace)
            throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment from = NativeStrings.path(arena, source.forKernel());
            MemorySegment to = NativeStrings.path(arena, target.forKernel());
            return s.submitAndAwait(Request.renameat(Request.AT_FDCWD, from, Request.AT_FDCWD, to,
                    noReplace ? Request.RENAME_NOREPLACE : 0));
        }
    }
}
