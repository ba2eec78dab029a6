package io.ringloom.fs;

import io.ringloom.rings.sys.ProcFds;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The streams of {@code Files.newInputStream}/{@code newOutputStream} and the
 * channel of {@code Files.readAllBytes} are uninterruptible, as the JDK makes
 * them for its own channel ({@code FileChannelImpl.setUninterruptible()}),
 * also for an interrupt that arrives while a call is blocked (on a FIFO):
 * the call goes on and returns its data, the stream stays open, and the
 * interrupt status stays set. A close from another thread still ends a
 * blocked read. Each case runs on the JDK's provider on a platform thread,
 * Ringloom's provider on a pool virtual thread (the ring) and on a platform
 * thread (plain syscalls); the assertions are the JDK's behaviour.
 */
class UninterruptibleStreamsIT {
    static final boolean FALLBACK = ProviderFixture.FALLBACK;
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** {@code __NR_read} and {@code __NR_write} (arch/x86/entry/syscalls/syscall_64.tbl; include/uapi/asm-generic/unistd.h). */
    private static final Set<String> READ_WRITE_SYSCALLS =
            System.getProperty("os.arch").equals("aarch64") ? Set.of("63", "64") : Set.of("0", "1");

    @RegisterExtension
    static final ProviderFixture fixture = new ProviderFixture("unint");

    @TempDir
    Path dir;

    /** Whose {@code Files} call, on which kind of thread. */
    enum Side {
        /**
         * The default provider on a platform thread: the JDK's, but in the
         * drop-in JVM, where the default provider is Ringloom's.
         */
        JDK,
        /** Ringloom's provider on a pool virtual thread: the ring, or plain syscalls in fallback mode. */
        RING_POOL,
        /** Ringloom's provider on a platform thread: plain syscalls. */
        RING_PLATFORM;

        Path path(Path jdk) {
            return this == JDK ? jdk : fixture.ring(jdk);
        }

        Thread start(Runnable body) {
            return this == RING_POOL ? fixture.pool.startVirtualThread(body) : Thread.ofPlatform().name("unint-" + this).start(body);
        }

        /** Whether a blocked call of this side waits in the ring (parked), not in a syscall. */
        boolean inRing() {
            return this == RING_POOL && !FALLBACK;
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} on {@code side}'s kind of thread; what it threw lands in {@code thrown}. */
    private static Thread start(Side side, AtomicReference<Throwable> thrown, Body body) {
        return side.start(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
    }

    private Path fifo() throws Exception {
        Path p = dir.resolve("fifo");
        Process mk = new ProcessBuilder("mkfifo", p.toString()).start();
        assertEquals(0, mk.waitFor());
        return p;
    }

    /**
     * The test's end of the FIFO, opened O_RDWR so that opening it does not wait
     * for the other end, and so that the other end's open (read-only or
     * write-only) does not wait either.
     */
    private static FileChannel ourEnd(Path fifo) throws IOException {
        return FileChannel.open(fifo, READ, WRITE);
    }

    private static void write(FileChannel ch, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) ch.write(b);
    }

    /**
     * True while {@code t} is blocked on {@code fifo}: parked on a ring request
     * with its interrupt status taken off (the scheduler takes it off to park
     * again), or some thread of this process (a platform thread, a virtual
     * thread's carrier) inside read(2) or write(2) on one of the FIFO's fds, as
     * {@code /proc/self/task/TID/syscall} shows it (the number, then the
     * arguments; the fd first).
     */
    private static Callable<Boolean> blockedOn(Side side, Thread t, Path fifo) throws IOException {
        if (side.inRing()) {
            return () -> t.getState() == Thread.State.WAITING && !t.isInterrupted() && fixture.inFlight() == 1;
        }
        String target = fifo.toRealPath().toString();   // as /proc/self/fd shows it
        return () -> {
            Set<String> fds = fdsOf(target);
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                return tasks.map(task -> syscallOf(task.resolve("syscall"))).anyMatch(words -> words.length > 1
                        && READ_WRITE_SYSCALLS.contains(words[0]) && fds.contains(words[1]));
            }
        };
    }

    /** The FIFO's open fds, as the hex the syscall file shows its arguments in. */
    private static Set<String> fdsOf(String target) {
        return ProcFds.snapshot().entrySet().stream().filter(e -> e.getValue().equals(target))
                .map(e -> "0x" + Integer.toHexString(e.getKey())).collect(Collectors.toSet());
    }

