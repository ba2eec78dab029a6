package io.ringloom.files;

import io.ringloom.CarrierPool;
import io.ringloom.RingFiles;
import io.ringloom.agent.RingloomAgent;
import io.ringloom.fs.RingFileSystemProvider;
import io.ringloom.rings.sys.ProcFds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static java.nio.file.StandardOpenOption.*;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One behaviour suite for the JDK's FileChannel and Ringloom's: every
 * assertion states the JDK's behaviour, and every implementation must pass it.
 */
class FileChannelBehaviourIT {
    @TempDir
    Path dir;
    private Map<Integer, String> fdsBefore;

    /** The suite also runs with -Dringloom.fallback=true: every call then a plain syscall. */
    static final boolean FALLBACK = Boolean.getBoolean("ringloom.fallback");

    @BeforeAll
    static void startPool() throws Exception {
        Impl.pool = CarrierPool.builder().carriers(2).name("filesuite").build();
        assertEquals(FALLBACK, Impl.pool.isFallback(), () -> "fallback: " + Impl.pool.fallbackReason());
        if (Impl.DROP_IN_JVM) {
            // The drop-in must really be in effect, and its JVM-wide pool (rings, eventfds)
            // made before the first fd snapshot: its first virtual thread creates it.
            assertTrue(RingloomAgent.status().active(), () -> "agent: " + RingloomAgent.status());
            AtomicReference<String> carrier = new AtomicReference<>();
            Thread.ofVirtual().start(() -> carrier.set(Thread.currentThread().toString())).join();
            assertTrue(carrier.get().contains("@ringloom-carrier-"), carrier::get);
            assertInstanceOf(RingFileSystemProvider.class, java.nio.file.FileSystems.getDefault().provider());
        }
    }

    @AfterAll
    static void stopPool() {
        assertEquals(java.util.List.of(), Impl.pool.carrierFailures());
        Impl.pool.close();
    }

    @BeforeEach
    void snapshot() {
        fdsBefore = ProcFds.snapshot();
    }

