package io.ringloom.net;

import io.ringloom.CarrierPool;
import io.ringloom.FdSnapshots;
import io.ringloom.agent.RingloomAgent;
import io.ringloom.rings.sys.ProcFds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
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
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One behaviour suite for the JDK's blocking socket types and Ringloom's
 * sockets: every assertion states the JDK's behaviour for the type at hand
 * (channels' for {@link NetImpl.Api#CHANNEL}, {@code java.net.Socket}'s for
 * {@link NetImpl.Api#SOCKET}), and every implementation must pass it. In the
 * drop-in JVM the same cases run through the JDK's own API with Ringloom
 * installed by JVM options alone ({@link NetImpl#DROP_IN}, {@link NetImpl#DROP_IN_NET}).
 */
class SocketBehaviourIT {
    private Map<Integer, String> fdsBefore;

    /**
     * The JDK's first asynchronous close of a blocked socket read creates a
     * descriptor it keeps for the JVM's life (its pre-close socket pair): make
     * that happen before any fd snapshot. In the drop-in JVM the channels here
     * are Ringloom's; the pipe of {@link FdSnapshots}, which the selector provider
     * leaves to the JDK, warms the JDK up there.
     */
    @BeforeAll
    static void warmUpJdkPreClose() throws Exception {
        FdSnapshots.afterJdkWarmUp();
        try (ServerSocketChannel ss = ServerSocketChannel.open().bind(new InetSocketAddress(NetImpl.LOOPBACK, 0));
             SocketChannel c = SocketChannel.open(ss.getLocalAddress());
             SocketChannel peer = ss.accept()) {
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    c.read(ByteBuffer.allocate(1));
                } catch (IOException expected) {
                    // AsynchronousCloseException
                }
            });
            NetImpl.awaitBlocked(t, Duration.ofSeconds(5));
            c.close();
            t.join(5_000);
        }
    }

    /** The suite also runs with -Dringloom.fallback=true: Ringloom's sockets are then the JDK's channels. */
    static final boolean FALLBACK = Boolean.getBoolean("ringloom.fallback");

    @BeforeAll
    static void startPool() throws Exception {
        NetImpl.pool = CarrierPool.builder().carriers(2).name("socketsuite").build();
        assertEquals(FALLBACK, NetImpl.pool.isFallback(), () -> "fallback: " + NetImpl.pool.fallbackReason());
        if (NetImpl.DROP_IN_JVM) {
            // The agent must be in effect, and its JVM-wide pool (rings, eventfds) made
            // before the first fd snapshot: its first virtual thread creates it.
            assertTrue(RingloomAgent.status().active(), () -> "agent: " + RingloomAgent.status());
            AtomicReference<String> carrier = new AtomicReference<>();
            Thread.ofVirtual().start(() -> carrier.set(Thread.currentThread().toString())).join();
            assertTrue(carrier.get().contains("@ringloom-carrier-"), carrier::get);
            assertTrue(RingloomAgent.pool().isPresent(), "the agent's pool");
        }
    }

    @AfterAll
    static void stopPool() {
        assertEquals(List.of(), NetImpl.pool.carrierFailures());
        NetImpl.pool.close();
        RingloomAgent.pool().ifPresent(p -> assertEquals(List.of(), p.carrierFailures(), "the agent's pool"));
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
        RingloomAgent.pool().ifPresent(p -> await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> p.stats().forEach(s -> assertEquals(0, s.inFlight(), () -> "the agent's pool: " + s))));
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

    /**
     * What the drop-in JVM's JDK types are, where that can be seen: the selector
     * provider and channel classes by name, the {@code SocketImplFactory}s by the
     * JDK refusing a second one. (Blocked threads' stacks are checked in
     * {@link #interruptWhileBlocked} and {@link #asyncCloseWhileBlocked}.)
     */
    @Test
    void dropInTypesAreRingloomsOwn() throws Exception {
        assumeTrue(NetImpl.DROP_IN_JVM, "only in the drop-in JVM");
        String listenerClass;
        String connectedClass;
        String acceptedClass;
        try (ServerSocketChannel ss = ServerSocketChannel.open().bind(new InetSocketAddress(NetImpl.LOOPBACK, 0));
             SocketChannel c = SocketChannel.open(ss.getLocalAddress());
             SocketChannel accepted = ss.accept()) {
            assertTrue(c.isBlocking() && accepted.isBlocking(), "channels start in blocking mode");
            assertSame(SelectorProvider.provider(), c.provider());
            listenerClass = ss.getClass().getName();
            connectedClass = c.getClass().getName();
            acceptedClass = accepted.getClass().getName();
        }
        // Setting a factory where one is defined is refused ("factory already defined");
        // where none is, setting null changes nothing.
        assertAll(
                () -> assertEquals("io.ringloom.net.RingSelectorProvider", SelectorProvider.provider().getClass().getName()),
                () -> assertEquals("io.ringloom.net.RingServerSocketChannel", listenerClass),
                () -> assertEquals("io.ringloom.net.RingSocketChannel", connectedClass),
                () -> assertEquals("io.ringloom.net.RingSocketChannel", acceptedClass),
                () -> assertThrows(SocketException.class, () -> Socket.setSocketImplFactory(null),
                        "the agent installed Socket's SocketImplFactory"),
                () -> assertThrows(SocketException.class, () -> ServerSocket.setSocketFactory(null),
                        "the agent installed ServerSocket's SocketImplFactory"));
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1, 1024, 65_536, 1 << 20, 16 << 20})
    void echoRoundTrip(int size) throws Exception {
        for (NetImpl impl : NetImpl.active().toList()) {
            byte[] data = new byte[size];
            new Random(size).nextBytes(data);
            try (NetImpl.Listener l = impl.listen(0)) {
                Thread server = impl.start(() -> {
                    try (NetImpl.Conn c = l.accept()) {
                        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
                        while (c.read(buf.clear()) > 0) {
                            buf.flip();
                            while (buf.hasRemaining()) c.write(buf);
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
                        impl.writeAll(c, ByteBuffer.wrap(data));
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

    /** Channels only: a java.net stream has no buffers. */
    @ParameterizedTest
    @MethodSource("io.ringloom.net.NetImpl#activeChannels")
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
                    impl.writeAll(c, heap);
                    impl.writeAll(c, direct);
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

    /**
     * A write after {@code shutdownOutput}: a channel refuses it itself with the
     * ClosedChannelException {@code SocketChannel.write} documents (the JDK's blocking
     * channel throws the subclass AsynchronousCloseException, RingSocket the class
     * itself: the documented type is what is asserted); a java.net socket's stream,
     * taken before, leaves it to the kernel: {@code send} fails with EPIPE, "Broken pipe".
     */
    @ParameterizedTest
    @MethodSource("io.ringloom.net.NetImpl#active")
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
                    if (impl.api() == NetImpl.Api.CHANNEL) {
                        assertThrows(ClosedChannelException.class, () -> c.write(ByteBuffer.wrap(new byte[1])),
                                "no writes after shutdownOutput");
                    } else {
                        SocketException e = assertThrows(SocketException.class, () -> c.write(ByteBuffer.wrap(new byte[1])),
                                "no writes after shutdownOutput");
                        assertEquals("Broken pipe", e.getMessage());
                    }
                    assertTrue(c.isOpen(), "a shut-down socket stays open");
                }
            });
            server.join(10_000);
        }
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.net.NetImpl#active")
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
    @MethodSource("io.ringloom.net.NetImpl#active")
    void connectRefused(NetImpl impl) throws Exception {
        InetSocketAddress closed;
        try (ServerSocket s = new ServerSocket(0, 50, NetImpl.LOOPBACK)) {
            closed = (InetSocketAddress) s.getLocalSocketAddress();
        }
        impl.run(() -> {
            try (Closeable s = impl.unconnected()) {
                ConnectException e = assertThrows(ConnectException.class, () -> NetImpl.connect(s, closed));
                assertEquals("Connection refused", e.getMessage());
                assertFalse(NetImpl.isOpen(s), "a failed connect closes the socket");
            }
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
    @MethodSource("io.ringloom.net.NetImpl#active")
    void connectTimeout(NetImpl impl) throws Exception {
        try (NetImpl.Listener l = impl.listen(1)) {
            List<Socket> fillers = fillBacklog(l);
            try {
                impl.run(() -> {
                    try (Closeable s = impl.unconnected()) {
                        long t0 = System.nanoTime();
                        SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                                () -> NetImpl.connect(s, l.address(), 300));
                        assertTrue(System.nanoTime() - t0 >= 250_000_000L, "timed out too early");
                        assertEquals("Connect timed out", e.getMessage());
                        assertFalse(NetImpl.isOpen(s), "a timed-out connect closes the socket");
                    }
                });
            } finally {
                for (Socket s : fillers) s.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.net.NetImpl#active")
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

    /** A channel's accept time-out is its socket adaptor's ({@code ServerSocket.setSoTimeout}); RingServerSocket has none. */
    @ParameterizedTest
    @MethodSource("io.ringloom.net.NetImpl#active")
    void acceptTimeoutThenALaterAcceptSucceeds(NetImpl impl) throws Exception {
        assumeTrue(impl != NetImpl.RING, "RingServerSocket has no accept time-out");
        try (NetImpl.Listener l = impl.listen(0)) {
            impl.run(() -> {
                long t0 = System.nanoTime();
                SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> l.acceptTimed(100));
                assertTrue(System.nanoTime() - t0 >= 80_000_000L, "timed out too early");
                assertEquals("Accept timed out", e.getMessage());
                assertTrue(l.isOpen(), "the listener stays usable after an accept time-out");
                try (NetImpl.Conn c = impl.connect(l.address(), 0); NetImpl.Conn accepted = l.acceptTimed(5000)) {
                    c.write(ByteBuffer.wrap(new byte[] {42}));
                    ByteBuffer one = ByteBuffer.allocate(1);
                    readFully(accepted, one);
                    assertEquals(42, one.get(0));
                }
            });
        }
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.net.NetImpl#active")
    void acceptOnAClosedServer(NetImpl impl) throws Exception {
        impl.run(() -> {
            NetImpl.Listener l = impl.listen(0);
            l.close();
            if (impl.api() == NetImpl.Api.CHANNEL) {
                assertThrows(ClosedChannelException.class, l::accept);
            } else {
                SocketException e = assertThrows(SocketException.class, l::accept);
                assertEquals("Socket is closed", e.getMessage());
            }
        });
    }

    /**
     * Port in use: BindException. A channel whose bind failed stays open (the JDK
     * closes nothing); a ServerSocket whose constructor failed is closed by it.
     */
    @ParameterizedTest
    @MethodSource("io.ringloom.net.NetImpl#active")
    void bindToAPortInUse(NetImpl impl) throws Exception {
        try (NetImpl.Listener l = impl.listen(0)) {
            impl.run(() -> {
                BindException e = assertThrows(BindException.class, () -> impl.listen(l.address(), 0).close());
                assertEquals("Address already in use", e.getMessage());
                if (impl == NetImpl.JDK || impl == NetImpl.DROP_IN) {
                    try (ServerSocketChannel ss = ServerSocketChannel.open()) {
                        assertThrows(BindException.class, () -> ss.bind(l.address()));
                        assertTrue(ss.isOpen(), "a channel stays open after a failed bind");
                    }
                }
                assertTrue(l.isOpen());
            });
        }
    }

    /**
     * Reads and writes after close: a channel throws ClosedChannelException; a
     * java.net socket's streams, taken before, throw SocketException "Socket closed"
     * (NioSocketImpl's), and asking for a stream afterwards "Socket is closed" (Socket's).
     */
    @ParameterizedTest
    @MethodSource("io.ringloom.net.NetImpl#active")
    void readAndWriteAfterClose(NetImpl impl) throws Exception {
        try (NetImpl.Listener l = impl.listen(0)) {
            impl.run(() -> {
                try (Closeable s = impl.unconnected()) {
                    NetImpl.connect(s, l.address());
                    try (NetImpl.Conn c = NetImpl.wrapConnected(s); NetImpl.Conn peer = l.accept()) {
                        c.close();
                        assertFalse(c.isOpen());
                        if (impl.api() == NetImpl.Api.CHANNEL) {
                            assertThrows(ClosedChannelException.class, () -> c.read(ByteBuffer.allocate(1)));
                            assertThrows(ClosedChannelException.class, () -> c.write(ByteBuffer.allocate(1)));
                        } else {
                            SocketException read = assertThrows(SocketException.class, () -> c.read(ByteBuffer.allocate(1)));
                            assertEquals("Socket closed", read.getMessage());
                            SocketException write = assertThrows(SocketException.class, () -> c.write(ByteBuffer.allocate(1)));
                            assertEquals("Socket closed", write.getMessage());
                            SocketException stream = assertThrows(SocketException.class, ((Socket) s)::getInputStream);
                            assertEquals("Socket is closed", stream.getMessage());
                        }
                        assertEquals(-1, peer.read(ByteBuffer.allocate(1)), "the peer sees EOF");
                    }
                }
            });
        }
    }

    /**
     * Reads and writes before connect: a channel throws NotYetConnectedException;
     * a java.net socket has no streams yet, SocketException "Socket is not connected".
     */
    @ParameterizedTest
    @MethodSource("io.ringloom.net.NetImpl#active")
    void readAndWriteBeforeConnect(NetImpl impl) throws Exception {
        impl.run(() -> {
            try (Closeable s = impl.unconnected()) {
                switch (s) {
                    case SocketChannel sc -> {
                        assertThrows(NotYetConnectedException.class, () -> sc.read(ByteBuffer.allocate(1)));
                        assertThrows(NotYetConnectedException.class, () -> sc.write(ByteBuffer.allocate(1)));
                    }
                    case RingSocket rs -> {
                        assertThrows(NotYetConnectedException.class, () -> rs.read(ByteBuffer.allocate(1)));
                        assertThrows(NotYetConnectedException.class, () -> rs.write(ByteBuffer.allocate(1)));
                    }
                    case Socket js -> {
                        SocketException in = assertThrows(SocketException.class, js::getInputStream);
                        assertEquals("Socket is not connected", in.getMessage());
                        SocketException out = assertThrows(SocketException.class, js::getOutputStream);
                        assertEquals("Socket is not connected", out.getMessage());
                    }
                    default -> fail(s.toString());
                }
                assertTrue(NetImpl.isOpen(s), "still open");
            }
        });
    }

    enum Blocked { READ, ACCEPT, CONNECT }

    /**
     * Blocks {@code impl} in {@code what}, then interrupts the thread or closes the
     * socket. Returns the socket implementation's frames while it was blocked.
     */
    private List<String> blockAndEnd(NetImpl impl, Blocked what, boolean interrupt) throws Exception {
        try (NetImpl.Listener l = impl.listen(1)) {
            List<Socket> fillers = what == Blocked.CONNECT ? fillBacklog(l) : List.of();
            NetImpl.Conn client = what == Blocked.READ ? impl.connect(l.address(), 0) : null;
            NetImpl.Conn accepted = what == Blocked.READ ? l.accept() : null;
            Closeable unconnected = what == Blocked.CONNECT ? impl.unconnected() : null;
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
            NetImpl.awaitBlocked(t, Duration.ofSeconds(10));
            List<String> frames = NetImpl.implementationFrames(t);
            if (interrupt) {
                t.interrupt();
            } else {
                switch (what) {
                    case READ -> client.close();
                    case ACCEPT -> l.close();
                    case CONNECT -> unconnected.close();
                }
            }
            t.join(10_000);
            assertFalse(t.isAlive(), what + " still blocked");
            boolean closed = switch (what) {
                case READ -> !client.isOpen();
                case ACCEPT -> !l.isOpen();
                case CONNECT -> !NetImpl.isOpen(unconnected);
            };
            if (interrupt) {
                if (impl.api() == NetImpl.Api.CHANNEL) {
                    assertInstanceOf(ClosedByInterruptException.class, outcome.get(), what.toString());
                } else {
                    // Socket on a virtual thread: the interrupt closes the socket (Socket's class comment).
                    SocketException e = assertInstanceOf(SocketException.class, outcome.get(), what.toString());
                    assertEquals("Closed by interrupt", e.getMessage(), what.toString());
                }
                assertTrue(interruptKept.get(), "the interrupt status stays set");
                assertTrue(closed, what + ": the interrupt closed the socket");
            } else {
                if (impl.api() == NetImpl.Api.CHANNEL) {
                    assertInstanceOf(AsynchronousCloseException.class, outcome.get(), what.toString());
                } else {
                    SocketException e = assertInstanceOf(SocketException.class, outcome.get(), what.toString());
                    assertEquals("Socket closed", e.getMessage(), what.toString());
                }
                assertFalse(interruptKept.get(), "no interrupt status after a close");
            }
            if (client != null) client.close();
            if (accepted != null) accepted.close();
            if (unconnected != null) unconnected.close();
            for (Socket s : fillers) s.close();
            return frames;
        }
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.net.NetImpl#active")
    void interruptWhileBlocked(NetImpl impl) throws Exception {
        Map<Blocked, List<String>> frames = new EnumMap<>(Blocked.class);
        for (Blocked b : Blocked.values()) frames.put(b, blockAndEnd(impl, b, true));
        if (impl.dropIn()) assertBlockedInRingloom(frames);
    }

    @ParameterizedTest
    @MethodSource("io.ringloom.net.NetImpl#active")
    void asyncCloseWhileBlocked(NetImpl impl) throws Exception {
        Map<Blocked, List<String>> frames = new EnumMap<>(Blocked.class);
        for (Blocked b : Blocked.values()) frames.put(b, blockAndEnd(impl, b, false));
        if (impl.dropIn()) assertBlockedInRingloom(frames);
    }

    /**
     * {@code java.net} on a platform thread: an interrupt ends nothing. The JDK's
     * {@code NioSocketImpl} keeps waiting in {@code poll(2)}, so a read blocked
     * when the interrupt comes still returns the bytes sent after it, an accept
     * still returns the connection made after it, the socket stays open and the
     * interrupt status stays set. (Only a virtual thread's interrupt closes a
     * {@code java.net} socket, {@link #interruptWhileBlocked}.)
     */
    @ParameterizedTest
    @MethodSource("io.ringloom.net.NetImpl#active")
    void javaNetIgnoresAPlatformThreadsInterrupt(NetImpl impl) throws Exception {
        assumeTrue(impl.api() == NetImpl.Api.SOCKET, "java.net's rule");
        try (NetImpl.Listener l = impl.listen(4);
             NetImpl.Conn client = impl.connect(l.address(), 0);
             NetImpl.Conn accepted = l.accept()) {
            AtomicReference<Object> read = new AtomicReference<>();
            AtomicReference<Boolean> interruptKept = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    ByteBuffer b = ByteBuffer.allocate(8);
                    int n = client.read(b);
                    read.set(new String(b.array(), 0, n, java.nio.charset.StandardCharsets.US_ASCII));
                } catch (Throwable e) {
                    read.set(e);
                }
                interruptKept.set(Thread.currentThread().isInterrupted());
            });
            NetImpl.awaitBlocked(reader, Duration.ofSeconds(10));
            reader.interrupt();
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> reader.isAlive() && read.get() == null);
            accepted.write(ByteBuffer.wrap("after".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            reader.join(10_000);
            assertEquals("after", read.get(), "the read returns the bytes sent after the interrupt");
            assertTrue(interruptKept.get(), "the interrupt status stays set");
            assertTrue(client.isOpen(), "the socket stays open");

            AtomicReference<Object> acceptedLater = new AtomicReference<>();
            Thread acceptor = Thread.ofPlatform().start(() -> {
                try (NetImpl.Conn c = l.accept()) {
                    acceptedLater.set(c.isOpen());
                } catch (Throwable e) {
                    acceptedLater.set(e);
                }
            });
            NetImpl.awaitBlocked(acceptor, Duration.ofSeconds(10));
            acceptor.interrupt();
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> acceptor.isAlive() && acceptedLater.get() == null);
            try (NetImpl.Conn late = impl.connect(l.address(), 0)) {
                acceptor.join(10_000);
                assertEquals(Boolean.TRUE, acceptedLater.get(), "the accept returns the connection made after the interrupt");
            }
            assertTrue(l.isOpen(), "the server socket stays open");
        }
    }

    /** Checked last, after the JDK's behaviour: the drop-in's blocked calls were in Ringloom's code, not the JDK's. */
    private static void assertBlockedInRingloom(Map<Blocked, List<String>> frames) {
        assertAll(frames.entrySet().stream().map(e -> () -> assertTrue(NetImpl.inRingloom(e.getValue()),
                () -> e.getKey() + " blocked outside Ringloom, in " + e.getValue().subList(0, Math.min(12, e.getValue().size())))));
    }
}
