package io.ringloom.demos;

import io.ringloom.net.RingSocket;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * ringhttp's {@code --upstream HOST:PORT}: a request for {@value #PATH} is answered with
 * the body of a {@code GET /} to that server, made by the request's own thread in plain
 * blocking style (the call a thread-per-connection proxy or API server makes to its
 * backend). Each client connection has its own kept-alive connection to the upstream
 * server ({@link Link}), opened at its first such request and closed with it: no pool to
 * share, so no thread waits for another's connection.
 */
final class Upstream {
    /** The path answered from the upstream server. */
    static final String PATH = "/upstream";
    private static final String CONTENT_LENGTH = "\r\ncontent-length:";
    private static final String CONNECTION_CLOSE = "\r\nconnection: close\r\n";

    /** Opens a connection to the upstream server: Ringloom's or the JDK's sockets, as the server's backend. */
    interface Connector {
        Connection connect(InetSocketAddress address) throws IOException;
    }

    /** One open connection to the upstream server: its streams, and the socket that closes it. */
    record Connection(HttpInput in, OutputStream out, Closeable socket) {}

    private final InetSocketAddress address;
    private final Connector connector;
    private final byte[] request;

    Upstream(InetSocketAddress address, Connector connector) {
        this.address = address;
        this.connector = connector;
        this.request = ("GET / HTTP/1.1\r\nHost: " + address.getHostString() + ":" + address.getPort() + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    InetSocketAddress address() {
        return address;
    }

    /** A {@link RingSocket}: on a carrier pool thread, the pool's rings carry the call. */
    static Connection ring(InetSocketAddress address) throws IOException {
        RingSocket s = RingSocket.open(address);
        try {
            s.setTcpNoDelay(true);
            return new Connection(new HttpInput(s.getInputStream()), s.getOutputStream(), s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** A {@code java.net.Socket}: on a virtual thread, the JDK's poller wakes it. */
    static Connection jdk(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(address);
            return new Connection(new HttpInput(s.getInputStream()), s.getOutputStream(), s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** One client connection's link to the upstream server; used by that connection's thread only. */
    Link link() {
        return new Link();
    }

    final class Link implements Closeable {
        /** The open connection, or null before the first call and after a failed one. */
        private Connection connection;

        /** GETs {@code /} from the upstream server and returns the body; after a failure the next call reconnects. */
        byte[] get() throws IOException {
            if (connection == null) connection = connector.connect(address);
            try {
                connection.out().write(request);
                connection.out().flush();
                Response r = Response.read(connection.in());
                if (!r.keepAlive()) close();
                return r.body();
            } catch (IOException e) {
                close();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            Connection c = connection;
            connection = null;
            if (c != null) c.socket().close();
        }
    }

    /** An upstream response: its body, and whether the server keeps the connection open. */
    record Response(byte[] body, boolean keepAlive) {
        /** Reads one response: a 200 with a Content-Length; anything else is an IOException. */
        static Response read(HttpInput in) throws IOException {
            String head = in.readHead();
            if (head == null) throw new EOFException("the upstream server closed the connection");
            if (!head.startsWith("HTTP/1.1 200 ") && !head.startsWith("HTTP/1.0 200 ")) {
                throw new IOException("the upstream server answered " + head.substring(0, Math.max(0, head.indexOf('\r'))));
            }
            String lower = head.toLowerCase(Locale.ROOT);
            int at = lower.indexOf(CONTENT_LENGTH);
            if (at < 0) throw new IOException("the upstream server answered without a Content-Length");
            int from = at + CONTENT_LENGTH.length();
            int length;
            try {
                length = Integer.parseInt(head.substring(from, head.indexOf('\r', from)).trim());
            } catch (NumberFormatException e) {
                throw new IOException("the upstream server answered a bad Content-Length");
            }
            if (length < 0 || length > RingHttp.MAX_HEAD) {
                throw new IOException("the upstream server's body is over " + RingHttp.MAX_HEAD + " bytes");
            }
            byte[] body = in.readNBytes(length);
            if (body.length < length) throw new EOFException("the upstream server closed the connection in a body");
            return new Response(body, head.startsWith("HTTP/1.1 ") && !lower.contains(CONNECTION_CLOSE));
        }
    }
}
