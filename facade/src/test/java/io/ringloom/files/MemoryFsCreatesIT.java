package io.ringloom.files;

import io.ringloom.CarrierPool;
import io.ringloom.RingFiles;
import io.ringloom.core.CarrierStats;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Files created in a folder on a memory file system, once one has been created
 * there, are created and linked by plain calls instead of through the ring
 * (io_uring would hand each to an io-wq worker; docs/DESIGN.md, "Creates in memory folders"),
 * with the same results and errors; on a disk folder they still go through the
 * ring. Told apart by the SQEs the pool submitted.
 */
class MemoryFsCreatesIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Files made in each folder after the first. */
    private static final int FILES = 40;

    @Test
    void createsInAKnownMemoryFolderSkipTheRingAndOnDiskTheyDoNot() throws Exception {
        assumeTrue(kernelAtLeast(5, 15), "kernel before 5.15: no LINKAT on the ring, every link is a plain call");
        Path memory = memoryFolder();
        Path disk = Files.createTempDirectory("ringloom-creates-");
        try (CarrierPool pool = CarrierPool.builder().carriers(1).name("memcreates").build()) {
            assumeFalse(pool.isFallback(), "only a pool on rings has SQEs to count");
            assumeFalse("tmpfs".equals(Files.getFileStore(disk).type()), "the temporary folder is on tmpfs itself");

            long onDisk = onPool(pool, () -> sqesFor(pool, disk));
            long inMemory = onPool(pool, () -> sqesFor(pool, memory));
            // Each file is one create and, for half of them, one link: through the ring on disk.
            assertTrue(onDisk >= FILES + FILES / 2, () -> "disk folder: " + onDisk + " SQEs for " + FILES + " files");
            assertTrue(inMemory < FILES / 2, () -> "memory folder: " + inMemory + " SQEs for " + FILES + " files");
            for (Path folder : new Path[] {disk, memory}) {
                for (int i = 0; i < FILES; i++) {
                    assertArrayEquals(content(i), Files.readAllBytes(folder.resolve("f" + i)), folder + " f" + i);
                }
            }
        } finally {
            deleteTree(disk);
            deleteTree(memory);
        }
    }

    @Test
    void aKnownMemoryFolderGivesTheErrorsOfTheRing() throws Exception {
        Path memory = memoryFolder();
        try (CarrierPool pool = CarrierPool.builder().carriers(1).name("memerrors").build()) {
            assumeFalse(pool.isFallback(), "only a pool on rings has SQEs to count");
            onPool(pool, () -> {
                write(memory.resolve("first"), 0);   // the folder is known from here on
                Path taken = memory.resolve("taken");
                write(taken, 1);
                assertThrows(FileAlreadyExistsException.class, () -> RingFiles.open(taken,
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close());
                try (FileChannel unnamed = RingFiles.openUnnamed(memory)) {
                    unnamed.write(ByteBuffer.wrap(content(2)));
                    assertThrows(FileAlreadyExistsException.class, () -> RingFiles.linkInto(unnamed, taken));
                    assertThrows(NoSuchFileException.class, () -> RingFiles.linkInto(unnamed, memory.resolve("no/such")));
                    RingFiles.linkInto(unnamed, memory.resolve("linked"));
                }
                assertArrayEquals(content(1), Files.readAllBytes(taken), "a refused create or link left the file as it was");
                assertArrayEquals(content(2), Files.readAllBytes(memory.resolve("linked")));
                assertThrows(NoSuchFileException.class, () -> RingFiles.open(memory.resolve("no/such"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE).close());

                // A known folder removed since: its creates and links are still plain calls,
                // and fail as the ring's would (ENOENT), without a request
                Path gone = Files.createDirectory(memory.resolve("gone"));
                write(gone.resolve("first"), 0);
                try (FileChannel unnamed = RingFiles.openUnnamed(memory)) {
                    Files.delete(gone.resolve("first"));
                    Files.delete(gone);
                    long before = sqes(pool);
                    assertThrows(NoSuchFileException.class, () -> RingFiles.open(gone.resolve("new"),
                            StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close());
                    assertThrows(NoSuchFileException.class, () -> RingFiles.linkInto(unnamed, gone.resolve("linked")));
                    assertEquals(before, sqes(pool), "ENOENT in a known folder came through the ring");
                }
                return null;
            });
        } finally {
            deleteTree(memory);
        }
    }

    /**
     * A {@code CREATE} that opens a link to a file on tmpfs says nothing of the link's own
     * folder (on disk here): creates there stay on the ring. A file on tmpfs linked into a
     * folder not known to be on one goes through the ring too (its lookup could wait on a
     * server), and fails as linkat(2) does across file systems.
     */
    @Test
    void onlyNewFilesTeachAFolderAndLinksIntoOtherFoldersStayOnTheRing() throws Exception {
        // IORING_OP_LINKAT came in 5.15; before it every link is a plain call
        assumeTrue(kernelAtLeast(5, 15), "kernel before 5.15: no LINKAT on the ring");
        Path memory = memoryFolder();
        Path disk = Files.createTempDirectory("ringloom-creates-");
        try (CarrierPool pool = CarrierPool.builder().carriers(1).name("memteach").build()) {
            assumeFalse(pool.isFallback(), "only a pool on rings has SQEs to count");
            assumeFalse("tmpfs".equals(Files.getFileStore(disk).type()), "the temporary folder is on tmpfs itself");
            Path target = memory.resolve("target");
            Files.write(target, content(0));
            Files.createSymbolicLink(disk.resolve("link"), target);
            long onDisk = onPool(pool, () -> {
                try (FileChannel ch = RingFiles.open(disk.resolve("link"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(content(1)));
                }
                long before = sqes(pool);
                for (int i = 0; i < FILES; i++) {
                    // an empty file: the create is the only call that could go through the ring
                    RingFiles.open(disk.resolve("f" + i), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                }
                return sqes(pool) - before;
            });
            assertTrue(onDisk >= FILES, () -> "disk folder after a link into tmpfs: " + onDisk + " SQEs for " + FILES + " creates");
            assertArrayEquals(content(1), Files.readAllBytes(target));

            long link = onPool(pool, () -> {
                write(memory.resolve("first"), 0);   // the memory folder is known
                try (FileChannel unnamed = RingFiles.openUnnamed(memory)) {
                    long before = sqes(pool);
                    java.nio.file.FileSystemException e = assertThrows(java.nio.file.FileSystemException.class,
                            () -> RingFiles.linkInto(unnamed, disk.resolve("across")));
                    assertTrue(String.valueOf(e.getReason()).contains("cross-device"), e::toString);
                    return sqes(pool) - before;
                }
            });
            assertTrue(link >= 1, () -> "a link into a disk folder made " + link + " SQEs");
            assertTrue(Files.notExists(disk.resolve("across")));
        } finally {
            deleteTree(disk);
            deleteTree(memory);
        }
    }

    /**
     * {@code CREATE} without {@code CREATE_NEW} opens what is there: on a FIFO it waits
     * for a reader. In a known memory folder that open still goes through the ring, so a
     * thread queued on the same, only carrier runs meanwhile.
     */
    @Test
    void openingAFifoWithCreateInAKnownMemoryFolderLeavesTheCarrierFree() throws Exception {
        Path memory = memoryFolder();
        Path fifo = memory.resolve("fifo");
        try (CarrierPool pool = CarrierPool.builder().carriers(1).name("memfifo").build()) {
            assumeFalse(pool.isFallback(), "off the rings every open is a plain call");
            Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
            assumeTrue(mk.waitFor() == 0, "mkfifo failed");
            onPool(pool, () -> {
                write(memory.resolve("first"), 0);   // the folder is known from here on
                return null;
            });
            AtomicReference<Throwable> writerFailure = new AtomicReference<>();
            Thread writer = pool.startVirtualThread(() -> {
                try (FileChannel ch = RingFiles.open(fifo, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(content(7)));
                } catch (Throwable e) {
                    writerFailure.set(e);
                }
            });
            // The writer is in its open, waiting for a reader; the carrier must not be.
            Thread queued = pool.startVirtualThread(() -> { });
            boolean queuedRan = queued.join(Duration.ofSeconds(10));
            byte[] read = new byte[content(7).length];
            // The JDK's own open, for reading and writing: on Linux it never waits for the
            // other end, and it frees the writer's open; the bytes are read once they are in.
            try (RandomAccessFile end = new RandomAccessFile(fifo.toFile(), "rw")) {
                assertTrue(writer.join(WAIT), "the writer did not end");
                assertEquals(null, writerFailure.get());
                end.readFully(read);
            }
            assertTrue(queuedRan, "a thread queued behind the FIFO's open did not run until the FIFO had a reader");
            assertArrayEquals(content(7), read);
        } finally {
            deleteTree(memory);
        }
    }

    private static boolean kernelAtLeast(int major, int minor) {
        String[] v = System.getProperty("os.version").split("[.-]");
        int ma = Integer.parseInt(v[0]), mi = v.length > 1 ? Integer.parseInt(v[1]) : 0;
        return ma > major || ma == major && mi >= minor;
    }

    /** A new folder in /dev/shm; the test is skipped where that is not tmpfs. */
    private static Path memoryFolder() throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && "tmpfs".equals(Files.getFileStore(shm).type()), "needs /dev/shm on tmpfs");
        return Files.createTempDirectory(shm, "ringloom-creates-");
    }

    /** SQEs the pool submitted while {@link #FILES} files were made in {@code folder}, after a first one. */
    private static long sqesFor(CarrierPool pool, Path folder) throws IOException {
        write(folder.resolve("first"), 0);
        long before = sqes(pool);
        for (int i = 0; i < FILES; i++) {
            Path f = folder.resolve("f" + i);
            if (i % 2 == 0) {
                write(f, i);
            } else {
                FileChannel unnamed;
                try {
                    unnamed = RingFiles.openUnnamed(folder);
                } catch (UnsupportedOperationException e) {
                    assumeTrue(false, folder + " has no unnamed files (overlayfs before 6.6?)");
                    throw e;
                }
                try (unnamed) {
                    unnamed.write(ByteBuffer.wrap(content(i)));
                    RingFiles.linkInto(unnamed, f);
                }
            }
        }
        return sqes(pool) - before;
    }

    private static void write(Path f, int i) throws IOException {
        try (FileChannel ch = RingFiles.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(content(i)));
        }
    }

    private static byte[] content(int i) {
        return ("file " + i + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static long sqes(CarrierPool pool) {
        return pool.stats().stream().mapToLong(CarrierStats::sqesSubmitted).sum();
    }

    private static <T> T onPool(CarrierPool pool, Callable<T> task) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = pool.startVirtualThread(() -> {
            try {
                result.set(task.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        assertTrue(t.join(WAIT), "the pool thread did not end");
        if (failure.get() instanceof Exception e) throw e;
        if (failure.get() instanceof Error e) throw e;
        return result.get();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
