package io.ringloom.net;

import io.ringloom.rings.carrier.CarrierScheduler;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.SocketOptions;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.util.HashSet;
import java.util.Set;

/**
 * The {@code SocketImpl} of {@code java.net.Socket} and {@code ServerSocket}
 * under the drop-in's JVM-wide socket factories ({@link RingSocketFactories};
 * docs/DESIGN.md, "Drop-in sockets"). A client impl is a
 * {@link RingSocketChannel} in blocking mode, a server impl a
 * {@link RingServerSocketChannel}: every blocking call goes through the ring
 * of the carrier the caller runs on. Exceptions are {@code NioSocketImpl}'s:
 * a close during a call is "Socket closed", a time-out a
 * {@code SocketTimeoutException} that leaves the socket usable, and an
 * interrupt an {@code InterruptedIOException}, which {@code Socket} and
 * {@code ServerSocket} turn into "Closed by interrupt" for a virtual thread.
 * A platform thread's interrupt changes nothing, as with {@code NioSocketImpl},
 * whose platform threads wait in {@code poll(2)}: its channels follow
 * {@code java.net}'s rule ({@link RingSocketChannel#interruptOnlyVirtualThreads}).
 */
final class RingSocketImpl extends SocketImpl {
    /** Made by ServerSocket's factory: a listener. */
    private final boolean server;
    /** The pool whose ring serves the socket's callers off every pool. */
    private final CarrierScheduler home;
    /** The client channel: made by create, or set by a server's accept; null before. */
    private volatile RingSocketChannel ch;
    /** The server channel, made by create. */
    private volatile RingServerSocketChannel ssc;
    /** What bind asked for: a server binds in listen, with the backlog, as the channel binds. */
    private volatile InetSocketAddress bindAddress;
    /** SO_TIMEOUT in milliseconds (0: none). */
    private volatile int timeoutMillis;
    /** The input stream, made on first use: it keeps NioSocketImpl's end-of-stream rule across calls. */
    private volatile InputStream in;

    RingSocketImpl(boolean server, CarrierScheduler home) {
        this.server = server;
        this.home = home;
    }

    private RingSocketChannel client() throws SocketException {
        RingSocketChannel c = ch;
        if (c == null) throw new SocketException("Socket not created");
        return c;
    }

    private RingServerSocketChannel listener() throws SocketException {
        RingServerSocketChannel c = ssc;
        if (c == null) throw new SocketException("Socket not created");
        return c;
    }

    /** The JDK adaptor's view of either channel, for options and addresses. */
    private Socket clientView() throws SocketException {
        return client().socket();
    }

    private ServerSocket serverView() throws SocketException {
        return listener().socket();
    }

    @Override
    protected void create(boolean stream) throws IOException {
        if (!stream) throw new IOException("Datagram socket creation not supported");
        if (ch != null || ssc != null) throw new IOException("Already created");
        RingSelectorProvider p = RingSocketFactories.provider();
        if (server) {
            ssc = new RingServerSocketChannel(p, JdkChannels.provider().openServerSocketChannel(), home);
            ssc.interruptOnlyVirtualThreads();
        } else {
            ch = new RingSocketChannel(p, JdkChannels.provider().openSocketChannel(), home);
            ch.interruptOnlyVirtualThreads();
        }
    }

    @Override
    protected void connect(String host, int port) throws IOException {
        connect(new InetSocketAddress(host, port), 0);
    }

    @Override
    protected void connect(InetAddress address, int port) throws IOException {
        connect(new InetSocketAddress(address, port), 0);
    }

    @Override
    protected void connect(SocketAddress remote, int timeout) throws IOException {
        if (!(remote instanceof InetSocketAddress isa)) throw new IOException("Unsupported address type");
        if (isa.isUnresolved()) throw new UnknownHostException(isa.getHostName());
        try {
            client().connect(isa, timeout);
        } catch (IOException e) {
            IOException t = ChannelStreams.forSocketImpl(e);
            if (!(t instanceof InterruptedIOException) || t instanceof SocketTimeoutException) throw t;
            // NioSocketImpl.connect says this itself; Socket.connect passes it on
            SocketException closed = new SocketException("Closed by interrupt");
            closed.initCause(e);
            throw closed;
        }
    }

    @Override
    protected void bind(InetAddress host, int port) throws IOException {
        InetSocketAddress local = new InetSocketAddress(host, port);
        if (server) {
            listener();
            bindAddress = local;
            return;
        }
        try {
            client().bind(local);
        } catch (IOException e) {
            throw ChannelStreams.forSocketImpl(e);
        }
    }

