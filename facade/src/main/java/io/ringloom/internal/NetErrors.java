package io.ringloom.internal;

import io.ringloom.rings.sys.Errno;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;

/** errno to the exceptions the JDK's sockets throw, with the JDK's messages. */
public final class NetErrors {
    private NetErrors() {}

    private static final int ENETUNREACH = 101;
    private static final int EADDRINUSE = 98;
    private static final int EADDRNOTAVAIL = 99;

    public static IOException of(int errno, String call) {
        int e = Math.abs(errno);
        return switch (e) {
            case Errno.ECONNREFUSED -> new ConnectException("Connection refused");
            case Errno.ETIMEDOUT -> call.equals("connect") ? new ConnectException("Connection timed out")
                    : new SocketException("Connection timed out");
            case Errno.EHOSTUNREACH, ENETUNREACH -> new NoRouteToHostException("No route to host");
            case Errno.ECONNRESET -> new SocketException("Connection reset");
            case Errno.EPIPE -> new SocketException("Broken pipe");
            case EADDRINUSE -> new BindException("Address already in use");
            case EADDRNOTAVAIL -> new BindException("Cannot assign requested address");
            case Errno.EACCES -> call.equals("bind") ? new BindException("Permission denied")
                    : new SocketException("Permission denied");
            default -> new SocketException(call + ": " + Errors.describe(e));
        };
    }
}
