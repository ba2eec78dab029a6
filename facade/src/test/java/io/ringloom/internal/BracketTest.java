package io.ringloom.internal;

import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.SysCalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.spi.AbstractInterruptibleChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Bracket}'s outcome table, on a channel with the JDK's own begin and
 * end ({@link AbstractInterruptibleChannel}) and a real pipe fd; the
 * transfers stand in for the kernel.
 */
class BracketTest {
    private static final SysCalls SYS = SysCalls.get();
    private static final Path FILE = Path.of("/tmp/ringloom-bracket-test");

    /** A channel whose close closes its fd holder, as the Ringloom channels' do. */
    static final class TestChannel extends AbstractInterruptibleChannel implements Bracket.Ends {
        final FdHolder fd;
        /** As a file channel's after setUninterruptible() when false. */
        volatile boolean interruptible = true;

        TestChannel(FdHolder fd) {
            this.fd = fd;
        }

        @Override
        public boolean interruptible() {
            return interruptible;
        }

        @Override
        public void beginBlocking() {
            begin();
        }

        @Override
        public void endBlocking(boolean completed) throws AsynchronousCloseException {
            end(completed);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            fd.close();
        }
    }

    private int writeFd;
    private final AtomicInteger fdCloses = new AtomicInteger();
    private TestChannel channel;
    private Bracket file;
    private Bracket socket;

    @BeforeEach
    void open() {
        int[] fds = Pipes.open();
        writeFd = fds[1];
        channel = new TestChannel(new FdHolder(fds[0], fdCloses::incrementAndGet));
        file = Bracket.forFile(channel, channel.fd, FILE);
        socket = Bracket.forSocket(channel, channel.fd);
    }

    @AfterEach
    void close() throws IOException {
        Thread.interrupted();
        channel.close();
        SYS.close(writeFd);
        assertEquals(1, fdCloses.get(), "the fd is closed once, every use given back");
    }

    @Test
    void countsAndEofStandWhileOpen() throws Exception {
        assertEquals(42, file.run("read", (buf, pos) -> 42, null, -1));
        assertEquals(-1, file.run("read", (buf, pos) -> -1, null, -1));
        assertEquals(7, socket.run("read", (buf, timeout) -> 7, null, 0));
        assertTrue(channel.isOpen());
    }

