package io.ringloom.net;

import io.ringloom.CarrierPool;
import io.ringloom.rings.sys.ProcFds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

/**
 * One behaviour suite for the JDK's blocking SocketChannel/ServerSocketChannel
 * and Ringloom's sockets: every assertion states the JDK's behaviour.
 */
class SocketBehaviourIT {
    private Map<Integer, String> fdsBefore;

    /**
     * The JDK's first asynchronous close of a blocked socket read creates a
     * descriptor it keeps for the JVM's life (its pre-close socket pair): make
     * that happen before any fd snapshot.
     */
    @BeforeAll
    static void warmUpJdkPreClose() throws Exception {
        try (java.nio.channels.ServerSocketChannel ss = java.nio.channels.ServerSocketChannel.open()
                .bind(new InetSocketAddress(NetImpl.LOOPBACK, 0));
             java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(ss.getLocalAddress());
             java.nio.channels.SocketChannel peer = ss.accept()) {
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    c.read(ByteBuffer.allocate(1));
                } catch (IOException expected) {
                    // AsynchronousCloseException
                }
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> t.getState() == Thread.State.RUNNABLE);
            Thread.sleep(100);
            c.close();
            t.join(5_000);
        }
    }

    /** The suite also runs with -Dringloom.fallback=true: Ringloom's sockets are then the JDK's channels. */
    static final boolean FALLBACK = Boolean.getBoolean("ringloom.fallback");

    @BeforeAll
    static void startPool() {
        NetImpl.pool = CarrierPool.builder().carriers(2).name("socketsuite").build();
        assertEquals(FALLBACK, NetImpl.pool.isFallback(), () -> "fallback: " + NetImpl.pool.fallbackReason());
    }

    @AfterAll
    static void stopPool() {
        assertEquals(List.of(), NetImpl.pool.carrierFailures());
        NetImpl.pool.close();
    }

    @BeforeEach
    void snapshot() {
        fdsBefore = ProcFds.snapshot();
    }

    @AfterEach
    void nothingLeaked() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(Map.of(), ProcFds.leakedSince(fdsBefore), "fds leaked"));
        await().atMost(Duration.ofSeconds(5)).until(() ->
                NetImpl.pool.stats().stream().allMatch(s -> s.inFlight() == 0));
    }

    private static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    static void readFully(NetImpl.Conn c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.read(b) < 0) throw new IOException("EOF after " + b.position());
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1, 1024, 65_536, 1 << 20, 16 << 20})
    void echoRoundTrip(int size) throws Exception {
        for (NetImpl impl : NetImpl.values()) {
            byte[] data = new byte[size];
            new Random(size).nextBytes(data);
            try (NetImpl.Listener l = impl.listen(0)) {
                Thread server = impl.start(() -> {
                    try (NetImpl.Conn c = l.accept()) {
                        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
                        while (c.read(buf.clear()) > 0) {
                            buf.flip();
                            c.write(buf);
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                impl.run(() -> {
                    try (NetImpl.Conn c = impl.connect(l.address(), 0)) {
                        AtomicReference<byte[]> back = new AtomicReference<>();
                        Thread reader = impl.start(() -> {
                            try {
                                ByteBuffer in = ByteBuffer.allocate(size);
                                readFully(c, in);
                                assertEquals(-1, c.read(ByteBuffer.allocate(1)), impl + ": EOF after the echo");
                                back.set(in.array());
                            } catch (IOException e) {
                                throw new RuntimeException(e);
                            }
                        });
                        assertEquals(size, c.write(ByteBuffer.wrap(data)), "a blocking write writes all");
                        c.shutdownOutput();
                        reader.join(60_000);
                        assertNotNull(back.get(), impl + ": echo incomplete");
                        assertEquals(crc(data), crc(back.get()), impl + ": echoed bytes differ");
                    }
                });
                server.join(60_000);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(NetImpl.class)
    void readOnlyBuffersWriteButCannotBeReadInto(NetImpl impl) throws Exception {
        byte[] data = new byte[100_000];
        new Random(3).nextBytes(data);
        try (NetImpl.Listener l = impl.listen(0)) {
            AtomicReference<byte[]> got = new AtomicReference<>();
            Thread server = impl.start(() -> {
                try (NetImpl.Conn c = l.accept()) {
                    ByteBuffer in = ByteBuffer.allocate(2 * data.length);
                    readFully(c, in);
                    got.set(in.array());
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            impl.run(() -> {
                try (NetImpl.Conn c = impl.connect(l.address(), 0)) {
                    ByteBuffer heap = ByteBuffer.wrap(data).asReadOnlyBuffer();
                    ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip().asReadOnlyBuffer();
                    assertEquals(data.length, c.write(heap));
                    assertEquals(data.length, c.write(direct));
                    assertFalse(heap.hasRemaining() || direct.hasRemaining());
                    assertThrows(IllegalArgumentException.class, () -> c.read(ByteBuffer.allocate(8).asReadOnlyBuffer()));
                }
            });
            server.join(10_000);
            byte[] twice = new byte[2 * data.length];
            System.arraycopy(data, 0, twice, 0, data.length);
            System.arraycopy(data, 0, twice, data.length, data.length);
            assertArrayEquals(twice, got.get());
        }
    }

    @ParameterizedTest
    @EnumSource(NetImpl.class)
    void halfClose(NetImpl impl) throws Exception {
        try (NetImpl.Listener l = impl.listen(0)) {
            Thread server = impl.start(() -> {
                try (NetImpl.Conn c = l.accept()) {
                    assertEquals(-1, c.read(ByteBuffer.allocate(8)), "the peer's shutdownOutput reads as EOF");
                    c.write(ByteBuffer.wrap("bye".getBytes()));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            impl.run(() -> {
                try (NetImpl.Conn c = impl.connect(l.address(), 0)) {
                    c.shutdownOutput();
                    ByteBuffer b = ByteBuffer.allocate(3);
                    readFully(c, b);
                    assertEquals("bye", new String(b.array()));
                    assertEquals(-1, c.read(ByteBuffer.allocate(1)));
                    assertThrows(IOException.class, () -> c.write(ByteBuffer.wrap(new byte[1])),
                            "no writes after shutdownOutput");
                }
            });
            server.join(10_000);
        }
    }

    @ParameterizedTest
    @EnumSource(NetImpl.class)
    void peerResetReadsAsConnectionReset(NetImpl impl) throws Exception {
        try (ServerSocket peerServer = new ServerSocket(0, 50, NetImpl.LOOPBACK)) {
            Thread peer = Thread.ofPlatform().start(() -> {
                try (Socket s = peerServer.accept()) {
                    s.getInputStream().read();
                    s.setSoLinger(true, 0);   // close with RST
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            impl.run(() -> {
                try (NetImpl.Conn c = impl.connect((InetSocketAddress) peerServer.getLocalSocketAddress(), 0)) {
                    c.write(ByteBuffer.wrap(new byte[] {1}));
                    peer.join();
                    SocketException e = assertThrows(SocketException.class, () -> c.read(ByteBuffer.allocate(4)));
                    assertEquals("Connection reset", e.getMessage());
                }
            });
        }
    }

    @ParameterizedTest
    @EnumSource(NetImpl.class)
    void connectRefused(NetImpl impl) throws Exception {
        InetSocketAddress closed;
        try (ServerSocket s = new ServerSocket(0, 50, NetImpl.LOOPBACK)) {
            closed = (InetSocketAddress) s.getLocalSocketAddress();
        }
        impl.run(() -> {
            ConnectException e = assertThrows(ConnectException.class, () -> impl.connect(closed, 0));
            assertEquals("Connection refused", e.getMessage());
        });
    }

    /** A listener that never accepts, its queue filled: further SYNs are dropped, so connects hang. */
    private static List<Socket> fillBacklog(NetImpl.Listener l) throws IOException {
        List<Socket> fillers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Socket s = new Socket();
            try {
                s.connect(l.address(), 200);
                fillers.add(s);
            } catch (SocketTimeoutException e) {
                s.close();
                break;
            }
        }
        return fillers;
    }

    @ParameterizedTest
    @EnumSource(NetImpl.class)
    void connectTimeout(NetImpl impl) throws Exception {
        try (NetImpl.Listener l = impl.listen(1)) {
            List<Socket> fillers = fillBacklog(l);
            try {
                impl.run(() -> {
                    long t0 = System.nanoTime();
                    SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> impl.connect(l.address(), 300));
                    assertTrue(System.nanoTime() - t0 >= 250_000_000L, "timed out too early");
                    assertEquals("Connect timed out", e.getMessage());
                });
            } finally {
                for (Socket s : fillers) s.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(NetImpl.class)
    void readTimeoutThenALaterReadSucceeds(NetImpl impl) throws Exception {
        try (NetImpl.Listener l = impl.listen(0)) {
            impl.run(() -> {
                try (NetImpl.Conn c = impl.connect(l.address(), 0); NetImpl.Conn server = l.accept()) {
                    byte[] b = new byte[4];
                    SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> c.readTimed(b, 100));
                    assertEquals("Read timed out", e.getMessage());
                    assertTrue(c.isOpen(), "the socket stays usable after a read time-out");
                    server.write(ByteBuffer.wrap(new byte[] {7, 8}));
                    assertEquals(2, c.readTimed(b, 5000));
                    assertEquals(7, b[0]);
                }
            });
        }
    }

    @ParameterizedTest
    @EnumSource(NetImpl.class)
    void acceptOnAClosedServer(NetImpl impl) throws Exception {
        impl.run(() -> {
            NetImpl.Listener l = impl.listen(0);
            l.close();
            assertThrows(ClosedChannelException.class, l::accept);
        });
    }

    enum Blocked { READ, ACCEPT, CONNECT }

    private void blockAndEnd(NetImpl impl, Blocked what, boolean interrupt) throws Exception {
        try (NetImpl.Listener l = impl.listen(1)) {
            List<Socket> fillers = what == Blocked.CONNECT ? fillBacklog(l) : List.of();
            NetImpl.Conn client = what == Blocked.READ ? impl.connect(l.address(), 0) : null;
            NetImpl.Conn accepted = what == Blocked.READ ? l.accept() : null;
            Object unconnected = what == Blocked.CONNECT ? impl.unconnected() : null;
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            AtomicReference<Boolean> interruptKept = new AtomicReference<>();
            Thread t = impl.start(() -> {
                try {
                    switch (what) {
                        case READ -> client.read(ByteBuffer.allocate(8));
                        case ACCEPT -> l.accept();
                        case CONNECT -> NetImpl.connect(unconnected, l.address());
                    }
                    outcome.set(new AssertionError(what + " returned"));
                } catch (Throwable e) {
                    outcome.set(e);
                }
                interruptKept.set(Thread.currentThread().isInterrupted());
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> t.getState() == Thread.State.WAITING
                    || impl == NetImpl.JDK && t.getState() == Thread.State.RUNNABLE);
            Thread.sleep(100);   // the JDK's platform thread shows RUNNABLE inside the syscall
            if (interrupt) {
                t.interrupt();
            } else {
                switch (what) {
                    case READ -> client.close();
                    case ACCEPT -> l.close();
                    case CONNECT -> ((java.nio.channels.Channel) unconnected).close();
                }
            }
            t.join(10_000);
            assertFalse(t.isAlive(), what + " still blocked");
            if (interrupt) {
                assertInstanceOf(ClosedByInterruptException.class, outcome.get(), what.toString());
                assertTrue(interruptKept.get(), "the interrupt status stays set");
            } else {
                assertInstanceOf(AsynchronousCloseException.class, outcome.get(), what.toString());
            }
            if (client != null) client.close();
            if (accepted != null) accepted.close();
            if (unconnected != null) ((java.nio.channels.Channel) unconnected).close();
            for (Socket s : fillers) s.close();
        }
    }

    @ParameterizedTest
    @EnumSource(NetImpl.class)
    void interruptWhileBlocked(NetImpl impl) throws Exception {
        for (Blocked b : Blocked.values()) blockAndEnd(impl, b, true);
    }

    @ParameterizedTest
    @EnumSource(NetImpl.class)
    void asyncCloseWhileBlocked(NetImpl impl) throws Exception {
        for (Blocked b : Blocked.values()) blockAndEnd(impl, b, false);
    }
}
