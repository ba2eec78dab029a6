package io.ringloom.files;

import io.ringloom.CarrierPool;
import io.ringloom.RingFiles;
import io.ringloom.internal.RingFileChannelImpl;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.ProcFds;
import io.ringloom.rings.sys.SysCalls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code RingFiles.copyRange} and the in-kernel copy under it
 * ({@code RingFileChannelImpl.copyInKernel}): a cached range stays in the kernel,
 * an evicted one goes through the ring, across file systems sendfile stands in
 * for copy_file_range, a source that shrank ends the copy early, JDK channels
 * still copy, and both fds are held as the channels' other calls hold them.
 */
class CopyRangeIT {
    private static final int MIB = 1 << 20;
    /** The facade's fallback execution: every call a plain syscall, so every range is copied in the kernel. */
    private static final boolean FALLBACK = Boolean.getBoolean("ringloom.fallback");

    private static CarrierPool pool;

    @TempDir
    Path dir;
    private Map<Integer, String> fdsBefore;

    @BeforeAll
    static void startPool() {
        pool = CarrierPool.builder().carriers(2).name("copytest").build();
        assertEquals(FALLBACK, pool.isFallback(), () -> "fallback: " + pool.fallbackReason());
    }

    @AfterAll
    static void stopPool() {
        assertEquals(java.util.List.of(), pool.carrierFailures(), "a carrier died");
        pool.close();
    }

    @BeforeEach
    void snapshot() {
        fdsBefore = ProcFds.snapshot();
    }

    @AfterEach
    void nothingLeaked() {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(
                () -> assertEquals(Map.of(), ProcFds.leakedSince(fdsBefore), "fds leaked"));
        pool.stats().forEach(s -> assertEquals(0, s.inFlight(), () -> "in flight: " + s));
    }

    interface Body {
        void run() throws Exception;
    }

    private static void onPool(Body body) throws Exception {
        run(body, pool::startVirtualThread);
    }

    private static void offPool(Body body) throws Exception {
        run(body, r -> Thread.ofPlatform().start(r));
    }