    @AfterEach
    void nothingLeaked() {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(Map.of(), ProcFds.leakedSince(fdsBefore), "fds leaked"));
        Impl.pool.stats().forEach(s -> assertEquals(0, s.inFlight(), () -> "in flight: " + s));
        RingloomAgent.pool().ifPresent(p -> p.stats().forEach(s -> assertEquals(0, s.inFlight(), () -> "in flight: " + s)));
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String ascii(ByteBuffer b) {
        b.flip();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void endOfFile(Impl impl) throws Exception {
        Path f = Files.createFile(dir.resolve("empty"));
        impl.run(() -> {
            try (FileChannel ch = impl.open(f, READ)) {
                assertEquals(-1, ch.read(ByteBuffer.allocate(8)));
                assertEquals(-1, ch.read(ByteBuffer.allocateDirect(8), 100));
                assertEquals(0, ch.read(ByteBuffer.allocate(0)));
                assertEquals(0, ch.position());
            }
        });
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void positionsRelativeAndPositional(Impl impl) throws Exception {
        Path f = dir.resolve("pos");
        impl.run(() -> {
            try (FileChannel ch = impl.open(f, CREATE_NEW, READ, WRITE)) {
                assertEquals(11, ch.write(ascii("hello world")));
                assertEquals(11, ch.position());
                ch.position(6);
                ByteBuffer b = ByteBuffer.allocate(16);
                assertEquals(5, ch.read(b));
                assertEquals("world", ascii(b));
                assertEquals(11, ch.position());
                ByteBuffer p = ByteBuffer.allocateDirect(5);
                assertEquals(5, ch.read(p, 0));
                assertEquals("hello", ascii(p));
                assertEquals(11, ch.position(), "a positional read leaves the position alone");
                assertEquals(1, ch.write(ascii("J"), 0));
                assertEquals(11, ch.position());
                ch.position(20);
                assertEquals(1, ch.write(ascii("!")));
                assertEquals(21, ch.size());
                ByteBuffer all = ByteBuffer.allocate(21);
                assertEquals(21, ch.read(all, 0));
                assertEquals("Jello world\0\0\0\0\0\0\0\0\0!", ascii(all));
                assertThrows(IllegalArgumentException.class, () -> ch.position(-1));
                assertThrows(IllegalArgumentException.class, () -> ch.read(ByteBuffer.allocate(1), -1));
                assertThrows(IllegalArgumentException.class, () -> ch.write(ByteBuffer.allocate(1), -1));
            }
        });
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void append(Impl impl) throws Exception {
        Path f = dir.resolve("append");
        Files.writeString(f, "abc");
        impl.run(() -> {
            try (FileChannel ch = impl.open(f, APPEND)) {
                assertEquals(3, ch.position(), "append mode: position is the size");
                assertEquals(2, ch.write(ascii("de")));
                assertEquals(5, ch.position());
                assertEquals(2, ch.write(ascii("fg")));
                assertEquals(7, ch.size());
                assertThrows(NonReadableChannelException.class, () -> ch.read(ByteBuffer.allocate(1)));
            }
            assertEquals("abcdefg", Files.readString(f));
            assertThrows(IllegalArgumentException.class, () -> impl.open(f, READ, APPEND));
            assertThrows(IllegalArgumentException.class, () -> impl.open(f, APPEND, TRUNCATE_EXISTING));
        });
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void truncation(Impl impl) throws Exception {
        Path f = dir.resolve("trunc");
        Files.writeString(f, "0123456789");
        impl.run(() -> {
            try (FileChannel ch = impl.open(f, READ, WRITE)) {
                ch.position(8);
                ch.truncate(4);
                assertEquals(4, ch.size());
                assertEquals(4, ch.position(), "the position moves back to the new size");
                ch.truncate(100);
                assertEquals(4, ch.size(), "a larger size leaves the file alone");
                assertThrows(IllegalArgumentException.class, () -> ch.truncate(-1));
            }
            try (FileChannel ro = impl.open(f, READ)) {
                assertThrows(NonWritableChannelException.class, () -> ro.truncate(0));
            }
            try (FileChannel t = impl.open(f, WRITE, TRUNCATE_EXISTING)) {
                assertEquals(0, t.size());
            }
        });
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void scatterGather(Impl impl) throws Exception {
        Path f = dir.resolve("sg");
        impl.run(() -> {
            try (FileChannel ch = impl.open(f, CREATE, READ, WRITE)) {
                ByteBuffer[] out = {ascii("ab"), ByteBuffer.allocateDirect(3).put("cde".getBytes()).flip(), ascii("f")};
                assertEquals(6, ch.write(out));
                assertEquals(6, ch.position());
                ch.position(0);
                ByteBuffer a = ByteBuffer.allocate(1), b = ByteBuffer.allocateDirect(4), c = ByteBuffer.allocate(4);
                assertEquals(6, ch.read(new ByteBuffer[] {a, b, c}));
                assertEquals("a", ascii(a));
                assertEquals("bcde", ascii(b));
                assertEquals("f", ascii(c));
                assertEquals(-1, ch.read(new ByteBuffer[] {ByteBuffer.allocate(2)}));
                ByteBuffer[] two = {ByteBuffer.allocate(1), ByteBuffer.allocate(1)};
                assertThrows(IndexOutOfBoundsException.class, () -> ch.read(two, 1, 2));
                assertThrows(IndexOutOfBoundsException.class, () -> ch.write(two, -1, 1));
            }
        });
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void readOnlyAndWriteOnlyMisuse(Impl impl) throws Exception {
        Path f = dir.resolve("misuse");
        Files.writeString(f, "xyz");
        impl.run(() -> {
            try (FileChannel ro = impl.open(f, READ)) {
                assertThrows(NonWritableChannelException.class, () -> ro.write(ascii("a")));
                assertThrows(NonWritableChannelException.class, () -> ro.write(ascii("a"), 0));
                assertThrows(IllegalArgumentException.class, () -> ro.read(ByteBuffer.allocate(4).asReadOnlyBuffer()));
            }
            try (FileChannel wo = impl.open(f, WRITE)) {
                assertThrows(NonReadableChannelException.class, () -> wo.read(ByteBuffer.allocate(1)));
                assertThrows(NonReadableChannelException.class, () -> wo.read(ByteBuffer.allocate(1), 0));
            }
        });
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void closedChannel(Impl impl) throws Exception {
        Path f = dir.resolve("closed");
        Files.writeString(f, "data");
        impl.run(() -> {
            FileChannel ch = impl.open(f, READ, WRITE);
            ch.close();
            assertFalse(ch.isOpen());
            assertThrows(ClosedChannelException.class, () -> ch.read(ByteBuffer.allocate(1)));
            assertThrows(ClosedChannelException.class, () -> ch.write(ascii("a")));
            assertThrows(ClosedChannelException.class, ch::position);
            assertThrows(ClosedChannelException.class, ch::size);
            assertThrows(ClosedChannelException.class, () -> ch.force(true));
            assertThrows(ClosedChannelException.class, () -> ch.truncate(0));
            ch.close();
        });
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void openErrors(Impl impl) throws Exception {
        Path existing = Files.writeString(dir.resolve("exists"), "x");
        impl.run(() -> {
            assertThrows(NoSuchFileException.class, () -> impl.open(dir.resolve("missing"), READ));
            assertThrows(FileAlreadyExistsException.class, () -> impl.open(existing, CREATE_NEW, WRITE));
            FileSystemException notDir = assertThrows(FileSystemException.class,
                    () -> impl.open(existing.resolve("child"), READ));
            assertEquals(FileSystemException.class, notDir.getClass(), "ENOTDIR is a plain FileSystemException");
            FileSystemException isDir = assertThrows(FileSystemException.class, () -> impl.open(dir, WRITE));
            assertEquals(FileSystemException.class, isDir.getClass());
            try (FileChannel d = impl.open(dir, READ)) {
                IOException e = assertThrows(IOException.class, () -> d.read(ByteBuffer.allocate(1)));
                assertTrue(e.getMessage().contains("Is a directory"), e.getMessage());
            }
            assertThrows(UnsupportedOperationException.class,
                    () -> impl.open(existing, READ, java.nio.file.StandardOpenOption.valueOf("READ"),
                            new java.nio.file.OpenOption() {}));
            // PATH_MAX (4096) counts the NUL: a path of 4095 bytes reaches the kernel whole and
            // opens, one of 4096 or more is the kernel's ENAMETOOLONG, a plain FileSystemException
            for (int length : new int[] {4095, 4096, 10_000}) {
                String prefix = dir + "/";
                Path p = Path.of(prefix + "./".repeat((length - prefix.length() - 1) / 2) + "x".repeat(1 + (length - prefix.length() - 1) % 2));
                assertEquals(length, p.toString().length());
                if (length < 4096) {
                    impl.open(p, CREATE_NEW, WRITE).close();
                    assertTrue(Files.deleteIfExists(p), "made at its place");
                    continue;
                }
                FileSystemException e = assertThrows(FileSystemException.class, () -> impl.open(p, CREATE_NEW, WRITE));
                assertEquals(FileSystemException.class, e.getClass(), "length " + length);
                assertTrue(e.getMessage().contains("File name too long"), e.getMessage());
            }
            // a name of more than NAME_MAX (255) bytes
            Path longName = dir.resolve("m".repeat(300));
            FileSystemException e = assertThrows(FileSystemException.class, () -> impl.open(longName, CREATE_NEW, WRITE));
            assertTrue(e.getMessage().contains("File name too long"), e.getMessage());
        });
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void filesOverFourGigabytesSparse(Impl impl) throws Exception {
        Path f = dir.resolve("big");
        long far = 5L << 30;
        impl.run(() -> {
            try (FileChannel ch = impl.open(f, CREATE_NEW, READ, WRITE, SPARSE)) {
                assertEquals(4, ch.write(ascii("tail"), far));
                assertEquals(far + 4, ch.size());
                ByteBuffer b = ByteBuffer.allocate(8);
                assertEquals(4, ch.read(b, far));
                assertEquals("tail", ascii(b));
                ByteBuffer hole = ByteBuffer.allocateDirect(4096);
                assertEquals(4096, ch.read(hole, 3L << 30));
                hole.flip();
                while (hole.hasRemaining()) assertEquals(0, hole.get());
                ch.position(far + 2);
                ByteBuffer rel = ByteBuffer.allocate(8);
                assertEquals(2, ch.read(rel));
                assertEquals(far + 4, ch.position());
            }
        });
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void zeroLengthAndHugeBuffers(Impl impl) throws Exception {
        Path f = dir.resolve("huge");
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        Files.write(f, data);
        impl.run(() -> {
            try (FileChannel ch = impl.open(f, READ, WRITE)) {
                assertEquals(0, ch.read(ByteBuffer.allocate(0)));
                assertEquals(0, ch.write(ByteBuffer.allocate(0)));
                assertEquals(0, ch.position());
                ByteBuffer heap = ByteBuffer.allocate(64 << 20);
                assertEquals(data.length, ch.read(heap));
                assertArrayEquals(data, java.util.Arrays.copyOf(heap.array(), heap.position()));
                ByteBuffer direct = ByteBuffer.allocateDirect(64 << 20);
                assertEquals(data.length, ch.read(direct, 0));
                direct.flip();
                byte[] back = new byte[direct.remaining()];
                direct.get(back);
                assertArrayEquals(data, back);
                ByteBuffer big = ByteBuffer.wrap(new byte[3 << 20]);
                assertEquals(3 << 20, ch.write(big, 0));
                assertEquals(3 << 20, ch.size());
            }
        });
    }

    /**
     * A read of a regular file fills the buffer up to the end of the file, even
     * when only the front of the range is in the page cache: found by the drop-in
     * interrupt storm (docs/RELIABILITY.md), where {@code preadv2(RWF_NOWAIT)}
     * gave back the cached front and the channel passed that short count on.
     */
    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void aReadPartlyInThePageCacheFillsTheBuffer(Impl impl) throws Exception {
        int size = 256 << 10, cachedFront = 96 << 10;
        Path f = dir.resolve("half-cached");
        byte[] data = new byte[size];
        new Random(11).nextBytes(data);
        try (FileChannel ch = FileChannel.open(f, CREATE_NEW, WRITE)) {
            ch.write(ByteBuffer.wrap(data));
            ch.force(true);   // clean pages, which DONTNEED evicts
        }
        PageCache.cacheOnlyFront(f, cachedFront);
        long front = PageCache.nowaitRead(f, 0, size);
        assumeTrue(front > 0 && front < size, () -> "this file system serves a part-cached range whole (RWF_NOWAIT read " + front + ")");
        impl.run(() -> {
            try (FileChannel ch = impl.open(f, READ)) {
                ByteBuffer direct = ByteBuffer.allocateDirect(size);
                PageCache.cacheOnlyFront(f, cachedFront);
                assertEquals(size, ch.read(direct, 0), "positional read into a direct buffer");
                assertArrayEquals(data, bytes(direct));
                ByteBuffer heap = ByteBuffer.allocate(size + 100);
                PageCache.cacheOnlyFront(f, cachedFront);
                assertEquals(size, ch.read(heap), "relative read into a heap buffer");
                assertEquals(size, ch.position());
                assertArrayEquals(data, java.util.Arrays.copyOf(heap.array(), heap.position()));
                PageCache.cacheOnlyFront(f, cachedFront + 4096);
                ByteBuffer from = ByteBuffer.allocate(size);
                assertEquals(size - 1000, ch.read(from, 1000), "positional read up to the end of the file");
                assertArrayEquals(java.util.Arrays.copyOfRange(data, 1000, size), java.util.Arrays.copyOf(from.array(), from.position()));
            }
        });
    }

    private static byte[] bytes(ByteBuffer b) {
        b.flip();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void forceTransfersAndDeleteOnClose(Impl impl) throws Exception {
        Path src = dir.resolve("src");
        Path dst = dir.resolve("dst");
        byte[] data = new byte[700_000];
        new Random(3).nextBytes(data);
        Files.write(src, data);
        impl.run(() -> {
            try (FileChannel in = impl.open(src, READ); FileChannel out = impl.open(dst, CREATE, WRITE, READ)) {
                assertEquals(data.length - 10, in.transferTo(10, data.length, out));
                out.force(true);
                out.force(false);
                assertEquals(0, in.transferTo(data.length + 5, 10, out));
                assertEquals(data.length - 10, out.size());
                try (FileChannel again = impl.open(src, READ)) {
                    assertEquals(5, out.transferFrom(again, 0, 5));
                }
            }
            byte[] got = Files.readAllBytes(dst);
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 0, 5), java.util.Arrays.copyOfRange(got, 0, 5));
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 15, data.length),
                    java.util.Arrays.copyOfRange(got, 5, got.length));
            Path temp = dir.resolve("temp");
            try (FileChannel t = impl.open(temp, CREATE_NEW, WRITE, READ, DELETE_ON_CLOSE)) {
                t.write(ascii("gone soon"));
                assertEquals(9, t.size());
            }
            assertFalse(Files.exists(temp));
        });
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void mapAndLockWork(Impl impl) throws Exception {
        Path f = dir.resolve("maplock");
        Files.writeString(f, "mapped bytes");
        impl.run(() -> {
            try (FileChannel ch = impl.open(f, READ, WRITE)) {
                java.nio.MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, 6);
                byte[] b = new byte[6];
                m.get(b);
                assertEquals("mapped", new String(b, StandardCharsets.US_ASCII));
                try (var lock = ch.tryLock()) {
                    assertNotNull(lock);
                    assertTrue(lock.isValid());
                }
            }
            try (FileChannel ro = impl.open(f, READ)) {
                assertThrows(NonWritableChannelException.class, () -> ro.map(FileChannel.MapMode.READ_WRITE, 0, 1));
                assertThrows(NonWritableChannelException.class, () -> ro.lock());
            }
        });
    }

    private Path fifo() throws Exception {
        Path p = dir.resolve("fifo");
        Process mk = new ProcessBuilder("mkfifo", p.toString()).start();
        assertEquals(0, mk.waitFor());
        return p;
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void interruptWhileBlockedClosesTheChannel(Impl impl) throws Exception {
        assumeTrue(impl != Impl.RING_PLATFORM && !(impl == Impl.RING_POOL && FALLBACK),
                "a plain read(2) off the ring cannot be interrupted by Ringloom");
        Path fifo = fifo();
        FileChannel ch = impl.open(fifo, READ, WRITE);   // O_RDWR: opening does not wait for a writer
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
        Thread t = impl.start(() -> {
            try {
                ch.read(ByteBuffer.allocateDirect(16));
                outcome.set(new AssertionError("read returned"));
            } catch (Throwable e) {
                outcome.set(e);
            }
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> t.getState() == Thread.State.WAITING
                || t.getState() == Thread.State.RUNNABLE && impl == Impl.JDK);
        Thread.sleep(100);   // the JDK's side shows RUNNABLE inside read(2): give it time to get there
        t.interrupt();
        t.join(10_000);
        assertFalse(t.isAlive());
        assertInstanceOf(ClosedByInterruptException.class, outcome.get());
        assertTrue(interruptedAfter.get(), "the interrupt status stays set");
        assertFalse(ch.isOpen());
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void closeWhileBlockedEndsTheCall(Impl impl) throws Exception {
        assumeTrue(impl != Impl.RING_PLATFORM && !(impl == Impl.RING_POOL && FALLBACK),
                "a plain read(2) off the ring cannot be woken by Ringloom");
        Path fifo = fifo();
        FileChannel ch = impl.open(fifo, READ, WRITE);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread t = impl.start(() -> {
            try {
                ch.read(ByteBuffer.allocate(16));
                outcome.set(new AssertionError("read returned"));
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> t.getState() == Thread.State.WAITING
                || t.getState() == Thread.State.RUNNABLE && impl == Impl.JDK);
        Thread.sleep(100);
        ch.close();
        t.join(10_000);
        assertFalse(t.isAlive());
        assertInstanceOf(AsynchronousCloseException.class, outcome.get());
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.files.Impl#active")
    void writeLargerThanAFifoWaitsForTheReaderAndWritesEverything(Impl impl) throws Exception {
        Path fifo = fifo();
        byte[] data = new byte[1 << 20];   // 16 times a pipe's default capacity
        new Random(5).nextBytes(data);
        try (FileChannel w = impl.open(fifo, READ, WRITE); FileChannel r = FileChannel.open(fifo, READ)) {
            AtomicReference<byte[]> got = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                ByteBuffer all = ByteBuffer.allocate(data.length);
                try {
                    while (all.hasRemaining() && r.read(all) > 0) {
                        // drain until every byte is in
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                got.set(all.array());
            });
            impl.run(() -> assertEquals(data.length, w.write(ByteBuffer.wrap(data))));
            reader.join(10_000);
            assertArrayEquals(data, got.get());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Impl.class, names = {"RING_POOL", "RING_PLATFORM"})
    void ringFilesConveniences(Impl impl) throws Exception {
        impl.run(() -> {
            Path nested = dir.resolve("a/b/c");
            RingFiles.createDirectories(nested);
            assertTrue(Files.isDirectory(nested));
            RingFiles.createDirectories(nested);
            // with a mode: every directory made gets it less the umask, as the JDK makes them
            var rwxrx = java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwx---"));
            RingFiles.createDirectories(dir.resolve("m/n"), rwxrx);
            Files.createDirectories(dir.resolve("jdk-m/n"), rwxrx);
            assertEquals(Files.getPosixFilePermissions(dir.resolve("jdk-m")), Files.getPosixFilePermissions(dir.resolve("m")));
            assertEquals(Files.getPosixFilePermissions(dir.resolve("jdk-m/n")), Files.getPosixFilePermissions(dir.resolve("m/n")));
            Path f = nested.resolve("f.bin");
            byte[] data = new byte[3 * (1 << 20) + 17];
            new Random(11).nextBytes(data);
            RingFiles.write(f, data);
            assertEquals(data.length, RingFiles.size(f));
            assertArrayEquals(data, RingFiles.readAllBytes(f));
            Path copy = dir.resolve("copy.bin");
            RingFiles.copy(f, copy);
            assertArrayEquals(data, Files.readAllBytes(copy));
            assertThrows(FileAlreadyExistsException.class, () -> RingFiles.copy(f, copy));
            Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L));
            RingFiles.copy(f, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            assertEquals(Files.getLastModifiedTime(f), Files.getLastModifiedTime(copy));
            try (var in = RingFiles.newInputStream(f)) {
                assertArrayEquals(data, in.readAllBytes());
            }
            try (var out = RingFiles.newOutputStream(copy)) {
                out.write(new byte[] {1, 2, 3});
            }
            assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(copy));
            RingFiles.delete(copy);
            assertFalse(Files.exists(copy));
            assertThrows(NoSuchFileException.class, () -> RingFiles.delete(copy));
            assertThrows(java.nio.file.DirectoryNotEmptyException.class, () -> RingFiles.delete(dir.resolve("a")));
        });
    }
}
