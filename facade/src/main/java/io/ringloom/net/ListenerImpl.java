package io.ringloom.net;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * What {@link RingServerSocket} runs on, chosen once when it is made:
 * {@link RingListener} (a carrier's ring) or {@link JdkListener} (the JDK's
 * {@code ServerSocketChannel}, where no ring serves it).
 */
interface ListenerImpl {
    boolean usesRing();

    /** Binds to the resolved {@code address} and listens with {@code backlog} (at least 1). */
    void bind(InetSocketAddress address, int backlog) throws IOException;

    /** The bound address, or null before bind. */
    InetSocketAddress localAddress();

    RingSocket accept() throws IOException;

    /** The front's {@code implCloseChannel}: once, after its open flag is cleared. */
    void close() throws IOException;
}
