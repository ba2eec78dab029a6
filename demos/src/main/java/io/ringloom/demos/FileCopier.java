package io.ringloom.demos;

import io.ringloom.FileStatus;
import io.ringloom.RingFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

/**
 * Copies one file or symbolic link. A file's data goes to a file without a name
 * in the destination folder, which is linked to its name when complete (where
 * the file system has no such files, to a temporary name, renamed into place),
 * so no final name ever holds a partial file; holes stay holes; with -p the
 * mode and times follow. Called from many threads at once.
 */
final class FileCopier {
    /** Files from this size on are mapped with SEEK_DATA/SEEK_HOLE, so their holes stay holes. */
    private static final long SPARSE_CHECK_MIN = 64 * 1024;
    private static final String TEMP_PREFIX = ".ringcopy-";
    /** rw-------: a named temporary copy's mode with -p until its owner and mode are set. */
    private static final FileAttribute<?> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    /** {@code -Dringcopy.unnamed=false}: every copy under a temporary name, as where unnamed files cannot be made. */
    static final String UNNAMED_PROPERTY = "ringcopy.unnamed";

    private final CopyOptions opt;
    private final CopySummary summary;
    /** Temporary files being written; removed on failure, on Ctrl-C, on kill. */
    private final Set<Path> temps = ConcurrentHashMap.newKeySet();
    private final AtomicInteger tempCounter = new AtomicInteger();
    /** Tells this run's temporary files from another run's in the same folder. */
    private final String tempTag = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFL);
    /**
     * Whether copies are written as unnamed files; cleared for the rest of the run when a
     * destination cannot make them. Why (docs/DESIGN.md, "Unnamed copies"): one new directory
     * entry per file instead of a temporary one, a rename's second lookup and a removal.
     */
    private volatile boolean unnamed = !"false".equals(System.getProperty(UNNAMED_PROPERTY));
    /**
     * With -a, for each source file with more than one name, by its device and inode: the
     * copy of the first name met, its path once it is in place (null if it failed). The
     * other names become links of it, as cp -a makes them; files with one name cost nothing.
     */
    private final ConcurrentHashMap<FileKey, CompletableFuture<Path>> firstCopies = new ConcurrentHashMap<>();

    /** A file by its device and inode number, as {@code BasicFileAttributes.fileKey()} names it. */
    private record FileKey(long dev, long ino) {}

    FileCopier(CopyOptions opt, CopySummary summary) {
        this.opt = opt;
        this.summary = summary;
    }

    /**
     * Copies {@code src} to {@code target}: a symbolic link as a link when {@code link}
     * (as the walker saw it), else the file it is. {@code sizeKnown} hears the file's
     * size once it is open, before its data is copied. Without --force nothing is looked
     * up first: the link into place refuses an existing target by itself, and only then
     * is the source told apart from the target. With --force an existing target is
     * replaced, unless it is the source.
     */
    void copy(Path src, Path target, boolean link, LongConsumer sizeKnown) throws IOException {
        if (opt.force() && Files.exists(target, LinkOption.NOFOLLOW_LINKS) && Files.isSameFile(src, target)) {
            throw sameFile(src, target);
        }
        if (link) {
            if (opt.dereference()) {
                // Following links, a link still seen as a link points nowhere (as cp -L says).
                throw new NoSuchFileException(src.toString(), null, "dangling symbolic link");
            }
            copyLink(src, target);
            return;
        }
        try (FileChannel in = RingFiles.open(src, StandardOpenOption.READ)) {
            // size, mode and times as the open's own fstat read them: before the data,
            // whose reading may move the access time on (relatime), and with no call of their own
            FileStatus status = RingFiles.statusAtOpen(in);
            sizeKnown.accept(status.size());
            CompletableFuture<Path> claimed = null;
            // -aL: also files reached through several symbolic links, as cp -aL links them
            if (opt.hardLinks() && (status.nlink() > 1 || opt.dereference())) {
                FileKey key = new FileKey(status.dev(), status.ino());
                while (true) {
                    CompletableFuture<Path> claim = new CompletableFuture<>();
                    CompletableFuture<Path> first = firstCopies.putIfAbsent(key, claim);
                    if (first == null) {
                        claimed = claim;
                        break;
                    }
                    // another name of a file already being copied: once that copy is in place,
                    // a link to it; if it failed, the next name to get here is copied as the first
                    Path firstCopy = first.join();
                    if (firstCopy != null) {
                        linkTo(src, firstCopy, target);
                        summary.linked(status.size());
                        if (opt.verify()) verify(src, target);
                        return;
                    }
                    firstCopies.remove(key, first);
                }
            }
            boolean done = false;
            try {
                FileChannel unnamedCopy = openUnnamed(target, status);
                if (unnamedCopy != null) {
                    try (FileChannel out = unnamedCopy) {
                        write(in, out, status);
                        linkInto(src, out, target);
                    }
                } else {
                    copyUnderTempName(src, in, status, target);
                }
                done = true;
            } finally {
                if (claimed != null) claimed.complete(done ? target : null);
            }
        }
        if (opt.verify()) verify(src, target);
    }

    /** {@code target} made another name of {@code firstCopy}, the copy of another name of {@code src}'s file (-a). */
    private void linkTo(Path src, Path firstCopy, Path target) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && Files.isSameFile(target, firstCopy)) {
            // two sources named to one target (ringcopy -a a/f b/f dst): the copy stays
            throw new FileAlreadyExistsException(target.toString(), src.toString(),
                    "will not overwrite the copy just made with another name of its file");
        }
        if (opt.force()) replaceable(target);
        try {
            Files.createLink(target, firstCopy);
        } catch (FileAlreadyExistsException e) {
            throw refused(src, target);
        }
    }

    /**
     * The copy written under a temporary name in {@code target}'s folder and renamed into
     * place. That name can be opened by others at once: with -p, whose copy may be given to
     * another owner or group (or, in a set-group-ID folder, has the folder's group), it is
     * made with the owner's permissions alone until its owner and mode are set, as cp makes
     * it; an unnamed copy needs no such care.
     */
    private void copyUnderTempName(Path src, FileChannel in, FileStatus status, Path target) throws IOException {
        Path temp = tempName(target);
        temps.add(temp);
        boolean renamed = false;
        FileAttribute<?>[] mode = opt.preserve()
                ? new FileAttribute<?>[] {OWNER_ONLY}
                : createdWith(status);
        try {
            try (FileChannel out = RingFiles.open(temp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    mode)) {
                write(in, out, status);
            }
            moveInto(src, temp, target);
            renamed = true;
            temps.remove(temp);
        } finally {
            if (!renamed) {
                Files.deleteIfExists(temp);
                temps.remove(temp);
            }
        }
    }

    /**
     * The copy's data, then with -p its owner, mode and times, then with --sync to disk.
     * The copy's open read what it was made with, so each is set only where it differs:
     * the owner where another user's file is copied, the mode where the umask or a
     * default ACL of the folder took bits away or the source has set-id or sticky bits.
     */
    private void write(FileChannel in, FileChannel out, FileStatus status) throws IOException {
        copyData(in, out, status.size());
        if (opt.preserve()) {
            FileStatus made = RingFiles.statusAtOpen(out);
            int mode = Owners.modeToKeep(status.mode(),
                    Owners.keep(status.uid(), status.gid(), made.uid(), made.gid(), (u, g) -> RingFiles.setOwner(out, u, g)));
            // The copy was made with permission bits only, so a source with set-id or sticky bits
            // always gets this fchmod, and after the owner's change, which would clear them.
            if (made.mode() != mode) RingFiles.setMode(out, mode);
            RingFiles.setTimes(out, status.lastModifiedTime(), status.lastAccessTime());
        }
        if (opt.sync()) out.force(true);
    }

    /**
     * A new copy is made with the source's permission bits, which the umask then
     * reduces, as cp makes it with or without -p (a file of mode 0600 copied with -r
     * stays 0600; a script keeps its x bits); with -p {@link #write} puts back what
     * the umask took.
     */
    private static FileAttribute<?>[] createdWith(FileStatus status) {
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(status.permissions())};
    }

    /** A file without a name in {@code target}'s folder, or null where there can be none (and from then on). */
    private FileChannel openUnnamed(Path target, FileStatus status) throws IOException {
        if (!unnamed) return null;
        try {
            return RingFiles.openUnnamed(target.getParent() != null ? target.getParent() : Path.of("."), createdWith(status));
        } catch (UnsupportedOperationException e) {
            unnamed = false;
            return null;
        }
    }

    private Path tempName(Path target) {
        return target.resolveSibling(TEMP_PREFIX + tempTag + "-" + tempCounter.incrementAndGet() + ".tmp");
    }

    /**
     * Names the finished unnamed copy {@code target}: {@code linkat(2)}, which
     * never replaces a file that is there. With --force an existing target is
     * replaced all at once: the copy is linked to a temporary name and renamed over it.
     */
    private void linkInto(Path src, FileChannel copy, Path target) throws IOException {
        try {
            RingFiles.linkInto(copy, target);
            return;
        } catch (FileAlreadyExistsException e) {
            if (!opt.force()) throw refused(src, target);
        }
        Path temp = tempName(target);
        temps.add(temp);
        boolean renamed = false;
        try {
            RingFiles.linkInto(copy, temp);
            moveInto(src, temp, target);
            renamed = true;
        } finally {
            if (!renamed) Files.deleteIfExists(temp);
            temps.remove(temp);
        }
    }

    /** Deletes the temporary files still being written: on the way out, on failure or on a signal. */
    void removeTemps() {
        for (Path t : temps) {
            try {
                Files.deleteIfExists(t);
            } catch (IOException ignored) {
                // best effort on the way out; the name marks it as ours
            }
        }
    }

    /** rename(2) of the finished copy onto its name: all or nothing; without --force never over a file that is there. */
    private void moveInto(Path src, Path temp, Path target) throws IOException {
        try {
            RingFiles.rename(temp, target, opt.force());
        } catch (FileAlreadyExistsException e) {
            throw refused(src, target);
        }
    }

    /**
     * With --force, removes what is at {@code target} for a link to take its place: a file
     * or a link, never a folder, even an empty one (as a copy's rename would refuse it).
     */
    private static void replaceable(Path target) throws IOException {
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileSystemException(target.toString(), null, "Is a directory");
        }
        Files.deleteIfExists(target);
    }

    /** Why an existing {@code target} was not replaced: it is the source, or --force was not given. */
    private static IOException refused(Path src, Path target) {
        boolean same;
        try {
            same = Files.isSameFile(src, target);
        } catch (IOException e) {
            same = false;   // a dangling link, or gone again: not the source anyway
        }
        return same ? sameFile(src, target)
                : new FileAlreadyExistsException(target.toString(), null, "exists (use --force to replace)");
    }

    private static IOException sameFile(Path src, Path target) {
        return new IOException("'" + src + "' and '" + target + "' are the same file");
    }

    private void copyLink(Path src, Path target) throws IOException {
        Path link = Files.readSymbolicLink(src);
        if (opt.force()) replaceable(target);
        try {
            Files.createSymbolicLink(target, link);
        } catch (FileAlreadyExistsException e) {
            throw refused(src, target);
        }
        if (opt.preserve()) {
            // the link's own owner (lchown) and times, as cp -p keeps them
            Map<String, Object> a = Files.readAttributes(src, "unix:uid,gid,lastModifiedTime,lastAccessTime",
                    LinkOption.NOFOLLOW_LINKS);
            Map<String, Object> made = Files.readAttributes(target, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
            Owners.keep((Integer) a.get("uid"), (Integer) a.get("gid"), (Integer) made.get("uid"), (Integer) made.get("gid"),
                    (u, g) -> setOwnerOf(target, u, g));
            Files.getFileAttributeView(target, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes((FileTime) a.get("lastModifiedTime"), (FileTime) a.get("lastAccessTime"), null);
        }
    }

    /** {@code lchown(2)} of {@code p} by the JDK's unix attributes (one call per ID given; -1 leaves it). */
    static void setOwnerOf(Path p, int uid, int gid) throws IOException {
        if (uid != -1) Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        if (gid != -1) Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Copies the data regions of {@code in} (all of it, unless the file has
     * holes), each with up to --depth chunks in flight, then sets the exact
     * size so a trailing hole stays a hole.
     */
    private void copyData(FileChannel in, FileChannel out, long size) throws IOException {
        long copiedTo = size;
        if (size >= SPARSE_CHECK_MIN) {
            copiedTo = 0;
            while (copiedTo < size) {
                long data = RingFiles.nextData(in, copiedTo);
                if (data < 0 || data >= size) break;
                long hole = Math.min(RingFiles.nextHole(in, data), size);
                copyRegion(in, out, data, hole);
                copiedTo = hole;
            }
        } else {
            copyRegion(in, out, 0, size);
        }
        if (copiedTo < size) {
            RingFiles.setSize(out, size);   // a trailing hole: size the copy without writing zeros
        }
    }

    private void copyRegion(FileChannel in, FileChannel out, long from, long to) throws IOException {
        long copied = RingFiles.copyRange(in, out, from, to, opt.depth(), summary::bytesCopied);
        if (copied < to - from) throw new IOException("source shrank while being copied");
    }

    private static void verify(Path src, Path target) throws IOException {
        byte[] a = sha256(src), b = sha256(target);
        if (!Arrays.equals(a, b)) {
            throw new IOException("verification failed: SHA-256 " + HexFormat.of().formatHex(a) + " of the source, "
                    + HexFormat.of().formatHex(b) + " of the copy");
        }
    }

    private static byte[] sha256(Path p) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (FileChannel ch = RingFiles.open(p, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            while (ch.read(buf.clear()) > 0) md.update(buf.flip());
        }
        return md.digest();
    }
}
