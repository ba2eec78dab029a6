package io.ringloom.bench;

import io.ringloom.CarrierPool;
import io.ringloom.core.RingMode;
import io.ringloom.net.RingServerSocket;
import io.ringloom.net.RingSocket;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The servers of {@code bench echo}: read 32 bytes, spin {@code workMicros} us, echo them;
 * thread per connection, on Ringloom's pool with {@link RingServerSocket} (ring mode COOP or
 * NONE) or on the JDK's default virtual threads with {@code ServerSocketChannel}. Started in
 * the benchmark's own JVM ({@link #start}) for the unpinned table, or as a process of its own
 * ({@code EchoServer COOP|NONE|JDK WORK_US PORT}) for the pinned one.
 */
final class EchoServer {
    /** Which server: the table's names. */
    enum Kind {
        COOP("Ringloom COOP"), NONE("Ringloom NONE"), JDK("JDK virtual threads");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** A running server: its port, and how to stop it. */
    record Running(int port, AutoCloseable closer) {}

    private static final int MESSAGE_SIZE = 32;
    private static final int BACKLOG = 1024;

    private final int workMicros;

    private EchoServer(int workMicros) {
        this.workMicros = workMicros;
    }

    public static void main(String[] args) throws Exception {
        Kind kind = Kind.valueOf(args[0]);
        int workMicros = Integer.parseInt(args[1]);
        int port = Integer.parseInt(args[2]);
        start(kind, workMicros, port);
        System.out.println("listening " + port);
        System.out.flush();
        Thread.currentThread().join();   // until the benchmark stops this process
    }

    /** Starts a server of {@code kind} on a loopback port ({@code port}, or any when 0). */
    static Running start(Kind kind, int workMicros, int port) throws Exception {
        EchoServer server = new EchoServer(workMicros);
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        if (kind == Kind.JDK) {
            ServerSocketChannel ss = ServerSocketChannel.open().bind(address, BACKLOG);
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        SocketChannel c = ss.accept();
                        Thread.ofVirtual().start(() -> server.jdkHandler(c));
                    }
                } catch (IOException closed) {
                    // server closed
                }
            });
            return new Running(((InetSocketAddress) ss.getLocalAddress()).getPort(), () -> {
                ss.close();
                acceptor.join(5_000);
            });
        }
        CarrierPool pool = CarrierPool.builder().mode(kind == Kind.COOP ? RingMode.COOP : RingMode.NONE).name("echo").build();
        if (pool.isFallback()) throw new IllegalStateException(pool.fallbackReason());
        RingServerSocket[] ss = new RingServerSocket[1];
        Object ready = new Object();
        pool.startVirtualThread(() -> {
            try {
                RingServerSocket s = RingServerSocket.open().bind(address, BACKLOG);
                synchronized (ready) {
                    ss[0] = s;
                    ready.notifyAll();
                }
                while (true) {
                    RingSocket c = s.accept();
                    pool.startVirtualThread(() -> server.ringHandler(c));
                }
            } catch (IOException closed) {
                // server closed
            }
        });
        synchronized (ready) {
            while (ss[0] == null) ready.wait(100);
        }
        return new Running(ss[0].localAddress().getPort(), () -> {
            ss[0].close();
            pool.close();
        });
    }

    private void work() {
        long end = System.nanoTime() + workMicros * 1_000L;
        while (System.nanoTime() < end) Thread.onSpinWait();
    }

    private void ringHandler(RingSocket c) {
        try {
            c.setTcpNoDelay(true);
        } catch (IOException e) {
            return;
        }
        handle(c);
    }

    private void jdkHandler(SocketChannel c) {
        try {
            c.socket().setTcpNoDelay(true);
        } catch (IOException e) {
            return;
        }
        handle(c);
    }

    /** The same handler for both servers: read 32 bytes, work, echo them. */
    private void handle(ByteChannel c) {
        try (c) {
            ByteBuffer buf = ByteBuffer.allocateDirect(MESSAGE_SIZE);
            while (true) {
                buf.clear();
                while (buf.hasRemaining()) {
                    if (c.read(buf) < 0) return;
                }
                work();
                c.write(buf.flip());
            }
        } catch (IOException e) {
            // client gone
        }
    }
}
