package io.ringloom.demos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A copy's owner and group with -p, as {@code cp -p} keeps them (POSIX {@code cp},
 * -p): set only where they differ from what the copy was made with, which for a
 * user copying their own files is never. Who may change what is decided from the
 * process's own IDs, not from the refusals: a root process gives the copy its
 * source's owner and group; any other may give it only a group it is in (the
 * kernel's rule, {@code chown(2)}), and where the source's owner or group cannot be
 * kept, the copy keeps no set-id bits either.
 */
final class Owners {
    /** The set-user-ID and set-group-ID bits, which a copy keeps only with its owner and group. */
    private static final int SET_ID_BITS = 06000;

    /**
     * The mode a copy is given after {@link #keep}: the source's {@code mode}, without its
     * set-id bits where {@code idsKept} is false (POSIX: they are cleared when the IDs
     * cannot be duplicated).
     */
    static int modeToKeep(int mode, boolean idsKept) {
        return idsKept ? mode : mode & ~SET_ID_BITS;
    }

    /**
     * This process: the IDs its files are made with ({@code fsuid}, {@code fsgid}), its
     * supplementary groups, and its umask (-1 where the kernel does not say it).
     */
    record Identity(int uid, int gid, int[] groups, int umask) {
        /** Whether this process may give files away: root. */
        boolean privileged() {
            return uid == 0;
        }

        /** Whether a file of this process's may be given to group {@code g}. */
        boolean inGroup(int g) {
            if (g == gid) return true;
            for (int x : groups) if (x == g) return true;
            return false;
        }

        /** From {@code /proc/self/status}: the fourth (file system) IDs of "Uid:" and "Gid:", and "Groups:". */
        static Identity ofThisProcess() {
            try {
                List<String> lines = Files.readAllLines(Path.of("/proc/self/status"));
                int uid = -1, gid = -1, umask = -1;
                int[] groups = new int[0];
                for (String line : lines) {
                    if (line.startsWith("Uid:")) uid = Integer.parseInt(fields(line)[3]);
                    else if (line.startsWith("Gid:")) gid = Integer.parseInt(fields(line)[3]);
                    else if (line.startsWith("Umask:")) umask = Integer.parseInt(fields(line)[0], 8);   // 4.7 on
                    else if (line.startsWith("Groups:")) {
                        groups = Arrays.stream(fields(line)).mapToInt(Integer::parseInt).toArray();
                    }
                }
                return new Identity(uid, gid, groups, umask);
            } catch (IOException | RuntimeException e) {
                // no /proc: never give anything away, which is right for anyone but root
                return new Identity(-1, -1, new int[0], -1);
            }
        }

        private static String[] fields(String line) {
            String rest = line.substring(line.indexOf(':') + 1).trim();
            return rest.isEmpty() ? new String[0] : rest.split("\\s+");
        }
    }

    /** This process's identity, read once. */
    static final Identity SELF = Identity.ofThisProcess();

    /** Sets a copy's owner and group; -1 leaves that one as it is. */
    @FunctionalInterface
    interface Setter {
        void set(int uid, int gid) throws IOException;
    }

    private Owners() {}

    /**
     * Gives a copy made owned by {@code madeUid:madeGid} the owner and group
     * {@code uid:gid}, as far as {@code who} may: all of it as root (a refusal then is
     * an error, as {@code cp -p} reports it), else the group where it is one of
     * {@code who}'s. The calls that are made must succeed; none is made that the kernel
     * would refuse for want of privilege.
     *
     * @return whether both are kept; where not, the set-id bits must not be kept either
     *         (POSIX: they are cleared when the IDs cannot be duplicated)
     */
    static boolean keep(Identity who, int uid, int gid, int madeUid, int madeGid, Setter set) throws IOException {
        if (uid == madeUid && gid == madeGid) return true;
        if (who.privileged()) {
            set.set(uid, gid);
            return true;
        }
        boolean groupKept = gid == madeGid;
        if (!groupKept && who.inGroup(gid)) {
            set.set(-1, gid);
            groupKept = true;
        }
        return uid == madeUid && groupKept;
    }

    /** {@link #keep(Identity, int, int, int, int, Setter)} for this process. */
    static boolean keep(int uid, int gid, int madeUid, int madeGid, Setter set) throws IOException {
        return keep(SELF, uid, gid, madeUid, madeGid, set);
    }
}
