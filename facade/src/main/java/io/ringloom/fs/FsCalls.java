package io.ringloom.fs;

import io.ringloom.internal.IoDispatcher;
import io.ringloom.internal.NativeStrings;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The path operations the provider makes itself: unlink, rmdir, mkdir and rename.
 * Whether each goes through the carrier's ring or is a plain syscall is
 * {@link IoDispatcher}'s decision (docs/DESIGN.md, "Dispatcher"); this class only
 * adds what the provider needs around it: rmdir after EISDIR, and the JDK's
 * uninterruptible behaviour for these calls.
 *
 * <p>Each method answers the kernel's result (0 or -errno), never an
 * exception: the provider turns a failure into the JDK provider's own call,
 * whose exception (type and message) is then exactly the JDK's.
 */
final class FsCalls {
    private FsCalls() {}

    /**
     * Loads and initialises what the provider's ring paths need (the native
     * binding, the scheduler, the channel); throws what makes Ringloom
     * unusable in this JVM.
     */
    static void probe() throws ClassNotFoundException {
        Class.forName("io.ringloom.internal.RingFileChannelImpl", true, FsCalls.class.getClassLoader());
        IoDispatcher.scheduler();
    }

    /** unlink(2), then rmdir(2) if the path is a directory (Linux answers EISDIR). */
    static int delete(RingPath path) throws IOException {
        return Uninterruptible.call(() -> unlinkOrRmdir(path));
    }

    private static int unlinkOrRmdir(RingPath path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = NativeStrings.path(arena, path.forKernel());
            int r = IoDispatcher.unlinkat(cpath, 0);
            return r == -Errno.EISDIR ? IoDispatcher.unlinkat(cpath, SysCalls.AT_REMOVEDIR) : r;
        }
    }

    /** mkdir(2) with {@code mode} (the umask applies). */
    static int mkdir(RingPath path, int mode) throws IOException {
        return Uninterruptible.call(() -> {
            try (Arena arena = Arena.ofConfined()) {
                return IoDispatcher.mkdirat(NativeStrings.path(arena, path.forKernel()), mode);
            }
        });
    }

    /**
     * renameat2(2), through the ring where {@link IoDispatcher#renameat} can.
     *
     * @param noReplace fail with EEXIST rather than replace an existing target
     */
    static int rename(RingPath source, RingPath target, boolean noReplace) throws IOException {
        return Uninterruptible.call(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment from = NativeStrings.path(arena, source.forKernel());
                MemorySegment to = NativeStrings.path(arena, target.forKernel());
                return IoDispatcher.renameat(from, to, noReplace ? SysCalls.RENAME_NOREPLACE : 0);
            }
        });
    }
}
