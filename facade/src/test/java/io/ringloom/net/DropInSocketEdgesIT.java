package io.ringloom.net;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the drop-in sockets once answered otherwise than the JDK's, as the
 * drop-in socket fuzzing found (issue 17; docs/RELIABILITY.md). Only the
 * JDK's types are used, on a {@code Thread.ofVirtual()} thread: in the
 * {@code integration} execution they are the JDK's own (the reference), in the
 * {@code drop-in} execution, whose JVM carries the options of
 * {@code ./ringloom jvm-flags}, Ringloom's; the assertions are the same.
 */
class DropInSocketEdgesIT {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private interface Body {
        void run() throws Exception;
    }

    private static void onVirtualThread(Body body) throws Exception {
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        t.join();
        if (failed.get() instanceof Exception e) throw e;
        if (failed.get() instanceof Error e) throw e;
    }

    /** A connected pair: a client made with {@code SocketChannel.open} and the channel its listener accepted. */
    private record Pair(SocketChannel client, SocketChannel server) implements AutoCloseable {
        static Pair open() throws IOException {
            try (ServerSocketChannel l = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0))) {
                SocketChannel c = SocketChannel.open(l.getLocalAddress());
                return new Pair(c, l.accept());
            }
        }

        @Override
        public void close() throws IOException {
            client.close();
            server.close();
        }
    }

    /** Closes {@code s} with a reset: SO_LINGER 0. */
    private static void reset(SocketChannel s) throws IOException {
        s.setOption(StandardSocketOptions.SO_LINGER, 0);
        s.close();
    }

    /** Waits until the reset has come: a read meets it, which is how the tests below begin. */
    private static void awaitReset(SocketChannel c) throws Exception {
        SocketException e = assertThrows(SocketException.class, () -> c.read(ByteBuffer.allocate(8)));
        assertEquals("Connection reset", e.getMessage());
    }

    @Test
    void aServerSocketAnswersTheAddressItWasBoundToWithItsName() throws Exception {
        onVirtualThread(() -> {
            try (ServerSocket ss = new ServerSocket(0, 50, LOOPBACK)) {
                assertEquals(LOOPBACK.toString(), ss.getInetAddress().toString());
                assertEquals(new InetSocketAddress(LOOPBACK, ss.getLocalPort()).toString(), ss.getLocalSocketAddress().toString());
            }
        });
    }

    /** SocketChannelImpl checks the channel's state before the buffer (IOUtil.read): closed, unconnected, shut down. */
    @Test
    void aReadIntoAReadOnlyBufferChecksTheChannelFirst() throws Exception {
        onVirtualThread(() -> {
            ByteBuffer readOnly = ByteBuffer.allocate(8).asReadOnlyBuffer();
            try (SocketChannel unconnected = SocketChannel.open()) {
                assertThrows(NotYetConnectedException.class, () -> unconnected.read(readOnly));
                assertThrows(NotYetConnectedException.class, () -> unconnected.read(new ByteBuffer[] {readOnly}, 0, 1));
            }
            try (Pair p = Pair.open()) {
                assertThrows(IllegalArgumentException.class, () -> p.client().read(readOnly));
                p.client().shutdownInput();
                assertEquals(-1, p.client().read(readOnly), "input shut down: -1 before the buffer is looked at");
                assertEquals(-1, p.client().read(new ByteBuffer[] {readOnly}, 0, 1));
                p.client().close();
                assertThrows(ClosedChannelException.class, () -> p.client().read(readOnly));
            }
        });
    }

    /** SocketChannelImpl remembers a reset; a shut-down input then answers -1 over it (its finally returns EOF). */
    @Test
    void aChannelRemembersAReset() throws Exception {
        onVirtualThread(() -> {
            try (Pair p = Pair.open()) {
                p.client().write(ByteBuffer.wrap(new byte[] {1}));
                reset(p.server());
                awaitReset(p.client());
                SocketException again = assertThrows(SocketException.class, () -> p.client().read(ByteBuffer.allocate(8)));
                assertEquals("Connection reset", again.getMessage());
                p.client().configureBlocking(false);
                assertThrows(SocketException.class, () -> p.client().read(ByteBuffer.allocate(8)), "non-blocking too");
                p.client().configureBlocking(true);
                p.client().shutdownInput();
                assertEquals(-1, p.client().read(ByteBuffer.allocate(8)));
            }
        });
    }

    /** NioSocketImpl remembers a reset too, and checks it before a shut-down input. */
    @Test
    void aJavaNetSocketRemembersAReset() throws Exception {
        onVirtualThread(() -> {
            try (ServerSocket l = new ServerSocket(0, 50, LOOPBACK); Socket s = new Socket(LOOPBACK, l.getLocalPort())) {
                try (Socket peer = l.accept()) {
                    s.getOutputStream().write(1);
                    peer.setSoLinger(true, 0);
                }
                InputStream in = s.getInputStream();
                assertEquals("Connection reset", assertThrows(SocketException.class, in::read).getMessage());
                assertEquals("Connection reset", assertThrows(SocketException.class, in::read).getMessage());
                s.shutdownInput();
                assertEquals("Connection reset", assertThrows(SocketException.class, in::read).getMessage());
            }
        });
    }

    /**
     * NioSocketImpl.close shuts the output down first (SO_LINGER not 0): the
     * peer reads end-of-stream although the unread byte makes the close a reset.
     */
    @Test
    void aJavaNetSocketClosedWithUnreadBytesEndsItsPeersStream() throws Exception {
        onVirtualThread(() -> {
            try (ServerSocket l = new ServerSocket(0, 50, LOOPBACK); Socket s = new Socket(LOOPBACK, l.getLocalPort())) {
                Socket peer = l.accept();
                s.getOutputStream().write(1);
                peer.getOutputStream().write(new byte[] {7, 8});
                s.setSoTimeout(10_000);
                InputStream in = s.getInputStream();
                byte[] got = in.readNBytes(2);
                peer.close();   // with s's byte unread
                assertArrayEquals(new byte[] {7, 8}, got);
                assertEquals(-1, in.read());
            }
        });
    }

    /**
     * The shutdown of the output that a close makes first must not show as
     * "Broken pipe" to a write blocked meanwhile: it ends as the close, "Socket
     * closed" (found by the drop-in close storm, 4 times in 300 rounds). Many
     * rounds, since the write and the close race.
     */
    @Test
    void aBlockedWriteEndsAsTheCloseNotAsItsShutdown() throws Exception {
        byte[] big = new byte[16 << 20];
        for (int round = 0; round < 40; round++) {
            onVirtualThread(() -> {
                try (ServerSocket l = new ServerSocket(0, 50, LOOPBACK); Socket s = new Socket(LOOPBACK, l.getLocalPort());
                     Socket peer = l.accept()) {
                    AtomicReference<Throwable> ended = new AtomicReference<>();
                    Thread writer = Thread.ofVirtual().start(() -> {
                        try {
                            s.getOutputStream().write(big);   // the peer never reads: it blocks
                        } catch (Throwable e) {
                            ended.set(e);
                        }
                    });
                    while (writer.getState() != Thread.State.WAITING) Thread.sleep(1);
                    s.close();
                    writer.join();
                    assertEquals("java.net.SocketException: Socket closed", String.valueOf(ended.get()));
                    assertTrue(peer.isConnected());
                }
            });
        }
    }

    /** NioSocketImpl's "legacy behavior": after end-of-stream a kept stream answers -1, even once the socket is closed. */
    @Test
    void aJavaNetStreamAnswersEndOfStreamAfterItAndAfterClose() throws Exception {
        onVirtualThread(() -> {
            try (ServerSocket l = new ServerSocket(0, 50, LOOPBACK)) {
                Socket s = new Socket(LOOPBACK, l.getLocalPort());
                l.accept().close();
                InputStream in = s.getInputStream();
                assertEquals(-1, in.read());
                s.close();
                assertEquals(-1, in.read());
            }
        });
    }

    /**
     * A stream write of no bytes returns at once, whatever the socket's state: NioSocketImpl.write
     * and SocketChannelImpl.blockingWriteFully check only the bounds (socket fuzzing, seed 59462754129).
     */
    @Test
    void aStreamWriteOfNoBytesOnAClosedSocketReturns() throws Exception {
        onVirtualThread(() -> {
            try (ServerSocket l = new ServerSocket(0, 50, LOOPBACK)) {
                Socket s = new Socket(LOOPBACK, l.getLocalPort());
                OutputStream out = s.getOutputStream();
                s.getInputStream().close();   // closes the socket
                assertTrue(s.isClosed());
                out.write(new byte[8], 3, 0);
                assertThrows(IndexOutOfBoundsException.class, () -> out.write(new byte[8], 7, 2));
                assertThrows(java.net.SocketException.class, () -> out.write(new byte[8], 3, 1));
                l.accept().close();
            }
            try (Pair p = Pair.open()) {
                OutputStream out = p.client().socket().getOutputStream();
                p.client().close();
                out.write(new byte[8], 3, 0);
                assertThrows(java.io.IOException.class, () -> out.write(new byte[8], 3, 1));
            }
        });
    }

    /** SocketChannelImpl.implWrite: a write that wrote nothing once output is shut down is an AsynchronousCloseException. */
    @Test
    void aChannelWriteAfterShutdownOutput() throws Exception {
        onVirtualThread(() -> {
            try (Pair p = Pair.open()) {
                p.client().shutdownOutput();
                assertThrows(AsynchronousCloseException.class, () -> p.client().write(ByteBuffer.allocate(4)));
                assertThrows(AsynchronousCloseException.class, () -> p.client().write(ByteBuffer.allocate(0)));
                assertThrows(AsynchronousCloseException.class,
                        () -> p.client().write(new ByteBuffer[] {ByteBuffer.allocate(1), ByteBuffer.allocate(1)}, 0, 2));
                assertTrue(p.client().isOpen());
            }
        });
    }

    /**
     * A channel's write to a reset peer is the plain IOException of
     * IOUtil.write, with the C library's text; a java.net socket's is the
     * SocketException NioSocketImpl makes of it.
     */
    @Test
    void aWriteAfterAResetThrowsWhatEachTypeThrows() throws Exception {
        onVirtualThread(() -> {
            try (Pair p = Pair.open()) {
                p.client().write(ByteBuffer.wrap(new byte[] {1}));
                reset(p.server());
                awaitReset(p.client());
                IOException e = assertThrows(IOException.class, () -> p.client().write(ByteBuffer.allocate(4)));
                assertEquals(IOException.class, e.getClass());
                assertEquals("Broken pipe", e.getMessage());
            }
            try (ServerSocket l = new ServerSocket(0, 50, LOOPBACK); Socket s = new Socket(LOOPBACK, l.getLocalPort())) {
                try (Socket peer = l.accept()) {
                    s.getOutputStream().write(1);
                    peer.setSoLinger(true, 0);
                }
                assertThrows(SocketException.class, () -> s.getInputStream().read());
                SocketException e = assertThrows(SocketException.class, () -> s.getOutputStream().write(new byte[4]));
                assertEquals("Broken pipe", e.getMessage());
            }
        });
    }

    /**
     * A JDK channel (a pipe's source here; every socket channel once io_uring is
     * refused) closed while registered and while the selector selects: its fd is
     * closed once the selector has dropped its keys, as the JDK's selector does.
     * The drop-in selector once left it open for good (found by the drop-in
     * selector scenario with io_uring refused: 60 sockets left open in 8 s).
     */
    @Test
    void aJdkChannelClosedWhileItsSelectorSelectsIsClosedForGood() throws Exception {
        onVirtualThread(() -> {
            java.util.Map<Integer, String> before = io.ringloom.FdSnapshots.afterJdkWarmUp();
            try (java.nio.channels.Selector selector = java.nio.channels.Selector.open()) {
                for (int round = 0; round < 20; round++) {
                    java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
                    pipe.source().configureBlocking(false);
                    pipe.source().register(selector, java.nio.channels.SelectionKey.OP_READ);
                    Thread selecting = Thread.ofVirtual().start(() -> {
                        try {
                            selector.select();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    while (selecting.getState() != Thread.State.WAITING) Thread.sleep(1);
                    pipe.source().close();   // while the selection blocks
                    pipe.sink().close();
                    selector.wakeup();
                    selecting.join();
                    selector.selectNow();   // the keys cancelled by the close are dropped by now
                }
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() ->
                    assertEquals(java.util.Map.of(), io.ringloom.rings.sys.ProcFds.leakedSince(before), "fds left open"));
        });
    }

    /** NioSocketImpl lists no SO_OOBINLINE (SocketChannelImpl does). */
    @Test
    void aJavaNetSocketsOptions() throws Exception {
        onVirtualThread(() -> {
            try (Socket s = new Socket(); SocketChannel ch = SocketChannel.open()) {
                assertFalse(s.supportedOptions().stream().map(SocketOption::name).anyMatch("SO_OOBINLINE"::equals),
                        s.supportedOptions().toString());
                assertTrue(ch.supportedOptions().stream().map(SocketOption::name).anyMatch("SO_OOBINLINE"::equals),
                        ch.supportedOptions().toString());
            }
        });
    }
}