    /** Runs {@code body} on a thread {@code start} starts, waits for it, and rethrows what it threw. */
    private static void run(Body body, java.util.function.Function<Runnable, Thread> start) throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = start.apply(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        assertTrue(t.join(Duration.ofSeconds(120)), "test body still running after 120 s");
        Throwable e = thrown.get();
        if (e instanceof Exception ex) throw ex;
        if (e instanceof Error err) throw err;
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes the file back and drops its pages from the page cache (this file's alone, not the machine's). */
    private static void evict(Path file) {
        try (Arena a = Arena.ofConfined()) {
            SysCalls sys = SysCalls.get();
            int fd = sys.openat(SysCalls.AT_FDCWD, a.allocateFrom(file.toString()).address(),
                    SysCalls.O_RDWR | SysCalls.O_CLOEXEC, 0);
            assertTrue(fd >= 0, () -> "openat: " + Errno.name(fd));
            try {
                assertEquals(0, sys.fsync(fd));
                assertEquals(0, sys.posixFadvise(fd, 0, 0, SysCalls.POSIX_FADV_DONTNEED));
            } finally {
                sys.close(fd);
            }
        }
    }

    private static void assertSameBytes(Path a, Path b) throws Exception {
        assertEquals(Files.size(a), Files.size(b), "size");
        assertEquals(-1, Files.mismatch(a, b), "content");
    }

    @Test
    void aCachedFileIsCopiedInTheKernel() throws Exception {
        Path src = Files.write(dir.resolve("src"), random(5 * MIB + 123, 1));
        Path dst = dir.resolve("dst");
        onPool(() -> {
            try (var in = (RingFileChannelImpl) RingFiles.open(src, READ);
                 var out = (RingFileChannelImpl) RingFiles.open(dst, CREATE_NEW, WRITE)) {
                assertEquals(MIB, in.copyInKernel(out, 0, MIB), "cached: the whole chunk in the kernel");
                AtomicLong heard = new AtomicLong();
                assertEquals(5 * MIB + 123, RingFiles.copyRange(in, out, 0, 5 * MIB + 123, 4, heard::addAndGet));
                assertEquals(5 * MIB + 123, heard.get(), "copied hears every byte");
                assertEquals(0, in.position());
                assertEquals(0, out.position());
            }
        });
        assertSameBytes(src, dst);
    }

    @Test
    void otherWorkersJoinOnlyAtTheFirstChunkTheRingReads() throws Exception {
        // One in-kernel copy into a target runs at a time: a cached file is copied by the
        // caller alone; from the first chunk read through the ring on, chunks are parallel.
        Path cached = Files.write(dir.resolve("cached"), random(6 * MIB, 6));
        Path half = Files.write(dir.resolve("half"), random(8 * MIB, 7));
        evict(half);
        PageCache.cacheOnlyFront(half, 2 * MIB);
        onPool(() -> {
            for (Path src : List.of(cached, half)) {
                Set<Thread> writers = ConcurrentHashMap.newKeySet();
                try (var in = (RingFileChannelImpl) RingFiles.open(src, READ);
                     var out = (RingFileChannelImpl) RingFiles.open(dir.resolve(src.getFileName() + ".copy"), CREATE_NEW, WRITE)) {
                    long size = Files.size(src);
                    assertEquals(size, RingFiles.copyRange(in, out, 0, size, 4, n -> writers.add(Thread.currentThread())));
                }
                boolean parallel = src == half && !FALLBACK;   // off a ring every chunk is copied in the kernel
                if (parallel) {
                    assertTrue(writers.size() > 1, "the uncached chunks of " + src + " by one worker only");
                } else {
                    assertEquals(Set.of(Thread.currentThread()), writers, "chunks of " + src + " written by");
                }
            }
        });
        assertSameBytes(cached, dir.resolve("cached.copy"));
        assertSameBytes(half, dir.resolve("half.copy"));
    }

    @Test
    void anEvictedFileGoesThroughTheRing() throws Exception {
        Path src = Files.write(dir.resolve("src"), random(3 * MIB + 5, 2));
        evict(src);
        Path dst = dir.resolve("dst");
        onPool(() -> {
            try (var in = (RingFileChannelImpl) RingFiles.open(src, READ);
                 var out = (RingFileChannelImpl) RingFiles.open(dst, CREATE_NEW, WRITE)) {
                assertEquals(FALLBACK ? MIB : 0, in.copyInKernel(out, MIB, MIB),
                        "on a ring an uncached range is left to the ring; in fallback mode the kernel copies it");
                assertEquals(3 * MIB + 5, RingFiles.copyRange(in, out, 0, 3 * MIB + 5, 4, n -> { }));
            }
        });
        assertSameBytes(src, dst);
    }

    @Test
    void offThePoolEvenAnEvictedRangeIsCopiedInTheKernel() throws Exception {
        Path src = Files.write(dir.resolve("src"), random(MIB, 3));
        evict(src);
        Path dst = dir.resolve("dst");
        offPool(() -> {
            try (var in = (RingFileChannelImpl) RingFiles.open(src, READ);
                 var out = (RingFileChannelImpl) RingFiles.open(dst, CREATE_NEW, WRITE)) {
                assertEquals(MIB, in.copyInKernel(out, 0, MIB), "a platform thread may block: no cachestat asked");
            }
        });
        assertSameBytes(src, dst);
    }

    @Test
    void ext4ToTmpfsUsesSendfileAtTheRightOffsets() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no /dev/shm");
        assumeTrue(!Files.getFileStore(dir).type().equals("tmpfs"), "the temporary folder is on tmpfs itself");
        Path src = Files.write(dir.resolve("src"), random(6 * MIB + 4097, 4));
        Path dst = shm.resolve("ringloom-copyrange-" + ProcessHandle.current().pid());
        try {
            onPool(() -> {
                try (var in = (RingFileChannelImpl) RingFiles.open(src, READ);
                     var out = (RingFileChannelImpl) RingFiles.open(dst, CREATE_NEW, WRITE)) {
                    out.position(17);
                    assertEquals(MIB, in.copyInKernel(out, 2 * MIB, MIB), "copy_file_range's EXDEV: sendfile");
                    assertEquals(17, out.position(), "sendfile's use of the target's position is put back");
                    assertEquals(0, in.copyInKernel(out, 0, 64 * 1024),
                            "a small range only sendfile would copy: left to the caller's buffer (two calls, not four)");
                    assertEquals(6 * MIB + 4097, RingFiles.copyRange(in, out, 0, 6 * MIB + 4097, 8, n -> { }));
                    assertEquals(17, out.position());
                    out.position(3 * MIB);
                    assertEquals(MIB, in.copyInKernel(out, 3 * MIB, MIB), "a chunk at the target's position");
                    assertEquals(3 * MIB, out.position(), "put back there too");
                }
            });
            assertSameBytes(src, dst);
        } finally {
            Files.deleteIfExists(dst);
        }
    }

