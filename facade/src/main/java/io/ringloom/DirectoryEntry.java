package io.ringloom;

import java.nio.file.Path;

/**
 * One entry of a directory as {@link RingFiles#entries} read it: its path (the
 * directory's, resolved with the entry's name) and its type as the directory itself
 * records it, with no {@code stat} of the entry.
 */
public record DirectoryEntry(Path path, Type type) {
    /** What {@code getdents64(2)}'s {@code d_type} says the entry is. */
    public enum Type {
        /** A regular file. */
        FILE,
        DIRECTORY,
        /** A symbolic link, not followed. */
        LINK,
        /** A FIFO, socket or device. */
        OTHER,
        /** The file system keeps no types ({@code DT_UNKNOWN}): ask {@code lstat}. */
        UNKNOWN
    }
}
