package io.ringloom;

import io.ringloom.internal.Permissions;

import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
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
    public FileStatus {
        if ((mode & ~0777) != 0) throw new IllegalArgumentException("not permission bits: 0" + Integer.toOctalString(mode));
    }

    /** The permission bits as {@link java.nio.file.attribute.PosixFileAttributes#permissions()} gives them. */
    public Set<PosixFilePermission> permissions() {
        return Permissions.of(mode);
    }

    public FileTime lastModifiedTime() {
        return FileTime.from(lastModified);
    }

    public FileTime lastAccessTime() {
        return FileTime.from(lastAccess);
    }
}
