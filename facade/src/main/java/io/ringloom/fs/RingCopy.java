package io.ringloom.fs;

import io.ringloom.internal.RingFileChannelImpl;
import io.ringloom.rings.sys.Errno;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.spi.FileSystemProvider;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * {@code Files.copy(Path, Path)} of a regular file through two Ringloom
 * channels, step for step as the JDK's {@code UnixFileSystem.copy}: the
 * source's attributes, the source opened for reading (the JDK checks
 * {@code access(R_OK)} at this point), the target's attributes (not following
 * links), same file: done; existing target without REPLACE_EXISTING:
 * {@code FileAlreadyExistsException}; with it: the target deleted; the target
 * created exclusively with the source's mode (set-id and sticky bits too); the
 * bytes copied; on failure the partial target unlinked.
 *
 * <p>Not {@code RingFiles.copy}: it creates the target with the default
 * permissions and checks the target before the source. Metadata and the errors
 * of every step before the bytes are the JDK provider's: when such a step
 * fails, the whole copy is handed to it, so its exception (type and message) is
 * the one thrown. An error while the bytes are copied (ENOSPC, EIO) is
 * Ringloom's channel's, which names the file but is not the JDK's
 * {@code FileSystemException(source, target, reason)}.
 */
final class RingCopy {
    private RingCopy() {}

    /** Largest in-kernel chunk and buffer of one copy; a smaller rest gets a buffer of its size. */
    private static final int MAX_CHUNK = 1 << 20;
    private static final int MIN_CHUNK = 4096;

    /** Copies {@code source} to {@code target}; {@code options} hold at most REPLACE_EXISTING. */
    static void copy(FileSystemProvider jdk, RingPath source, RingPath target, boolean replace,
                     java.nio.file.CopyOption... options) throws IOException {
        PosixFileAttributes sa;
        try {
            sa = jdk.readAttributes(source.jdk, PosixFileAttributes.class);
        } catch (IOException | UnsupportedOperationException e) {
            jdk.copy(source.jdk, target.jdk, options);
            return;
        }
        if (!sa.isRegularFile()) {
            jdk.copy(source.jdk, target.jdk, options);
            return;
        }
        RingFileChannelImpl in;
        try {
            in = RingFileChannelImpl.open(source.forKernel(), Set.of(READ));
        } catch (IOException e) {
            jdk.copy(source.jdk, target.jdk, options);
            return;
        }
        try (in) {
            BasicFileAttributes ta = null;
            try {
                ta = jdk.readAttributes(target.jdk, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException absent) {
                // as the JDK: a target whose attributes cannot be read is taken for absent
            }
            if (ta != null) {
                if (Objects.equals(sa.fileKey(), ta.fileKey())) return;
                if (!replace) throw new FileAlreadyExistsException(target.toString());
                int r = FsCalls.delete(target);
                if (r < 0 && r != -Errno.ENOENT) jdk.deleteIfExists(target.jdk);
            }
            RingFileChannelImpl out;
            try {
                // the source's whole mode, set-id and sticky bits too, as the JDK's copy creates it
                out = RingFileChannelImpl.openWithMode(target.forKernel(), EnumSet.of(WRITE, CREATE_NEW), in.modeBits());
            } catch (IOException e) {
                jdk.copy(source.jdk, target.jdk, options);
                return;
            }
            try (out) {
                copyBytes(in, out, sa.size());
            } catch (IOException | RuntimeException e) {
                FsCalls.delete(target);
                throw e;
            }
        }
    }

    /**
     * Uninterruptible, as the JDK's copy (plain syscalls) is: an interrupt ends neither
     * channel's calls. From the start, chunk by chunk, each range the kernel can copy
     * ({@link RingFileChannelImpl#copyInKernel}: on a pool thread a range in the page
     * cache between local file systems; {@code copy_file_range}, else {@code sendfile},
     * as the JDK's copy uses) is copied inside it; from the first one it cannot, the
     * rest goes through a buffer, to the end of the file as the JDK's loop does, so a
     * source that shrank or grew meanwhile is copied up to where it ends
     * (docs/DESIGN.md, "Drop-in").
     */
    private static void copyBytes(RingFileChannelImpl in, RingFileChannelImpl out, long sizeHint) throws IOException {
        in.setUninterruptible();
        out.setUninterruptible();
        long at = 0;
        while (at < sizeHint) {
            long n = in.copyInKernel(out, at, Math.min(MAX_CHUNK, sizeHint - at));
            if (n <= 0) break;
            at += n;
        }
        in.position(at);
        out.position(at);
        int chunk = (int) Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, sizeHint - at));
        // Freed when the last call on it has returned, so after its last CQE.
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer buf = arena.allocate(chunk, MIN_CHUNK).asByteBuffer();
            while (in.read(buf.clear()) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) out.write(buf);
            }
        }
    }
}
