package io.ringloom.rings;

import io.ringloom.core.RingMode;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.IoUring;
import io.ringloom.rings.sys.ProcFds;
import io.ringloom.rings.sys.SysCalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static io.ringloom.rings.sys.IoUring.*;
import static org.junit.jupiter.api.Assertions.*;

/** Real rings on this kernel, under the backend chosen by -Dringloom.native. */
class RingIT {
    private Map<Integer, String> fdsBefore;

    @BeforeEach
    void snapshotFds() {
        fdsBefore = ProcFds.snapshot();
    }

    @AfterEach
    void noFdLeaked() {
        assertEquals(Map.of(), ProcFds.leakedSince(fdsBefore), "fds leaked");
    }

    /** Reaps until {@code count} CQEs arrived, entering with GETEVENTS as needed. */
    private static List<long[]> reapExactly(Ring ring, int count) throws Exception {
        List<long[]> cqes = new ArrayList<>();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (cqes.size() < count) {
            ring.reap((ud, res, flags) -> cqes.add(new long[] {ud, res, flags}));
            if (cqes.size() >= count) break;
            assertTrue(System.nanoTime() < deadline, "timed out with " + cqes.size() + " of " + count + " CQEs");
            ring.submitAndWait(100_000_000L);
        }
        assertEquals(count, cqes.size());
        return cqes;
    }

    @Test
    void nopRoundTrips() throws Exception {
        try (Ring ring = Ring.open(8, RingMode.COOP)) {
            for (int round = 0; round < 1000; round++) {
                long ud = UserData.pack(UserData.KIND_OP, round, round % 7);
                assertTrue(ring.push(Request.nop(), ud));
                assertEquals(1, ring.submit(1, 0));
                List<long[]> cqes = reapExactly(ring, 1);
                assertEquals(ud, cqes.get(0)[0]);
                assertEquals(0, cqes.get(0)[1]);
            }
            assertEquals(0, ring.inFlight());
        }
    }

    @Test
    void acceptedFlagsAreReadBackFromTheKernel() throws Exception {
        try (Ring ring = Ring.open(8, RingMode.COOP)) {
            int flags = ring.setupFlags();
            assertNotEquals(0, flags & IORING_SETUP_COOP_TASKRUN, setupFlagNames(flags));
            assertNotEquals(0, flags & IORING_SETUP_TASKRUN_FLAG, setupFlagNames(flags));
            assertNotEquals(0, flags & IORING_SETUP_SINGLE_ISSUER, setupFlagNames(flags));
            assertNotEquals(0, ring.features() & IORING_FEAT_NODROP, "NODROP");
            assertTrue(ring.probe().supports(IORING_OP_READ));
            assertTrue(ring.probe().supportedNames().contains("ASYNC_CANCEL"));
        }
        try (Ring defer = Ring.open(8, RingMode.DEFER)) {
            assertNotEquals(0, defer.setupFlags() & IORING_SETUP_DEFER_TASKRUN);
            assertEquals(0, defer.setupFlags() & IORING_SETUP_COOP_TASKRUN);
        }
        try (Ring none = Ring.open(8, RingMode.NONE)) {
            assertEquals(0, none.setupFlags() & (IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG));
        }
    }

    @Test
    void readAndWriteARegularFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("data.bin");
        byte[] data = new byte[64 * 1024 + 123];
        new Random(42).nextBytes(data);
        try (Ring ring = Ring.open(16, RingMode.COOP); Arena arena = Arena.ofConfined()) {
            MemorySegment path = arena.allocateFrom(file.toString());
            int O_RDWR = 2, O_CREAT = 0100, O_CLOEXEC = 02000000;
            ring.push(Request.openat(Request.AT_FDCWD, path, O_RDWR | O_CREAT | O_CLOEXEC, 0644), 1);
            ring.submit(1, 0);
            int fd = (int) reapExactly(ring, 1).get(0)[1];
            assertTrue(fd >= 0, "openat: " + Errno.name(fd));

            MemorySegment out = arena.allocate(data.length);
            MemorySegment.copy(data, 0, out, ValueLayout.JAVA_BYTE, 0, data.length);
            ring.push(Request.write(fd, out, 0), 2);
            ring.submit(1, 0);
            assertEquals(data.length, reapExactly(ring, 1).get(0)[1]);

            MemorySegment in = arena.allocate(data.length);
            ring.push(Request.read(fd, in, 0), 3);
            ring.submit(1, 0);
            assertEquals(data.length, reapExactly(ring, 1).get(0)[1]);
            assertArrayEquals(data, in.toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(data, Files.readAllBytes(file));

            ring.push(Request.close(fd), 4);
            ring.submit(1, 0);
            assertEquals(0, reapExactly(ring, 1).get(0)[1]);
        }
    }

