package io.ringloom.internal;

import io.ringloom.DirectoryEntry;
import io.ringloom.rings.layout.Dirent64;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A directory's entries read with {@code getdents64(2)}, each with the type the
 * directory records ({@code d_type}), so a walker needs no {@code lstat} per entry
 * (docs/DESIGN.md, "ringcopy's calls per file").
 */
public final class Directories {
    private Directories() {}

    /**
     * The entries of {@code dir}, "." and ".." left out, in the order the file system
     * gives them (names that are not ASCII last). The directory is opened through the
     * ring on a pool thread and read with plain calls into a staging chunk; its fd is
     * closed before this returns. The empty path is the current directory, as for the JDK.
     */
    public static List<DirectoryEntry> entries(Path dir) throws IOException {
        MemorySegment cdir = NativeStrings.lend(dir.toString().isEmpty() ? Path.of(".") : dir);
        int fd = IoDispatcher.openat(cdir, SysCalls.O_RDONLY | SysCalls.O_DIRECTORY | SysCalls.O_CLOEXEC, 0);
        NativeStrings.giveBack(cdir);   // after the CQE; not if the call threw (NativeStrings.lend)
        if (fd == -Errno.ENOTDIR) throw new NotDirectoryException(dir.toString());
        if (fd < 0) throw Errors.forPath(fd, "openat", dir);
        List<DirectoryEntry> entries = new ArrayList<>();
        // Names that are not ASCII, by their bytes: a Path made from a decoded String may not
        // name the same file (bytes invalid in the file-name encoding), so the JDK's own
        // listing, which keeps a name's bytes, supplies their paths.
        Map<ByteBuffer, DirectoryEntry.Type> unusual = null;
        MemorySegment buf = null;
        try {
            buf = Staging.acquire(Staging.SMALL);
            while (true) {
                long n = IoDispatcher.getdents(fd, buf);
                if (n < 0) throw Errors.forPath((int) n, "getdents64", dir);
                if (n == 0) break;
                for (long at = 0; at < n; ) {
                    int reclen = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + Dirent64.RECLEN_OFFSET));
                    DirectoryEntry.Type type = typeOf(buf.get(ValueLayout.JAVA_BYTE, at + Dirent64.TYPE_OFFSET));
                    long name = at + Dirent64.NAME_OFFSET;
                    int length = 0;
                    boolean ascii = true;
                    for (byte b; (b = buf.get(ValueLayout.JAVA_BYTE, name + length)) != 0; length++) {
                        if (b < 0) ascii = false;
                    }
                    at += reclen;
                    if (isDotOrDotDot(buf, name, length)) continue;
                    byte[] bytes = buf.asSlice(name, length).toArray(ValueLayout.JAVA_BYTE);
                    if (ascii) {
                        entries.add(new DirectoryEntry(dir.resolve(new String(bytes, StandardCharsets.ISO_8859_1)), type));
                    } else {
                        if (unusual == null) unusual = new HashMap<>();
                        unusual.put(ByteBuffer.wrap(bytes), type);
                    }
                }
            }
        } finally {
            if (buf != null) Staging.release(buf);
            IoDispatcher.closeUnshared(fd);
        }
        if (unusual != null) addByTheirBytes(dir, unusual, entries);
        return entries;
    }

    /** The JDK's paths of the entries named in {@code unusual}; one removed meanwhile is left out. */
    private static void addByTheirBytes(Path dir, Map<ByteBuffer, DirectoryEntry.Type> unusual,
                                        List<DirectoryEntry> entries) throws IOException {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                byte[] full = NativeStrings.bytes(p);
                int slash = full.length - 1;
                while (slash >= 0 && full[slash] != '/') slash--;
                DirectoryEntry.Type type = unusual.remove(ByteBuffer.wrap(full, slash + 1, full.length - slash - 1));
                if (type != null) entries.add(new DirectoryEntry(p, type));
            }
        }
    }

    private static boolean isDotOrDotDot(MemorySegment buf, long name, int length) {
        return buf.get(ValueLayout.JAVA_BYTE, name) == '.'
                && (length == 1 || length == 2 && buf.get(ValueLayout.JAVA_BYTE, name + 1) == '.');
    }

    private static DirectoryEntry.Type typeOf(byte dType) {
        return switch (dType) {
            case Dirent64.DT_REG -> DirectoryEntry.Type.FILE;
            case Dirent64.DT_DIR -> DirectoryEntry.Type.DIRECTORY;
            case Dirent64.DT_LNK -> DirectoryEntry.Type.LINK;
            case Dirent64.DT_UNKNOWN -> DirectoryEntry.Type.UNKNOWN;
            default -> DirectoryEntry.Type.OTHER;
        };
    }
}
