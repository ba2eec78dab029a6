package io.ringloom.demos;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;

/**
 * A copy's owner and group with -p, as {@code cp -p} keeps them (POSIX {@code cp},
 * -p): set only where they differ from what the copy was made with, which for a
 * user copying their own files is never.
 */
final class Owners {
    private Owners() {}

    /** The set-user-ID and set-group-ID bits, which a copy keeps only with its owner and group. */
    static final int SET_ID_BITS = 06000;

    /** Sets a copy's owner and group; -1 leaves that one as it is. */
    @FunctionalInterface
    interface Setter {
        void set(int uid, int gid) throws IOException;
    }

    /**
     * Gives a copy made owned by {@code madeUid:madeGid} the owner and group
     * {@code uid:gid}. A caller without the privilege may not give a file away: there
     * the group alone is tried (an owner may give its file to a group of its own), and
     * where that is refused too, neither is kept, without an error, as {@code cp -p}
     * does. A refusal to a copy made owned by root is reported.
     *
     * @return whether both were kept; where not, the set-id bits must not be kept either
     *         (POSIX: they are cleared when the IDs cannot be duplicated)
     */
    static boolean keep(int uid, int gid, int madeUid, int madeGid, Setter set) throws IOException {
        if (uid == madeUid && gid == madeGid) return true;
        try {
            set.set(uid, gid);
            return true;
        } catch (IOException e) {
            if (madeUid == 0 || !lacksPrivilege(e)) throw e;
        }
        if (gid != madeGid) {
            try {
                set.set(-1, gid);
            } catch (IOException e) {
                if (!lacksPrivilege(e)) throw e;
            }
        }
        return false;
    }

    /**
     * Whether a change of owner was refused for want of privilege: EPERM (Ringloom's
     * {@link AccessDeniedException}, the JDK's "Operation not permitted"), or EINVAL for
     * an ID that has no mapping in the caller's user namespace.
     */
    private static boolean lacksPrivilege(IOException e) {
        if (e instanceof AccessDeniedException) return true;
        String reason = e instanceof FileSystemException f ? f.getReason() : null;
        return reason != null && (reason.startsWith("Operation not permitted") || reason.startsWith("Invalid argument"));
    }
}