    /** Binds the listener to what {@link #bind} was given, with {@code backlog}. */
    @Override
    protected void listen(int backlog) throws IOException {
        InetSocketAddress local = bindAddress;
        if (local == null) throw new SocketException("Not bound");
        try {
            listener().bind(local, backlog < 1 ? 50 : backlog);
        } catch (IOException e) {
            throw ChannelStreams.forSocketImpl(e);
        }
    }

    /** Accepts into {@code si}, an impl the client factory made and no one created. */
    @Override
    protected void accept(SocketImpl si) throws IOException {
        if (!(si instanceof RingSocketImpl target) || target.server || target.ch != null) {
            throw new SocketException("Not a newly created Ringloom SocketImpl: " + si.getClass().getName());
        }
        SocketChannel accepted;
        try {
            accepted = listener().accept(timeoutMillis);
        } catch (IOException e) {
            throw ChannelStreams.forSocketImpl(e);
        }
        RingSocketChannel c = (RingSocketChannel) accepted;
        c.interruptOnlyVirtualThreads();
        target.ch = c;
    }

    @Override
    protected InputStream getInputStream() throws IOException {
        InputStream s = in;
        if (s == null) {
            RingSocketChannel c = client();
            synchronized (this) {
                s = in;
                if (s == null) in = s = ChannelStreams.in(c, () -> timeoutMillis, ChannelStreams.AS_SOCKET_IMPL);
            }
        }
        return s;
    }

    @Override
    protected OutputStream getOutputStream() throws IOException {
        return ChannelStreams.out(client(), ChannelStreams.AS_SOCKET_IMPL);
    }

    @Override
    protected int available() throws IOException {
        try {
            return client().available();
        } catch (IOException e) {
            throw ChannelStreams.forSocketImpl(e);
        }
    }

    /** As {@code NioSocketImpl.close}: a connected socket's output is shut down first ({@link RingSocketChannel#closeAsSocketImpl}). */
    @Override
    protected void close() throws IOException {
        RingSocketChannel c = ch;
        if (c != null) c.closeAsSocketImpl();
        RingServerSocketChannel s = ssc;
        if (s != null) s.close();
    }

    @Override
    protected void shutdownInput() throws IOException {
        try {
            client().shutdownInput();
        } catch (IOException e) {
            throw ChannelStreams.forSocketImpl(e);
        }
    }

    @Override
    protected void shutdownOutput() throws IOException {
        try {
            client().shutdownOutput();
        } catch (IOException e) {
            throw ChannelStreams.forSocketImpl(e);
        }
    }

    @Override
    protected boolean supportsUrgentData() {
        return true;
    }

    @Override
    protected void sendUrgentData(int data) throws IOException {
        clientView().sendUrgentData(data);
    }

    /**
     * A server's: the address it was bound to, as given (host name and all),
     * which is what {@code NioSocketImpl.bind} keeps "to maintain long standing
     * behavior" and {@code ServerSocket.getInetAddress} answers; a client's: its peer's.
     */
    @Override
    protected InetAddress getInetAddress() {
        if (server) {
            InetSocketAddress bound = bindAddress;
            return bound == null ? null : bound.getAddress();
        }
        try {
            return clientView().getInetAddress();
        } catch (SocketException e) {
            return null;
        }
    }

    @Override
    protected int getPort() {
        try {
            return server ? 0 : clientView().getPort();
        } catch (SocketException e) {
            return 0;
        }
    }

    @Override
    protected int getLocalPort() {
        try {
            return server ? serverView().getLocalPort() : clientView().getLocalPort();
        } catch (SocketException e) {
            return -1;
        }
    }

    // -------------------------------------------------------------- options

