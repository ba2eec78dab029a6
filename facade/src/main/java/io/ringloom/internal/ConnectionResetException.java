package io.ringloom.internal;

import java.net.SocketException;

/**
 * A read met ECONNRESET: "Connection reset", as the JDK's
 * {@code sun.net.ConnectionResetException}. Its own class so that a socket can
 * tell a reset from other failures and remember it: the JDK's channels and
 * {@code NioSocketImpl} answer every later read with "Connection reset" too.
 */
public final class ConnectionResetException extends SocketException {
    public ConnectionResetException() {
        super("Connection reset");
    }
}