    @Test
    void theTransferGetsItsArgumentsAndAUseOfTheFd() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(1);
        assertEquals(5, file.run("pread", (buf, pos) -> {
            assertSame(b, buf);
            assertEquals(99, pos);
            assertFalse(channel.fd.isClosing());
            channel.close();
            assertEquals(0, fdCloses.get(), "closed while in use: the fd waits for the use");
            return 5;
        }, b, 99));
        assertEquals(1, fdCloses.get(), "the last use closed it");
    }

    @Test
    void aCountAfterACloseStands() throws Exception {
        assertEquals(3, file.run("read", (buf, pos) -> {
            channel.close();
            return 3;
        }, null, -1));
    }

    @Test
    void closedBeforeTheCallIsAsynchronousClose() throws Exception {
        channel.close();
        assertThrows(AsynchronousCloseException.class, () -> file.run("read", (buf, pos) -> {
            throw new AssertionError("no call without a use");
        }, null, -1));
    }

    @Test
    void eofOrCancellationAfterCloseIsAsynchronousClose() throws Exception {
        for (long res : new long[] {-1, -Errno.ECANCELED, -Errno.EINTR, -Errno.ERESTARTSYS, -Errno.EBADF, -Errno.EIO}) {
            open();
            fdCloses.set(0);
            for (Bracket b : new Bracket[] {Bracket.forFile(channel, channel.fd, FILE), Bracket.forSocket(channel, channel.fd)}) {
                IOException e = assertThrows(IOException.class, () -> b.run("read", (buf, pos) -> {
                    channel.close();
                    return res;
                }, null, 0));
                assertSame(AsynchronousCloseException.class, e.getClass(), "result " + res);
            }
            SYS.close(writeFd);
        }
        fdCloses.set(0);
        open();
    }

    @Test
    void interruptIsClosedByInterrupt() throws Exception {
        Thread caller = Thread.currentThread();
        assertThrows(ClosedByInterruptException.class, () -> file.run("read", (buf, pos) -> {
            // from another thread, as Thread.interrupt runs the channel's interruptor only then;
            // waited for without join, which would throw at once on the interrupted caller
            Thread interrupter = Thread.ofPlatform().start(caller::interrupt);
            while (interrupter.isAlive()) Thread.onSpinWait();
            return -Errno.ECANCELED;
        }, null, -1));
        assertTrue(Thread.interrupted());
        assertFalse(channel.isOpen(), "an interrupt closes the channel");
    }

    @Test
    void uninterruptibleAnInterruptChangesNothing() throws Exception {
        channel.interruptible = false;
        Thread caller = Thread.currentThread();
        assertEquals(4, file.run("read", (buf, pos) -> {
            Thread interrupter = Thread.ofPlatform().start(caller::interrupt);
            while (interrupter.isAlive()) Thread.onSpinWait();
            return 4;
        }, null, -1), "interrupted during the call");
        assertEquals(-1, file.run("read", (buf, pos) -> -1, null, -1), "interrupted before the call");
        IOException e = assertThrows(IOException.class, () -> file.run("pread", (buf, pos) -> -Errno.EIO, null, 0));
        assertEquals("pread " + FILE + " (fd " + channel.fd.fd() + "): Input/output error (EIO)", e.getMessage(),
                "an errno is the errno's exception, not left to an interrupt");
        assertTrue(Thread.interrupted(), "the interrupt status is left set");
        assertTrue(channel.isOpen(), "no begin: an interrupt does not close the channel");
    }

    @Test
    void uninterruptibleACloseIsStillAsynchronousClose() throws Exception {
        channel.close();
        SYS.close(writeFd);
        for (long res : new long[] {-1, -Errno.ECANCELED, -Errno.EINTR, -Errno.EBADF, -Errno.EIO}) {
            open();
            fdCloses.set(0);
            channel.interruptible = false;
            Thread.currentThread().interrupt();
            IOException e = assertThrows(IOException.class, () -> Bracket.forFile(channel, channel.fd, FILE)
                    .run("read", (buf, pos) -> {
                        channel.close();
                        return res;
                    }, null, -1));
            assertSame(AsynchronousCloseException.class, e.getClass(), "result " + res);
            assertTrue(Thread.interrupted(), "the interrupt status is left set");
            SYS.close(writeFd);
        }
        fdCloses.set(0);
        open();
        channel.interruptible = false;
        assertEquals(3, file.run("read", (buf, pos) -> {
            channel.close();
            return 3;
        }, null, -1), "a count after a close stands");
        assertThrows(AsynchronousCloseException.class, () -> file.run("read", (buf, pos) -> {
            throw new AssertionError("no call without a use");
        }, null, -1), "closed before the call");
    }

    @Test
    void errorsWhileOpenFollowEachKindsRules() {
        IOException f = assertThrows(IOException.class, () -> file.run("pread", (buf, pos) -> -Errno.EIO, null, 0));
        assertEquals("pread " + FILE + " (fd " + channel.fd.fd() + "): Input/output error (EIO)", f.getMessage());
        IOException s = assertThrows(IOException.class, () -> socket.run("read", (buf, t) -> -Errno.ECONNRESET, null, 0));
        assertEquals("Connection reset", s.getMessage());
        assertTrue(channel.isOpen());
    }

    @Test
    void aSocketsResultsAreTheKernels() throws Exception {
        assertEquals(0, socket.run("read", (buf, timeout) -> 0, ByteBuffer.allocate(1), 0), "EOF stands while open");
        IOException eperm = assertThrows(IOException.class, () -> socket.run("write", (buf, t) -> -Errno.EPERM, null, 0));
        assertEquals("write: Operation not permitted (EPERM)", eperm.getMessage(), "-1 is -EPERM, not EOF");
        assertTrue(channel.isOpen());
    }

    @Test
    void aSocketsEofAfterCloseIsAsynchronousCloseButACallsSuccessStands() throws Exception {
        assertThrows(AsynchronousCloseException.class, () -> socket.run("read", (buf, timeout) -> {
            channel.close();
            return 0;
        }, ByteBuffer.allocate(1), 0));
        fdCloses.set(0);
        SYS.close(writeFd);
        open();
        assertEquals(0, socket.run("connect", (buf, timeout) -> {
            channel.close();
            return 0;
        }, null, 0), "a connect that completed stands, as SocketChannelImpl's");
    }

    @Test
    void aNonBlockingCallHoldsAUseButNoBeginOrEnd() throws Exception {
        assertEquals(0, socket.runNonBlocking("shutdown", () -> {
            assertFalse(channel.fd.isClosing());
            return 0;
        }));
        assertEquals("shutdown: Bad file descriptor (EBADF)", assertThrows(IOException.class,
                () -> socket.runNonBlocking("shutdown", () -> -Errno.EBADF)).getMessage());
        Thread.currentThread().interrupt();
        assertEquals(0, socket.runNonBlocking("shutdown", () -> 0));
        assertTrue(Thread.interrupted());
        assertTrue(channel.isOpen(), "no begin: an interrupt does not close the channel");
        channel.close();
        assertSame(ClosedChannelException.class, assertThrows(IOException.class,
                () -> socket.runNonBlocking("shutdown", () -> 0)).getClass());
    }

    @Test
    void aSocketTimeoutIsSocketTimeoutAndLeavesItOpen() {
        assertEquals("Read timed out", assertThrows(SocketTimeoutException.class,
                () -> socket.run("read", (buf, timeout) -> -Errno.ECANCELED, null, 500)).getMessage());
        assertSame(ClosedChannelException.class, assertThrows(IOException.class,
                () -> socket.run("read", (buf, timeout) -> -Errno.ECANCELED, null, 0)).getClass());
        assertTrue(channel.isOpen());
    }
}
