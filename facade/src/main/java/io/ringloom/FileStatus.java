package io.ringloom;

import io.ringloom.internal.Permissions;

import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Set;

/**
 * What {@code fstat(2)} says of an open file ({@link RingFiles#status}): its
 * size, mode bits, times, owner and group, and the device, inode and link count
 * that identify it, read through the fd with no path looked up.
 *
 * @param size          {@code st_size}
 * @param mode          the mode bits of {@code st_mode} without the file type: the permission
 *                      bits with the set-user-ID, set-group-ID and sticky bits (0 to 07777),
 *                      as {@code chmod(2)} takes them
 * @param lastModified  {@code st_mtim}
 * @param lastAccess    {@code st_atim}
 * @param uid           {@code st_uid}, the owner's user ID (32 bits, unsigned: {@link Integer#toUnsignedLong})
 * @param gid           {@code st_gid}, the group ID (likewise)
 * @param dev           {@code st_dev}, the device the file is on
 * @param ino           {@code st_ino}, the file's inode number on that device: with {@code dev}
 *                      it names the file, as the JDK's {@code fileKey()} does
 * @param nlink         {@code st_nlink}, the file's hard links (names)
 */
public record FileStatus(long size, int mode, Instant lastModified, Instant lastAccess, int uid, int gid,
                         long dev, long ino, long nlink) {
    public FileStatus {
        if ((mode & ~07777) != 0) throw new IllegalArgumentException("not mode bits: 0" + Integer.toOctalString(mode));
    }

    /**
     * The permission bits as {@link java.nio.file.attribute.PosixFileAttributes#permissions()}
     * gives them: the set-id and sticky bits of {@link #mode} have no place there.
     */
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
