package io.ringloom;

import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * What {@code fstat(2)} says of an open file ({@link RingFiles#status}): its
 * size, permission bits and times, read through the fd with no path looked up.
 *
 * @param size          {@code st_size}
 * @param mode          the permission bits of {@code st_mode} (0 to 0777; set-id and sticky bits left out)
 * @param lastModified  {@code st_mtim}
 * @param lastAccess    {@code st_atim}
 */
public record FileStatus(long size, int mode, Instant lastModified, Instant lastAccess) {
    private static final PosixFilePermission[] BY_BIT = {   // bit 8 (0400) first
        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
        PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE,
    };

    public FileStatus {
        if ((mode & ~0777) != 0) throw new IllegalArgumentException("not permission bits: 0" + Integer.toOctalString(mode));
    }

    /** The permission bits as {@link java.nio.file.attribute.PosixFileAttributes#permissions()} gives them. */
    public Set<PosixFilePermission> permissions() {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < BY_BIT.length; i++) {
            if ((mode & (0400 >>> i)) != 0) perms.add(BY_BIT[i]);
        }
        return perms;
    }

    public FileTime lastModifiedTime() {
        return FileTime.from(lastModified);
    }

    public FileTime lastAccessTime() {
        return FileTime.from(lastAccess);
    }
}