    private static String[] syscallOf(Path file) {
        try (InputStream in = new FileInputStream(file.toString())) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split(" ");
        } catch (IOException ended) {
            return new String[0];   // the task ended meanwhile
        }
    }

    /** What the test does with its end of the FIFO once the other side's call is blocked and interrupted. */
    private interface Then {
        void run(FileChannel ours) throws Exception;
    }

    /**
     * Runs {@code body} on {@code side}'s kind of thread, waits until it is
     * blocked on {@code fifo}, interrupts it, waits until it is blocked again,
     * runs {@code then} with the test's end of the FIFO, which it then closes
     * (the last writer: a reader sees EOF), and waits for {@code body} to end
     * without having thrown, its thread's interrupt status still set.
     */
    private static void interruptedWhileBlocked(Side side, Path fifo, Body body, Then then) throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean interruptedAtEnd = new AtomicBoolean();
        Thread t;
        try (FileChannel ours = ourEnd(fifo)) {
            t = start(side, thrown, () -> {
                body.run();
                interruptedAtEnd.set(Thread.currentThread().isInterrupted());
            });
            Callable<Boolean> blocked = blockedOn(side, t, fifo);
            await().atMost(WAIT).until(blocked);
            t.interrupt();
            await().atMost(WAIT).until(blocked);
            then.run(ours);
        }
        joined(t);
        if (thrown.get() != null) throw new AssertionError(side + " threw", thrown.get());
        assertTrue(interruptedAtEnd.get(), "the interrupt status stays set");
    }

    private static void joined(Thread t) throws InterruptedException {
        assertTrue(t.join(WAIT), "the thread is still blocked");
    }

    // ----------------------------------------------------------------- tests

    @ParameterizedTest
    @EnumSource(Side.class)
    void anInterruptDoesNotEndABlockedStreamRead(Side side) throws Exception {
        Path fifo = fifo();
        AtomicReference<String> first = new AtomicReference<>();
        AtomicReference<String> second = new AtomicReference<>();
        AtomicBoolean interruptedAfterFirst = new AtomicBoolean();
        interruptedWhileBlocked(side, fifo, () -> {
            try (InputStream in = Files.newInputStream(side.path(fifo))) {
                byte[] b = new byte[16];
                first.set(new String(b, 0, in.read(b), StandardCharsets.US_ASCII));
                interruptedAfterFirst.set(Thread.currentThread().isInterrupted());
                // the stream is still open, and a read with the status set still waits for data
                second.set(new String(b, 0, in.read(b), StandardCharsets.US_ASCII));
            }
        }, ours -> {
            write(ours, "hello");
            await().atMost(WAIT).until(() -> first.get() != null);
            write(ours, "again");
        });
        assertEquals("hello", first.get());
        assertTrue(interruptedAfterFirst.get(), "the interrupt status stays set");
        assertEquals("again", second.get());
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void anInterruptDoesNotEndReadAllBytes(Side side) throws Exception {
        Path fifo = fifo();
        AtomicReference<String> all = new AtomicReference<>();
        interruptedWhileBlocked(side, fifo,
                () -> all.set(new String(Files.readAllBytes(side.path(fifo)), StandardCharsets.US_ASCII)),
                ours -> write(ours, "everything"));
        assertEquals("everything", all.get());
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void anInterruptDoesNotEndABlockedStreamWrite(Side side) throws Exception {
        Path fifo = fifo();
        byte[] data = new byte[1 << 20];   // 16 times a pipe's default capacity
        new Random(3).nextBytes(data);
        AtomicBoolean openAfter = new AtomicBoolean();
        ByteBuffer got = ByteBuffer.allocate(data.length + 1);
        interruptedWhileBlocked(side, fifo, () -> {
            try (OutputStream out = Files.newOutputStream(side.path(fifo), WRITE)) {
                out.write(data);
                out.write(new byte[] {42});
                openAfter.set(true);
            }
        }, ours -> {
            // on a thread of its own: should the writer stop short, the test fails instead of
            // waiting for ever, and closing our end ends this read
            Thread drainer = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (got.hasRemaining() && ours.read(got) > 0) {
                        // until every byte is in
                    }
                } catch (IOException endedByTheClose) {
                    // the test has failed already
                }
            });
            joined(drainer);
        });
        assertArrayEquals(data, Arrays.copyOf(got.array(), data.length));
        assertEquals(42, got.get(data.length));
        assertTrue(openAfter.get(), "the stream stays open");
    }

    /**
     * A close from another thread ends a blocked read of an uninterruptible
     * stream; Ringloom's read throws {@code AsynchronousCloseException}. The
     * JDK's ends too, but (measured on 25.0.3) returns -3: its
     * {@code FileChannelImpl} skips {@code end} when uninterruptible and hands
     * on read(2)'s EINTR as {@code IOStatus.INTERRUPTED}, which no
     * {@code InputStream.read} may return; Ringloom does not copy that. Not on
     * Ringloom's plain syscalls: a read(2) there cannot be woken (a Ringloom
     * channel off the rings has no thread to signal), as in FileChannelBehaviourIT.
     */
    @ParameterizedTest
    @EnumSource(Side.class)
    void aCloseEndsABlockedStreamRead(Side side) throws Exception {
        assumeFalse(side == Side.RING_PLATFORM || side == Side.RING_POOL && FALLBACK,
                "a plain read(2) off the ring cannot be woken by Ringloom");
        assumeTrue(side != Side.JDK || !(FileSystems.getDefault().provider() instanceof RingFileSystemProvider),
                "the default provider is Ringloom's here: on a platform thread its read(2) cannot be woken");
        Path fifo = fifo();
        try (FileChannel ours = ourEnd(fifo)) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<InputStream> stream = new AtomicReference<>();
            AtomicReference<Integer> result = new AtomicReference<>();
            AtomicReference<Throwable> afterClose = new AtomicReference<>();
            Thread t = start(side, thrown, () -> {
                try (InputStream in = Files.newInputStream(side.path(fifo))) {
                    stream.set(in);
                    try {
                        result.set(in.read(new byte[16]));
                    } finally {
                        afterClose.set(assertThrows(IOException.class, in::read));
                    }
                }
            });
            Callable<Boolean> blocked = blockedOn(side, t, fifo);
            await().atMost(WAIT).until(() -> stream.get() != null && blocked.call());
            stream.get().close();
            joined(t);
            if (side == Side.JDK) {
                assertTrue(thrown.get() instanceof AsynchronousCloseException || result.get() != null && result.get() < -1,
                        () -> "read returned " + result.get() + ", threw " + thrown.get());
            } else {
                assertSame(AsynchronousCloseException.class, thrown.get() == null ? null : thrown.get().getClass(),
                        () -> "read returned " + result.get() + ", threw " + thrown.get());
            }
            assertSame(ClosedChannelException.class, afterClose.get().getClass(), "a read once closed");
        }
    }
}
