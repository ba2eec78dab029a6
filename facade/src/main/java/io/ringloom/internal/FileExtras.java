package io.ringloom.internal;

import io.ringloom.FileStatus;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * What {@code RingFiles} offers beyond {@code FileChannel} on a channel it
 * opened: holes, exact sizes, mode and times set through the open fd, and a
 * name for a file opened without one.
 */
public interface FileExtras {
    /**
     * {@code lseek(SEEK_DATA)} or {@code lseek(SEEK_HOLE)} from {@code from}:
     * the next data or hole offset, or -1 past the last data (ENXIO).
     */
    long seek(long from, boolean data) throws IOException;

    /** Sets the file's size exactly, growing (with a hole) or shrinking: {@code ftruncate(2)}. */
    void setSize(long size) throws IOException;

    /** {@code fchmod(2)} with the mode bits {@code mode} (0 to 07777: set-id and sticky bits too). */
    void setMode(int mode) throws IOException;

    /** {@code fchown(2)}: the owner and group; -1 leaves that one as it is. */
    void setOwner(int uid, int gid) throws IOException;

    /** {@code futimens(3)}: the modification and access times; a null one stays as it is. */
    void setTimes(Instant modified, Instant accessed) throws IOException;

    /**
     * Gives the open file the name {@code target} ({@code linkat(2)}); an
     * existing {@code target} is never replaced.
     */
    void linkInto(Path target) throws IOException;

    /** {@code fstat(2)}: the open file's size, mode bits, times and owner. */
    FileStatus status() throws IOException;

    /**
     * The size, mode bits, times and owner that the open itself read ({@code fstat(2)}
     * of the new fd, which every open makes to learn the file's kind): no call, and
     * nothing later than the open; still given after the channel closed.
     */
    FileStatus statusAtOpen();
}
