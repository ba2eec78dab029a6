package io.ringloom.internal;

import java.io.IOException;

/** What {@code RingFiles} offers beyond {@code FileChannel} on a channel it opened: holes and exact sizes. */
public interface SparseChannel {
    /**
     * {@code lseek(SEEK_DATA)} or {@code lseek(SEEK_HOLE)} from {@code from}:
     * the next data or hole offset, or -1 past the last data (ENXIO).
     */
    long seek(long from, boolean data) throws IOException;

    /** Sets the file's size exactly, growing (with a hole) or shrinking: {@code ftruncate(2)}. */
    void setSize(long size) throws IOException;
}