    @Test
    void readAndWriteAPipe() throws Exception {
        int[] p = TestPipes.pipe();
        try (Ring ring = Ring.open(16, RingMode.COOP); Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(5);
            ring.push(Request.read(p[0], in, -1), 10);     // armed before data exists
            ring.submit(0, 0);
            MemorySegment out = arena.allocateFrom("hello", StandardCharsets.US_ASCII).asSlice(0, 5);
            ring.push(Request.write(p[1], out, -1), 11);
            ring.submit(0, 0);
            Map<Long, Integer> results = new HashMap<>();
            for (long[] c : reapExactly(ring, 2)) results.put(c[0], (int) c[1]);
            assertEquals(5, results.get(10L));
            assertEquals(5, results.get(11L));
            assertEquals("hello", new String(in.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII));
        } finally {
            TestPipes.close(p);
        }
    }

    @Test
    void singleIssuerRefusesASubmitFromAnotherThread() throws Exception {
        try (Ring ring = Ring.open(8, RingMode.COOP)) {
            ring.push(Request.nop(), 7);
            AtomicInteger foreign = new AtomicInteger();
            Thread t = Thread.ofPlatform().start(() -> foreign.set(ring.enterAsGuest(1, 0, 0)));
            t.join();
            assertEquals(-Errno.EEXIST, foreign.get(), "foreign submit gave " + Errno.name(foreign.get()));
            assertEquals(1, ring.submit(1, 0));
            assertEquals(7, reapExactly(ring, 1).get(0)[0]);
        }
    }

