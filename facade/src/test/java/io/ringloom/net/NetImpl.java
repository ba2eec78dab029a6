package io.ringloom.net;

import io.ringloom.CarrierPool;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicReference;

/** The JDK's blocking socket channels (on platform threads) and Ringloom's (on pool threads), behind one face. */
enum NetImpl {
    JDK, RING;

    static CarrierPool pool;
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    interface Listener extends AutoCloseable {
        InetSocketAddress address() throws IOException;
        Conn accept() throws IOException;
        boolean isOpen();
        @Override
        void close() throws IOException;
    }

    interface Conn extends AutoCloseable {
        int read(ByteBuffer b) throws IOException;
        int write(ByteBuffer b) throws IOException;
        /** A read honouring a time-out (the JDK's through its socket adaptor's stream, as the JDK offers it). */
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
        if (this == JDK) {
            ServerSocketChannel ss = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0), backlog);
            return new Listener() {
                public InetSocketAddress address() throws IOException { return (InetSocketAddress) ss.getLocalAddress(); }
                public Conn accept() throws IOException { return wrap(ss.accept()); }
                public boolean isOpen() { return ss.isOpen(); }
                public void close() throws IOException { ss.close(); }
            };
        }
        RingServerSocket ss = RingServerSocket.open().bind(new InetSocketAddress(LOOPBACK, 0), backlog);
        return new Listener() {
            public InetSocketAddress address() throws IOException { return ss.localAddress(); }
            public Conn accept() throws IOException { return wrap(ss.accept()); }
            public boolean isOpen() { return ss.isOpen(); }
            public void close() throws IOException { ss.close(); }
        };
    }

    /** Connects; {@code timeoutMillis} 0 waits for ever. */
    Conn connect(InetSocketAddress to, int timeoutMillis) throws IOException {
        if (this == JDK) {
            SocketChannel sc = SocketChannel.open();
            if (timeoutMillis > 0) sc.socket().connect(to, timeoutMillis);
            else sc.connect(to);
            return wrap(sc);
        }
        RingSocket s = RingSocket.open();
        s.connect(to, timeoutMillis);
        return wrap(s);
    }

    /** An unconnected socket, for connect-while-blocked cases. */
    Object unconnected() throws IOException {
        return this == JDK ? SocketChannel.open() : RingSocket.open();
    }

    static void connect(Object unconnected, InetSocketAddress to) throws IOException {
        if (unconnected instanceof SocketChannel sc) sc.connect(to);
        else ((RingSocket) unconnected).connect(to);
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

    Thread start(Runnable r) {
        return this == RING ? pool.startVirtualThread(r) : Thread.ofPlatform().start(r);
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
}
