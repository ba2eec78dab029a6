package io.ringloom.net;

import java.nio.channels.SelectableChannel;

/**
 * A drop-in channel ({@link RingSocketChannel}, {@link RingServerSocketChannel})
 * and the JDK channel under it, which {@link RingSelector} registers with the
 * JDK's selector in its place.
 */
interface DelegatingChannel {
    SelectableChannel jdkChannel();
}
