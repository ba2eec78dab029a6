package io.ringloom.net;

import io.ringloom.internal.DropIn;
import io.ringloom.internal.IoDispatcher;
import io.ringloom.rings.carrier.CarrierScheduler;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The JVM's selector provider under the drop-in options
 * ({@code -Djava.nio.channels.spi.SelectorProvider=io.ringloom.net.RingSelectorProvider},
 * printed by {@code ./ringloom jvm-flags}; docs/DESIGN.md, "Drop-in sockets").
 * {@code SocketChannel.open()} and {@code ServerSocketChannel.open()} give
 * {@link RingSocketChannel} and {@link RingServerSocketChannel}, whose blocking
 * calls go through the carriers' rings; {@code Selector.open()} gives a
 * {@link RingSelector} over the JDK's; datagram channels, pipes, the
 * inherited channel and Unix-domain sockets are the JDK's own.
 *
 * <p>Where no ring can serve a socket (the caller is on no Ringloom pool and
 * the agent's JVM-wide pool is absent, failed or in fallback mode), the
 * channels are the JDK's too, so a JVM with the options never behaves worse
 * than one without them.
 */
public final class RingSelectorProvider extends SelectorProvider {
    /** The JDK's provider, which makes every channel underneath. */
    private final SelectorProvider jdk;

    /** Loaded by the system class loader, by name; the JDK's provider must be reachable ({@link JdkChannels}). */
    public RingSelectorProvider() {
        this.jdk = JdkChannels.provider();
    }

    /** Set by the first socket that had to be the JDK's, which logs why. */
    private final AtomicBoolean toldWhyJdk = new AtomicBoolean();

    /**
     * The ring for a new socket: the caller's pool's, else the JVM-wide
     * pool's (built now if no virtual thread built it yet); null for the
     * JDK's channel, said once in the log.
     */
    private CarrierScheduler ringFor() {
        CarrierScheduler s = IoDispatcher.scheduler();
        if (s == null) s = DropIn.jvmWideScheduler();
        if (s == null && toldWhyJdk.compareAndSet(false, true)) {
            System.getLogger("io.ringloom").log(System.Logger.Level.INFO, "Ringloom selector provider: sockets opened off Ringloom's pools are the JDK's ("
                    + (IoDispatcher.forcedFallback() ? "fallback mode"
                    : "no JVM-wide pool: the Ringloom agent is absent or its pool did not start") + ")");
        }
        return s;
    }

    private static boolean isInet(ProtocolFamily family) {
        return family == StandardProtocolFamily.INET || family == StandardProtocolFamily.INET6;
    }

    @Override
    public SocketChannel openSocketChannel() throws IOException {
        return socketChannel(jdk.openSocketChannel());
    }

    @Override
    public SocketChannel openSocketChannel(ProtocolFamily family) throws IOException {
        SocketChannel ch = jdk.openSocketChannel(family);
        return isInet(family) ? socketChannel(ch) : ch;
    }

    private SocketChannel socketChannel(SocketChannel ch) throws IOException {
        CarrierScheduler s = ringFor();
        if (s == null) return ch;
        try {
            return new RingSocketChannel(this, ch, s);
        } catch (IOException | RuntimeException e) {
            closeAfter(ch, e);
            throw e;
        }
    }

    @Override
    public ServerSocketChannel openServerSocketChannel() throws IOException {
        return serverSocketChannel(jdk.openServerSocketChannel());
    }

    @Override
    public ServerSocketChannel openServerSocketChannel(ProtocolFamily family) throws IOException {
        ServerSocketChannel ch = jdk.openServerSocketChannel(family);
        return isInet(family) ? serverSocketChannel(ch) : ch;
    }

    private ServerSocketChannel serverSocketChannel(ServerSocketChannel ch) throws IOException {
        CarrierScheduler s = ringFor();
        if (s == null) return ch;
        try {
            return new RingServerSocketChannel(this, ch, s);
        } catch (IOException | RuntimeException e) {
            closeAfter(ch, e);
            throw e;
        }
    }

    private static void closeAfter(Channel ch, Exception e) {
        try {
            ch.close();
        } catch (IOException again) {
            e.addSuppressed(again);
        }
    }

    @Override
    public AbstractSelector openSelector() throws IOException {
        return new RingSelector(this, jdk.openSelector());
    }

    @Override
    public DatagramChannel openDatagramChannel() throws IOException {
        return jdk.openDatagramChannel();
    }

    @Override
    public DatagramChannel openDatagramChannel(ProtocolFamily family) throws IOException {
        return jdk.openDatagramChannel(family);
    }

    @Override
    public Pipe openPipe() throws IOException {
        return jdk.openPipe();
    }

    @Override
    public Channel inheritedChannel() throws IOException {
        return jdk.inheritedChannel();
    }
}