    @Test
    void taskrunFlagAppearsWhileTheOwnerSpinsAndOneEnterDeliversTheCqe() throws Exception {
        // The owner spins in user space, making no syscall: with COOP_TASKRUN the
        // completion's task work waits for our next kernel entry, and TASKRUN_FLAG
        // makes the kernel say so in the SQ flags. The JVM itself may enter the
        // kernel on this thread (a safepoint parks it in a futex), which runs the
        // task work early; such an attempt proves nothing and is repeated. So does a
        // preemption of this thread, which a busy machine makes common: 50 attempts all
        // failed once in CI, so up to 500 (each a few milliseconds).
        int attempts = 0;
        boolean observed = false;
        while (!observed && attempts++ < 500) {
            int[] p = TestPipes.pipe();
            try (Ring ring = Ring.open(8, RingMode.COOP); Arena arena = Arena.ofConfined()) {
                MemorySegment in = arena.allocate(1);
                ring.push(Request.read(p[0], in, -1), 99);
                ring.submit(0, 0);
                assertEquals(0, ring.cq().ready());
                Thread writer = Thread.ofPlatform().start(() -> TestPipes.write(p[1], new byte[] {42}));
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() < deadline) {
                    if ((ring.sq().flags() & IORING_SQ_TASKRUN) != 0) {
                        observed = ring.cq().ready() == 0;
                        break;
                    }
                    if (ring.cq().ready() != 0) {
                        break;
                    }
                    Thread.onSpinWait();
                }
                if (observed) {
                    ring.submit(0, IORING_ENTER_GETEVENTS);
                    assertEquals(1, ring.cq().ready(), "one GETEVENTS enter must post the CQE");
                    assertEquals(0, ring.sq().flags() & IORING_SQ_TASKRUN, "the flag must clear once task work ran");
                }
                List<long[]> cqes = reapExactly(ring, 1);
                assertEquals(1, cqes.get(0)[1]);
                assertEquals(42, in.get(ValueLayout.JAVA_BYTE, 0));
                writer.join();
            } finally {
                TestPipes.close(p);
            }
        }
        assertTrue(observed, "IORING_SQ_TASKRUN with no visible CQE was never observed in " + (attempts - 1) + " attempts");
    }

    @Test
    void cqOverflowLosesNothing() throws Exception {
        try (Ring ring = Ring.open(4, 4, RingMode.COOP)) {
            assertEquals(4, ring.cq().entries());
            int total = 1000;
            int[] seen = new int[total];
            CompletionQueue.Handler count = (ud, res, flags) -> seen[UserData.index(ud)]++;
            for (int i = 0; i < total; i++) {
                while (!ring.push(Request.nop(), UserData.pack(UserData.KIND_OP, 0, i))) {
                    ring.submit(0, IORING_ENTER_GETEVENTS);
                    ring.reap(count);
                }
            }
            ring.submit(0, 0);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (ring.inFlight() > 0) {
                assertTrue(System.nanoTime() < deadline, ring.inFlight() + " CQEs missing");
                ring.submit(0, IORING_ENTER_GETEVENTS);
                ring.reap(count);
            }
            for (int i = 0; i < total; i++) {
                assertEquals(1, seen[i], "NOP " + i + " completed " + seen[i] + " times");
            }
        }
    }

    @Test
    void closeRefusesWhileARequestIsInFlight() throws Exception {
        int[] p = TestPipes.pipe();
        try (Arena arena = Arena.ofConfined()) {
            Ring ring = Ring.open(8, RingMode.COOP);
            MemorySegment in = arena.allocate(1);
            ring.push(Request.read(p[0], in, -1), 5);
            ring.submit(0, 0);
            IllegalStateException e = assertThrows(IllegalStateException.class, ring::close);
            assertTrue(e.getMessage().contains("in flight"), e.getMessage());
            TestPipes.write(p[1], new byte[] {1});
            reapExactly(ring, 1);
            ring.close();
            assertTrue(ring.isClosed());
        } finally {
            TestPipes.close(p);
        }
    }

    @Test
    void badInputGivesClearExceptions() throws Exception {
        Ring ring = Ring.open(8, RingMode.COOP);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16);
            IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> Request.read(-1, buf, 0));
            assertTrue(neg.getMessage().contains("negative fd"), neg.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> Request.read(0, MemorySegment.ofArray(new byte[4]), 0), "heap memory must be refused");
            int missing = ring.probe().lastOp() + 1;
            assertFalse(ring.probe().supports(missing));
            UnsupportedOperationException unsupported = assertThrows(UnsupportedOperationException.class,
                    () -> ring.push(Request.raw(missing, 0, 0, 0, 0, 0, 0, null), 1));
            assertTrue(unsupported.getMessage().contains("does not support"), unsupported.getMessage());
            assertEquals(0, ring.inFlight(), "a refused request must not count as in flight");
        } finally {
            ring.close();
        }
        assertThrows(RingClosedException.class, () -> ring.push(Request.nop(), 1));
        assertThrows(RingClosedException.class, () -> ring.submit(0, 0));
        assertThrows(IllegalArgumentException.class, () -> Ring.open(0, RingMode.COOP));
        ring.close();   // a second close is a no-op
    }

    @Test
    void registeredRingFdAndEventFd() throws Exception {
        try (Ring ring = Ring.open(8, RingMode.COOP); Arena arena = Arena.ofConfined()) {
            assertTrue(ring.registerRingFd(), "IORING_REGISTER_RING_FDS on 6.x");
            int efd = SysCalls.get().eventfd(0, SysCalls.EFD_CLOEXEC);
            assertTrue(efd >= 0);
            try {
                ring.registerEventFd(efd);
                ring.push(Request.nop(), 3);
                assertEquals(1, ring.submit(1, 0));
                assertEquals(3, reapExactly(ring, 1).get(0)[0]);
                MemorySegment counter = arena.allocate(8, 8);
                assertEquals(8, SysCalls.get().read(efd, counter.address(), 8));
                assertTrue(counter.get(ValueLayout.JAVA_LONG, 0) >= 1, "the kernel signalled the eventfd");
                ring.unregisterEventFd();
            } finally {
                SysCalls.get().close(efd);
            }
        }
    }

    @Test
    void probeNamesKnownOpcodes() throws Exception {
        try (Ring ring = Ring.open(2, RingMode.COOP)) {
            List<String> names = ring.probe().supportedNames();
            for (String op : List.of("NOP", "READ", "WRITE", "OPENAT", "CLOSE", "ASYNC_CANCEL", "MSG_RING")) {
                assertTrue(names.contains(op), op + " missing from " + names);
            }
            assertEquals("READ", IoUring.opName(IORING_OP_READ));
        }
    }
}
