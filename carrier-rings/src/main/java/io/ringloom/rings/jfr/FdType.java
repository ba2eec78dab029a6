package io.ringloom.rings.jfr;

import io.ringloom.rings.layout.Stat;
import io.ringloom.rings.sys.SysCalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** What kind of file an fd is, in words, from {@code fstat(2)}'s {@code st_mode}; only when an event commits. */
final class FdType {
    private FdType() {}

    static String of(int fd) {
        if (fd < 0) return "none";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Stat.SIZE, 8);
            if (SysCalls.get().fstat(fd, st.address()) < 0) return "unknown";   // closed by now
            return switch (st.get(ValueLayout.JAVA_INT, Stat.MODE_OFFSET) & Stat.S_IFMT) {
                case Stat.S_IFREG -> "file";
                case Stat.S_IFDIR -> "directory";
                case Stat.S_IFIFO -> "pipe";
                case Stat.S_IFSOCK -> "socket";
                case Stat.S_IFCHR -> "character device";
                case Stat.S_IFBLK -> "block device";
                default -> "other";
            };
        }
    }
}
