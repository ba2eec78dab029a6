package io.ringloom.internal;

import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.SysCalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The use / closing / closed state machine of {@link FdHolder}, on a real pipe fd and no ring. */
class FdHolderTest {
    private static final SysCalls SYS = SysCalls.get();

    private int readFd;
    private int writeFd;
    private final AtomicInteger closes = new AtomicInteger();
    private FdHolder holder;

    @BeforeEach
    void pipe() {
        int[] fds = Pipes.open();
        readFd = fds[0];
        writeFd = fds[1];
        holder = new FdHolder(readFd, closes::incrementAndGet);
    }

    @AfterEach
    void closeTheOtherEnd() {
        SYS.close(writeFd);
        if (isOpen(readFd)) SYS.close(readFd);
    }

    /** Whether {@code fd} is open: {@code fstat} answers anything but EBADF. */
    private static boolean isOpen(int fd) {
        try (Arena a = Arena.ofConfined()) {
            return SYS.fstat(fd, a.allocate(Scratch.SIZE, 16).address()) != -Errno.EBADF;
        }
    }

    @Test
    void closeWhileIdleClosesAtOnce() throws Exception {
        assertFalse(holder.isClosing());
        holder.close();
        assertTrue(holder.isClosing());
        assertEquals(1, closes.get());
        assertFalse(isOpen(readFd));
    }

    @Test
    void acquireAfterCloseFails() throws Exception {
        holder.close();
        assertFalse(holder.acquire());
        assertEquals(1, closes.get());
    }

    @Test
    void closeWhileInUseLeavesTheCloseToTheLastRelease() throws Exception {
        assertTrue(holder.acquire());
        assertTrue(holder.acquire());
        holder.close();
        assertTrue(holder.isClosing());
        assertFalse(holder.acquire(), "no new use once closing");
        assertEquals(0, closes.get());
        assertTrue(isOpen(readFd), "in use: the fd stays open");
        holder.release();
        assertEquals(0, closes.get());
        assertTrue(isOpen(readFd));
        holder.release();
        assertEquals(1, closes.get());
        assertFalse(isOpen(readFd));
    }

    @Test
    void releasesWithoutCloseNeverClose() {
        for (int i = 0; i < 3; i++) {
            assertTrue(holder.acquire());
            holder.release();
        }
        assertEquals(0, closes.get());
        assertTrue(isOpen(readFd));
    }

    @Test
    void secondCloseDoesNothing() throws Exception {
        assertTrue(holder.acquire());
        holder.close();
        holder.close();
        holder.release();
        holder.close();
        assertEquals(1, closes.get());
    }

    @Test
    void racingUsersAndCloseCloseExactlyOnce() throws Exception {
        for (int round = 0; round < 50; round++) {
            closes.set(0);
            FdHolder h = new FdHolder(freshPipeReadEnd(), closes::incrementAndGet);
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> users = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                users.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < 200 && h.acquire(); i++) h.release();
                }));
            }
            go.countDown();
            h.close();
            for (Thread t : users) t.join();
            assertEquals(1, closes.get(), "round " + round);
            assertFalse(h.acquire());
        }
    }

    /** A fresh fd each round (a second pipe's read end), closed by its holder. */
    private static int freshPipeReadEnd() {
        int[] fds = Pipes.open();
        SYS.close(fds[1]);
        return fds[0];
    }
}
