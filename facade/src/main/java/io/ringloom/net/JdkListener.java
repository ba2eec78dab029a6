package io.ringloom.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;

/**
 * A listening socket made where no ring can serve it (off every pool, or in
 * fallback mode): the JDK's {@code ServerSocketChannel} underneath, as
 * {@link JdkStreamSocket} is for a socket. Its state is the JDK channel's.
 */
final class JdkListener implements ListenerImpl {
    private final ChannelFront front;
    private final ServerSocketChannel jdk;
    /** The bound address; set by bind. */
    private volatile InetSocketAddress local;

    JdkListener(ChannelFront front, ServerSocketChannel jdk) {
        this.front = front;
        this.jdk = jdk;
    }

    @Override
    public boolean usesRing() {
        return false;
    }

    @Override
    public void bind(InetSocketAddress address, int backlog) throws IOException {
        jdk.bind(address, backlog);
        local = (InetSocketAddress) jdk.getLocalAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public RingSocket accept() throws IOException {
        try {
            return new RingSocket(jdk.accept());
        } catch (IOException e) {
            throw front.followClose(jdk, e);
        }
    }

    @Override
    public void close() throws IOException {
        jdk.close();
    }
}
