package io.ringloom.net;

import io.ringloom.CarrierPool;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The socket implementations the behaviour suite runs against, behind one face.
 *
 * <ul>
 * <li>{@link #JDK}: the JDK's blocking {@code SocketChannel}/{@code ServerSocketChannel}
 *     on platform threads;</li>
 * <li>{@link #RING}: Ringloom's {@code RingSocket}/{@code RingServerSocket} on pool threads;</li>
 * <li>{@link #JDK_NET}: {@code java.net.Socket}/{@code ServerSocket} on virtual threads of
 *     the JDK's default scheduler, in a JVM without Ringloom's options: the reference
 *     for {@link #DROP_IN_NET};</li>
 * <li>{@link #DROP_IN}: {@code SocketChannel.open()}/{@code ServerSocketChannel.open()}
 *     on {@code Thread.ofVirtual()} threads in a JVM started with the options of
 *     {@code ./ringloom jvm-flags} (the facade's {@code drop-in} failsafe execution,
 *     which sets {@code ringloom.test.dropin}): the selector provider makes the
 *     channels Ringloom's and the agent puts the threads on the JVM-wide pool;</li>
 * <li>{@link #DROP_IN_NET}: the {@link #JDK_NET} code in that JVM, where the agent's
 *     {@code SocketImplFactory}s put {@code java.net} sockets on the rings.</li>
 * </ul>
 *
 * <p>The drop-in ones use only the JDK's API: the same code is the JDK's own
 * wherever the options are missing. Each implementation has the semantics of its
 * {@link Api}: the channels' and {@code RingSocket}'s are {@code InterruptibleChannel}'s,
 * {@code java.net}'s are {@code Socket}'s.
 */
enum NetImpl {
    JDK, RING, JDK_NET, DROP_IN, DROP_IN_NET;

    /** Whose exceptions an implementation throws. */
    enum Api {
        /** {@code java.nio.channels}: ClosedByInterruptException, AsynchronousCloseException, ClosedChannelException. */
        CHANNEL,
        /** {@code java.net.Socket}: SocketException for interrupt, close and closed sockets. */
        SOCKET
    }

    /** Set by the facade's drop-in execution, whose JVM carries the jvm-flags options. */
    static final boolean DROP_IN_JVM = Boolean.getBoolean("ringloom.test.dropin");

    static CarrierPool pool;
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** The implementations this JVM runs: the drop-in ones in the drop-in JVM, the others elsewhere. */
    static Stream<NetImpl> active() {
        return DROP_IN_JVM ? Stream.of(DROP_IN, DROP_IN_NET) : Stream.of(JDK, RING, JDK_NET);
    }

    /** The active implementations with the channel API (ByteBuffers, read-only buffers). */
    static Stream<NetImpl> activeChannels() {
        return active().filter(i -> i.api() == Api.CHANNEL);
    }

    Api api() {
        return this == JDK_NET || this == DROP_IN_NET ? Api.SOCKET : Api.CHANNEL;
    }

    /** Whether this implementation is the drop-in path, which must end up in Ringloom's code. */
    boolean dropIn() {
        return this == DROP_IN || this == DROP_IN_NET;
    }

    /**
     * Whether one blocking write writes the whole buffer, as {@code WritableByteChannel}
     * promises. The JDK's SocketChannel breaks that on a virtual thread: it makes the
     * socket non-blocking and returns after the first {@code write(2)} that wrote
     * anything ({@code SocketChannelImpl.implWrite}). So {@link #DROP_IN}, which is that
     * channel wherever the options are missing, is held only to writing something.
     */
    boolean writesAllAtOnce() {
        return this != DROP_IN;
    }

    /** Writes all of {@code b}: in one call where this implementation promises it, else in calls that each write something. */
    void writeAll(Conn c, ByteBuffer b) throws IOException {
        int size = b.remaining();
        if (writesAllAtOnce()) {
            assertEquals(size, c.write(b), () -> this + ": a blocking write writes all");
            return;
        }
        while (b.hasRemaining()) {
            assertTrue(c.write(b) > 0, () -> this + ": a blocking write writes something");
        }
    }

    interface Listener extends AutoCloseable {
        InetSocketAddress address() throws IOException;
        Conn accept() throws IOException;
        /** An accept honouring a time-out (the channel's through its socket adaptor, as the JDK offers it). */
        Conn acceptTimed(int timeoutMillis) throws IOException;
        boolean isOpen();
        @Override
        void close() throws IOException;
    }

    interface Conn extends AutoCloseable {
        int read(ByteBuffer b) throws IOException;
        int write(ByteBuffer b) throws IOException;
        /** A read honouring a time-out (the channel's through its socket adaptor's stream, as the JDK offers it). */
        int readTimed(byte[] b, int timeoutMillis) throws IOException;
        void shutdownOutput() throws IOException;
        boolean isOpen();
        @Override
        void close() throws IOException;
    }

    interface Body {
        void run() throws Exception;
    }

    Listener listen(int backlog) throws IOException {
        return listen(new InetSocketAddress(LOOPBACK, 0), backlog);
    }

    Listener listen(InetSocketAddress at, int backlog) throws IOException {
        return switch (this) {
            case JDK, DROP_IN -> {
                ServerSocketChannel ss = ServerSocketChannel.open();
                try {
                    ss.bind(at, backlog);
                } catch (IOException e) {
                    ss.close();
                    throw e;
                }
                yield wrap(ss);
            }
            case RING -> {
                RingServerSocket ss = RingServerSocket.open();
                try {
                    ss.bind(at, backlog);
                } catch (IOException e) {
                    ss.close();
                    throw e;
                }
                yield wrap(ss);
            }
            case JDK_NET, DROP_IN_NET -> wrap(new ServerSocket(at.getPort(), backlog, at.getAddress()));
        };
    }

    /** Connects; {@code timeoutMillis} 0 waits for ever. */
    Conn connect(InetSocketAddress to, int timeoutMillis) throws IOException {
        Closeable s = unconnected();
        connect(s, to, timeoutMillis);
        return wrapConnected(s);
    }

    /** An unconnected socket: a SocketChannel, RingSocket or java.net.Socket. */
    Closeable unconnected() throws IOException {
        return switch (this) {
            case JDK, DROP_IN -> SocketChannel.open();
            case RING -> RingSocket.open();
            case JDK_NET, DROP_IN_NET -> new Socket();
        };
    }

    static void connect(Closeable unconnected, InetSocketAddress to) throws IOException {
        connect(unconnected, to, 0);
    }

    /** {@code timeoutMillis} 0 waits for ever; a channel's timed connect is its socket adaptor's. */
    static void connect(Closeable unconnected, InetSocketAddress to, int timeoutMillis) throws IOException {
        switch (unconnected) {
            case SocketChannel sc when timeoutMillis > 0 -> sc.socket().connect(to, timeoutMillis);
            case SocketChannel sc -> sc.connect(to);
            case RingSocket s -> s.connect(to, timeoutMillis);
            case Socket s -> s.connect(to, timeoutMillis);
            default -> throw new IllegalArgumentException(unconnected.toString());
        }
    }

    static boolean isOpen(Closeable socket) {
        return switch (socket) {
            case java.nio.channels.Channel ch -> ch.isOpen();
            case Socket s -> !s.isClosed();
            default -> throw new IllegalArgumentException(socket.toString());
        };
    }

    static Conn wrapConnected(Closeable connected) throws IOException {
        return switch (connected) {
            case SocketChannel sc -> wrap(sc);
            case RingSocket s -> wrap(s);
            case Socket s -> wrap(s);
            default -> throw new IllegalArgumentException(connected.toString());
        };
    }

    static Listener wrap(ServerSocketChannel ss) {
        return new Listener() {
            public InetSocketAddress address() throws IOException { return (InetSocketAddress) ss.getLocalAddress(); }
            public Conn accept() throws IOException { return wrap(ss.accept()); }
            public Conn acceptTimed(int t) throws IOException {
                ss.socket().setSoTimeout(t);
                try {
                    return wrap(ss.socket().accept().getChannel());
                } finally {
                    ss.socket().setSoTimeout(0);
                }
            }
            public boolean isOpen() { return ss.isOpen(); }
            public void close() throws IOException { ss.close(); }
        };
    }

    static Listener wrap(RingServerSocket ss) {
        return new Listener() {
            public InetSocketAddress address() throws IOException { return ss.localAddress(); }
            public Conn accept() throws IOException { return wrap(ss.accept()); }
            public Conn acceptTimed(int t) {
                throw new UnsupportedOperationException("RingServerSocket has no accept time-out");
            }
            public boolean isOpen() { return ss.isOpen(); }
            public void close() throws IOException { ss.close(); }
        };
    }

    static Listener wrap(ServerSocket ss) {
        return new Listener() {
            public InetSocketAddress address() { return (InetSocketAddress) ss.getLocalSocketAddress(); }
            public Conn accept() throws IOException { return wrap(ss.accept()); }
            public Conn acceptTimed(int t) throws IOException {
                ss.setSoTimeout(t);
                try {
                    return wrap(ss.accept());
                } finally {
                    ss.setSoTimeout(0);
                }
            }
            public boolean isOpen() { return !ss.isClosed(); }
            public void close() throws IOException { ss.close(); }
        };
    }

    static Conn wrap(SocketChannel sc) {
        return new Conn() {
            public int read(ByteBuffer b) throws IOException { return sc.read(b); }
            public int write(ByteBuffer b) throws IOException { return sc.write(b); }
            public int readTimed(byte[] b, int t) throws IOException {
                sc.socket().setSoTimeout(t);
                return sc.socket().getInputStream().read(b);
            }
            public void shutdownOutput() throws IOException { sc.shutdownOutput(); }
            public boolean isOpen() { return sc.isOpen(); }
            public void close() throws IOException { sc.close(); }
        };
    }

    static Conn wrap(RingSocket s) {
        return new Conn() {
            public int read(ByteBuffer b) throws IOException { return s.read(b); }
            public int write(ByteBuffer b) throws IOException { return s.write(b); }
            public int readTimed(byte[] b, int t) throws IOException {
                s.setSoTimeout(t);
                try {
                    return s.getInputStream().read(b);
                } finally {
                    s.setSoTimeout(0);
                }
            }
            public void shutdownOutput() throws IOException { s.shutdownOutput(); }
            public boolean isOpen() { return s.isOpen(); }
            public void close() throws IOException { s.close(); }
        };
    }

    /**
     * A connected java.net socket as a Conn: its streams are taken once, here, as
     * a thread-per-connection server does, so a call after close or shutdown meets
     * the socket implementation's own checks rather than {@code Socket}'s.
     */
    static Conn wrap(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        return new Conn() {
            public int read(ByteBuffer b) throws IOException {
                if (b.hasArray()) {
                    int n = in.read(b.array(), b.arrayOffset() + b.position(), b.remaining());
                    if (n > 0) b.position(b.position() + n);
                    return n;
                }
                byte[] staged = new byte[Math.min(b.remaining(), 64 * 1024)];
                int n = in.read(staged);
                if (n > 0) b.put(staged, 0, n);
                return n;
            }
            public int write(ByteBuffer b) throws IOException {
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                out.write(bytes);
                return bytes.length;
            }
            public int readTimed(byte[] b, int t) throws IOException {
                s.setSoTimeout(t);
                try {
                    return in.read(b);
                } finally {
                    s.setSoTimeout(0);
                }
            }
            public void shutdownOutput() throws IOException { s.shutdownOutput(); }
            public boolean isOpen() { return !s.isClosed(); }
            public void close() throws IOException { s.close(); }
        };
    }

    /**
     * Starts {@code r} on this implementation's kind of thread: a platform thread
     * for the JDK's channels (where their blocking calls are plain syscalls), a pool
     * thread for Ringloom's own sockets, {@code Thread.ofVirtual()} for the rest (the
     * JDK's scheduler, or the agent's pool in the drop-in JVM).
     */
    Thread start(Runnable r) {
        return switch (this) {
            case JDK -> Thread.ofPlatform().start(r);
            case RING -> pool.startVirtualThread(r);
            case JDK_NET, DROP_IN, DROP_IN_NET -> Thread.ofVirtual().start(r);
        };
    }

    /** Runs {@code body} on this implementation's kind of thread; rethrows what it threw. */
    void run(Body body) throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = start(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.join(120_000);
        if (t.isAlive()) throw new AssertionError(this + ": body still running after 120 s");
        Throwable e = thrown.get();
        if (e instanceof Exception ex) throw ex;
        if (e instanceof Error err) throw err;
    }

    /**
     * Whether {@code t} is blocked in a call: parked (a virtual thread waiting for
     * its poller or ring, or a thread waiting for a foreign submission), or a
     * platform thread inside a blocking system call of the JDK's (a native top
     * frame; {@code NativeThread}'s are bookkeeping on the way in, not the call).
     */
    static boolean blockedInCall(Thread t) {
        Thread.State state = t.getState();
        if (state == Thread.State.WAITING) return true;
        if (state != Thread.State.RUNNABLE || t.isVirtual()) return false;
        StackTraceElement[] frames = t.getStackTrace();
        return frames.length > 0 && frames[0].isNativeMethod()
                && !frames[0].getClassName().equals("sun.nio.ch.NativeThread");
    }

    /** Waits until {@link #blockedInCall}; a time-out says where the thread was instead. */
    static void awaitBlocked(Thread t, Duration atMost) {
        await().atMost(atMost).untilAsserted(() -> assertTrue(blockedInCall(t),
                () -> t + " not blocked: " + t.getState() + " at " + Arrays.toString(t.getStackTrace())));
    }

    /**
     * The frames of {@code t}'s stack above the test's own call: the socket
     * implementation's, top first, as {@code class.method} strings.
     */
    static List<String> implementationFrames(Thread t) {
        List<String> frames = new ArrayList<>();
        for (StackTraceElement f : t.getStackTrace()) {
            if (isTestCode(f.getClassName())) break;
            frames.add(f.getClassName() + "." + f.getMethodName());
        }
        return frames;
    }

    /** This class and the integration tests (their nested classes and lambdas too). */
    private static boolean isTestCode(String className) {
        int nested = className.indexOf('$');
        String outer = nested < 0 ? className : className.substring(0, nested);
        return outer.equals(NetImpl.class.getName()) || outer.startsWith("io.ringloom.") && outer.endsWith("IT");
    }

    /** Whether a frame of Ringloom's main code is among {@code frames} (from {@link #implementationFrames}). */
    static boolean inRingloom(List<String> frames) {
        return frames.stream().anyMatch(f -> f.startsWith("io.ringloom."));
    }
}