    @Test
    void aSourceThatShrankEndsTheCopyEarly() throws Exception {
        // copyRange is told the size before the shrink: the source now ends 100 bytes into chunk 3
        Path src = Files.write(dir.resolve("src"), random(3 * MIB + 100, 5));
        for (boolean pooled : new boolean[] {true, false}) {
            Path dst = dir.resolve("dst-" + pooled);
            Body copy = () -> {
                try (FileChannel in = RingFiles.open(src, READ); FileChannel out = RingFiles.open(dst, CREATE_NEW, WRITE)) {
                    AtomicLong heard = new AtomicLong();
                    assertEquals(3 * MIB + 100, RingFiles.copyRange(in, out, 0, 5 * MIB, 4, heard::addAndGet));
                    assertEquals(3 * MIB + 100, heard.get());
                }
            };
            if (pooled) onPool(copy); else offPool(copy);
            assertSameBytes(src, dst);
        }
    }

    @Test
    void jdkChannelsAreCopiedTheirOwnWay() throws Exception {
        Path src = Files.write(dir.resolve("src"), random(2 * MIB + 7, 6));
        Path dst = dir.resolve("dst");
        onPool(() -> {
            try (FileChannel in = FileChannel.open(src, READ); FileChannel out = RingFiles.open(dst, CREATE_NEW, WRITE)) {
                assertEquals(2 * MIB + 7, RingFiles.copyRange(in, out, 0, 2 * MIB + 7, 4, n -> { }));
            }
        });
        assertSameBytes(src, dst);
        Path dst2 = dir.resolve("dst2");
        onPool(() -> {
            try (FileChannel in = FileChannel.open(src, READ); FileChannel out = FileChannel.open(dst2, CREATE_NEW, WRITE)) {
                assertEquals(2 * MIB + 7, RingFiles.copyRange(in, out, 0, 2 * MIB + 7, 4, n -> { }));
            }
        });
        assertSameBytes(src, dst2);
    }

    @Test
    void closedChannelsAndInterruptsAsTheChannelsOtherCalls() throws Exception {
        Path src = Files.write(dir.resolve("src"), random(MIB, 7));
        onPool(() -> {
            try (var in = (RingFileChannelImpl) RingFiles.open(src, READ);
                 var out = (RingFileChannelImpl) RingFiles.open(dir.resolve("a"), CREATE_NEW, WRITE)) {
                out.close();
                assertThrows(ClosedChannelException.class, () -> in.copyInKernel(out, 0, MIB));
                assertTrue(in.isOpen());
            }
            try (var in = (RingFileChannelImpl) RingFiles.open(src, READ);
                 var out = (RingFileChannelImpl) RingFiles.open(dir.resolve("b"), CREATE_NEW, WRITE)) {
                in.close();
                assertThrows(ClosedChannelException.class, () -> in.copyInKernel(out, 0, MIB));
                assertThrows(java.nio.channels.NonReadableChannelException.class, () -> out.copyInKernel(out, 0, MIB));
            }
            try (var in = (RingFileChannelImpl) RingFiles.open(src, READ);
                 var out = (RingFileChannelImpl) RingFiles.open(dir.resolve("c"), CREATE_NEW, WRITE)) {
                Thread.currentThread().interrupt();
                assertThrows(ClosedByInterruptException.class, () -> in.copyInKernel(out, 0, MIB));
                assertTrue(Thread.interrupted(), "the interrupt stays set");
                assertFalse(in.isOpen(), "an interrupt closes the source, as its read would");
                assertTrue(out.isOpen());
                assertEquals(0, out.size(), "nothing was copied");
            }
        });
    }

    @Test
    void aFifoIsLeftToTheCaller() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mkfifo.waitFor());
        for (boolean pooled : new boolean[] {true, false}) {
            Body body = () -> {
                // READ and WRITE: a FIFO opened both ways does not wait for a peer
                try (var in = (RingFileChannelImpl) RingFiles.open(fifo, READ, WRITE);
                     var out = (RingFileChannelImpl) RingFiles.open(dir.resolve("out-" + pooled), CREATE_NEW, READ, WRITE)) {
                    assertEquals(0, in.copyInKernel(out, 0, 100), "not a regular file: the caller's read and write");
                    assertEquals(0, out.copyInKernel(in, 0, 100), "nor as the target");
                }
            };
            if (pooled) onPool(body); else offPool(body);
        }
    }

    @Test
    void anAppendingTargetIsLeftToTheCaller() throws Exception {
        Path src = Files.write(dir.resolve("src"), random(MIB, 8));
        Path dst = Files.write(dir.resolve("dst"), new byte[0]);
        onPool(() -> {
            try (var in = (RingFileChannelImpl) RingFiles.open(src, READ);
                 var out = (RingFileChannelImpl) RingFiles.open(dst, java.nio.file.StandardOpenOption.APPEND)) {
                assertEquals(0, in.copyInKernel(out, 0, MIB));
                ByteBuffer one = ByteBuffer.allocate(1);
                assertEquals(1, in.read(one, 0), "the source is untouched and open");
            }
        });
    }
}