    @Override
    public void setOption(int opt, Object value) throws SocketException {
        if (opt == SocketOptions.SO_TIMEOUT) {
            if (!(value instanceof Integer t) || t < 0) throw new SocketException("Bad value for SO_TIMEOUT");
            timeoutMillis = t;
            return;
        }
        if (server) {
            ServerSocket v = serverView();
            switch (opt) {
                case SocketOptions.SO_REUSEADDR -> v.setReuseAddress(bool(value, "SO_REUSEADDR"));
                case SocketOptions.SO_RCVBUF -> v.setReceiveBufferSize(positive(value, "SO_RCVBUF"));
                default -> throw new SocketException("Unknown option " + opt);
            }
            return;
        }
        Socket v = clientView();
        switch (opt) {
            case SocketOptions.TCP_NODELAY -> v.setTcpNoDelay(bool(value, "TCP_NODELAY"));
            case SocketOptions.SO_REUSEADDR -> v.setReuseAddress(bool(value, "SO_REUSEADDR"));
            case SocketOptions.SO_KEEPALIVE -> v.setKeepAlive(bool(value, "SO_KEEPALIVE"));
            case SocketOptions.SO_OOBINLINE -> v.setOOBInline(bool(value, "SO_OOBINLINE"));
            case SocketOptions.SO_SNDBUF -> v.setSendBufferSize(positive(value, "SO_SNDBUF"));
            case SocketOptions.SO_RCVBUF -> v.setReceiveBufferSize(positive(value, "SO_RCVBUF"));
            case SocketOptions.IP_TOS -> v.setTrafficClass(positive(value, "IP_TOS"));
            case SocketOptions.SO_LINGER -> {
                if (value instanceof Boolean b && !b) v.setSoLinger(false, 0);
                else v.setSoLinger(true, positive(value, "SO_LINGER"));
            }
            default -> throw new SocketException("Unknown option " + opt);
        }
    }

    private static boolean bool(Object value, String name) throws SocketException {
        if (value instanceof Boolean b) return b;
        throw new SocketException("Bad value for " + name);
    }

    private static int positive(Object value, String name) throws SocketException {
        if (value instanceof Integer i && i >= 0) return i;
        throw new SocketException("Bad value for " + name);
    }

    @Override
    public Object getOption(int opt) throws SocketException {
        if (opt == SocketOptions.SO_TIMEOUT) return timeoutMillis;
        if (server) {
            ServerSocket v = serverView();
            return switch (opt) {
                case SocketOptions.SO_REUSEADDR -> v.getReuseAddress();
                case SocketOptions.SO_RCVBUF -> v.getReceiveBufferSize();
                case SocketOptions.SO_BINDADDR -> v.getInetAddress();
                default -> throw new SocketException("Unknown option " + opt);
            };
        }
        Socket v = clientView();
        return switch (opt) {
            case SocketOptions.TCP_NODELAY -> v.getTcpNoDelay();
            case SocketOptions.SO_REUSEADDR -> v.getReuseAddress();
            case SocketOptions.SO_KEEPALIVE -> v.getKeepAlive();
            case SocketOptions.SO_OOBINLINE -> v.getOOBInline();
            case SocketOptions.SO_SNDBUF -> v.getSendBufferSize();
            case SocketOptions.SO_RCVBUF -> v.getReceiveBufferSize();
            case SocketOptions.IP_TOS -> v.getTrafficClass();
            case SocketOptions.SO_LINGER -> {
                int l = v.getSoLinger();
                yield l < 0 ? (Object) Boolean.FALSE : (Object) l;
            }
            case SocketOptions.SO_BINDADDR -> v.getLocalAddress();
            default -> throw new SocketException("Unknown option " + opt);
        };
    }

    @Override
    protected <T> void setOption(SocketOption<T> name, T value) throws IOException {
        if (server) listener().setOption(name, value);
        else client().setOption(name, value);
    }

    @Override
    protected <T> T getOption(SocketOption<T> name) throws IOException {
        return server ? listener().getOption(name) : client().getOption(name);
    }

    /**
     * The channel's options; a client's without the JDK's extended
     * SO_OOBINLINE, which {@code SocketChannelImpl} lists and
     * {@code NioSocketImpl} does not ({@code Socket.setOOBInline} stays).
     */
    @Override
    protected Set<SocketOption<?>> supportedOptions() {
        RingServerSocketChannel s = ssc;
        RingSocketChannel c = ch;
        if (s != null) return s.supportedOptions();
        if (c == null) return Set.of();
        Set<SocketOption<?>> options = new HashSet<>(c.supportedOptions());
        options.removeIf(o -> o.name().equals("SO_OOBINLINE"));   // sun.nio.ch.ExtendedSocketOption is package-private
        return Set.copyOf(options);
    }

    @Override
    public String toString() {
        RingSocketChannel c = ch;
        RingServerSocketChannel s = ssc;
        return "RingSocketImpl[" + (c != null ? c : s != null ? s : "not created") + "]";
    }
}
