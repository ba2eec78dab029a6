package io.ringloom.demos;

import io.ringloom.CarrierPool;
import io.ringloom.RingFiles;
import io.ringloom.net.RingServerSocket;
import io.ringloom.net.RingSocket;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ringhttp}: a minimal HTTP/1.1 server in plain blocking style, thread
 * per connection. {@code --backend ringloom} (default) runs it on the carrier
 * pool with {@link RingServerSocket}; {@code --backend jdk} runs the identical
 * handler on {@code java.net.ServerSocket} and the JDK's default virtual
 * threads. GET (and HEAD) of {@code /} answers a fixed body; with {@code --dir},
 * other paths are static files under it; with {@code --upstream HOST:PORT},
 * {@value Upstream#PATH} answers with the body of a {@code GET /} to that server,
 * made in blocking style by the request's thread ({@link Upstream}; 502 when it
 * fails). Keep-alive, Content-Length, 400, 404, 405, 431 for a request head over
 * {@value #MAX_HEAD} bytes.
 */
public final class RingHttp {
    static final int MAX_HEAD = 8192;
    /** The most a connection may still send after an error response before it is closed anyway ({@link #linger}). */
    static final int LINGER_BYTES = 64 * 1024;
    /** How long {@link #linger} waits for each read. */
    static final int LINGER_MILLIS = 2_000;
    /** Pending connections; Linux caps it at net.core.somaxconn, 4096 by default since 5.4. */
    static final int LISTEN_BACKLOG = 4096;
    static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    /** Reads a file for a response: RingFiles on the pool, Files for the JDK backend. */
    interface FileSource {
        byte[] read(Path p) throws IOException;
    }

    private final Path dir;
    private final FileSource files;
    /** Where {@value Upstream#PATH} is fetched from; null without {@code --upstream}. */
    private final Upstream upstream;
    final AtomicLong requests = new AtomicLong();

    RingHttp(Path dir, FileSource files) {
        this(dir, files, null);
    }

    RingHttp(Path dir, FileSource files, Upstream upstream) {
        this.dir = dir == null ? null : dir.toAbsolutePath().normalize();
        this.files = files;
        this.upstream = upstream;
    }

    public static void main(String[] args) throws Exception {
        HttpOptions opt;
        try {
            opt = HttpOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ringhttp: " + e.getMessage());
            System.err.println(HttpOptions.USAGE_TEXT);
            System.exit(ExitStatus.USAGE);
            return;
        }
        if (opt.help()) {
            System.out.println(HttpOptions.USAGE_TEXT);
            return;
        }
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), opt.port());
        if (opt.backend() == HttpOptions.Backend.JDK) {
            RingHttp server = new RingHttp(opt.dir(), Files::readAllBytes,
                    opt.upstream() == null ? null : new Upstream(opt.upstream(), Upstream::jdk));
            try (ServerSocket ss = new ServerSocket()) {
                ss.setReuseAddress(true);
                ss.bind(address, LISTEN_BACKLOG);
                System.out.println("ringhttp (jdk backend): listening on http://" + hostPort(ss.getLocalSocketAddress()) + "/"
                        + server.upstreamNote());
                while (true) {
                    Socket s = ss.accept();
                    Thread.ofVirtual().start(() -> server.serveJdk(s));
                }
            }
        }
        RingHttp server = new RingHttp(opt.dir(), RingFiles::readAllBytes,
                opt.upstream() == null ? null : new Upstream(opt.upstream(), Upstream::ring));
        try (CarrierPool pool = CarrierPool.open()) {
            System.out.println("ringhttp (ringloom backend, " + (pool.isFallback() ? "fallback: " + pool.fallbackReason()
                    : pool.carrierCount() + " carriers") + ")");
            Thread acceptor = pool.startVirtualThread(() -> {
                try (RingServerSocket ss = RingServerSocket.open().bind(address, LISTEN_BACKLOG)) {
                    System.out.println("ringhttp: listening on http://" + hostPort(ss.localAddress()) + "/" + server.upstreamNote());
                    while (true) {
                        RingSocket s = ss.accept();
                        pool.startVirtualThread(() -> server.serveRing(s));
                    }
                } catch (IOException e) {
                    System.err.println("ringhttp: " + e);
                }
            });
            acceptor.join();
        }
    }

    /** What the start-up line says of {@code --upstream}. */
    private String upstreamNote() {
        return upstream == null ? "" : "; " + Upstream.PATH + " from http://" + hostPort(upstream.address()) + "/";
    }

    private static String hostPort(Object address) {
        InetSocketAddress a = (InetSocketAddress) address;
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    void serveRing(RingSocket s) {
        try (s) {
            s.setTcpNoDelay(true);
            serve(s.getInputStream(), s.getOutputStream(), () -> {
                s.shutdownOutput();
                s.setSoTimeout(LINGER_MILLIS);
            });
        } catch (IOException e) {
            // the client went away
        }
    }

    void serveJdk(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            serve(s.getInputStream(), s.getOutputStream(), () -> {
                s.shutdownOutput();
                s.setSoTimeout(LINGER_MILLIS);
            });
        } catch (IOException e) {
            // the client went away
        }
    }

    /**
     * Ends the connection's sending side and bounds the reads that follow; called after an
     * error response, before {@link #linger}.
     */
    interface HalfClose {
        void halfClose() throws IOException;
    }

    /** The handler both backends run: requests on one connection until it closes. */
    void serve(InputStream rawIn, OutputStream out, HalfClose halfClose) throws IOException {
        try (Upstream.Link link = upstream == null ? null : upstream.link()) {
            serve(rawIn, out, halfClose, link);
        }
    }

    private void serve(InputStream rawIn, OutputStream out, HalfClose halfClose, Upstream.Link upstreamLink)
            throws IOException {
        HttpInput in = new HttpInput(rawIn);
        while (true) {
            Request req;
            try {
                req = Request.read(in);
            } catch (BadRequest e) {
                respond(out, e.status, e.reason, e.getMessage().getBytes(StandardCharsets.US_ASCII), false, true);
                linger(in, halfClose);
                return;
            }
            if (req == null) return;   // the client closed between requests
            requests.incrementAndGet();
            boolean keepAlive = req.keepAlive;
            if (!req.method.equals("GET") && !req.method.equals("HEAD")) {
                respond(out, 405, "Method Not Allowed", "GET and HEAD only\n".getBytes(StandardCharsets.US_ASCII),
                        false, !keepAlive, "Allow: GET, HEAD\r\n");
            } else {
                byte[] body;
                int status = 200;
                String reason = "OK";
                if (req.path.equals("/")) {
                    body = HELLO;
                } else if (upstreamLink != null && req.path.equals(Upstream.PATH)) {
                    try {
                        body = upstreamLink.get();
                    } catch (IOException e) {
                        status = 502;
                        reason = "Bad Gateway";
                        body = ("upstream: " + e.getMessage() + "\n").getBytes(StandardCharsets.US_ASCII);
                    }
                } else {
                    body = file(req.path);
                    if (body == null) {
                        status = 404;
                        reason = "Not Found";
                        body = "not found\n".getBytes(StandardCharsets.US_ASCII);
                    }
                }
                respond(out, status, reason, body, req.method.equals("HEAD"), !keepAlive);
            }
            if (!keepAlive) return;
        }
    }

    /**
     * After an error response the request may have bytes not yet read (a head over the limit),
     * and closing a socket with unread input sends a reset, which can destroy the response
     * before the client reads it (RFC 9112, section 9.6). So: send FIN, then drop what the
     * client still sends until it closes, for at most {@value #LINGER_BYTES} bytes and
     * {@value #LINGER_MILLIS} ms per read.
     */
    private static void linger(InputStream in, HalfClose halfClose) throws IOException {
        halfClose.halfClose();
        byte[] drop = new byte[MAX_HEAD];
        for (long total = 0; total < LINGER_BYTES; ) {
            int n = in.read(drop);
            if (n < 0) return;
            total += n;
        }
    }

    private byte[] file(String rawPath) throws IOException {
        if (dir == null) return null;
        String decoded = URLDecoder.decode(rawPath, StandardCharsets.UTF_8);
        Path p = dir.resolve(decoded.substring(1)).normalize();
        if (!p.startsWith(dir) || !Files.isRegularFile(p)) return null;   // no escaping the directory
        try {
            return files.read(p);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static void respond(OutputStream out, int status, String reason, byte[] body, boolean head,
                                boolean close, String... extraHeaders) throws IOException {
        StringBuilder h = new StringBuilder(128);
        h.append("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n")
                .append("Content-Length: ").append(body.length).append("\r\n")
                .append("Content-Type: text/plain\r\n");
        if (close) h.append("Connection: close\r\n");
        for (String x : extraHeaders) h.append(x);
        h.append("\r\n");
        byte[] headBytes = h.toString().getBytes(StandardCharsets.US_ASCII);
        // head and body in one write: one send per response
        byte[] message = Arrays.copyOf(headBytes, headBytes.length + (head ? 0 : body.length));
        if (!head) System.arraycopy(body, 0, message, headBytes.length, body.length);
        out.write(message);
        out.flush();
    }

    static final class BadRequest extends IOException {
        final int status;
        final String reason;

        BadRequest(int status, String reason, String detail) {
            super(detail + "\n");
            this.status = status;
            this.reason = reason;
        }
    }

    /** A request head: method, path, and whether the connection stays open. */
    record Request(String method, String path, boolean keepAlive) {
        /** Reads one head; null at a clean EOF before it. */
        static Request read(HttpInput in) throws IOException {
            String head = in.readHead();
            if (head == null) return null;
            // Lines and fields by hand: String.split compiles a regex for "\r\n" on every call, and
            // split(" ") with a substring and a lower-case copy per field was about 1.5% of a pinned
            // server's CPU (docs/DESIGN.md, "Sockets").
            int lineEnd = head.indexOf("\r\n");
            int sp1 = head.indexOf(' ');
            int sp2 = sp1 < 0 ? -1 : head.indexOf(' ', sp1 + 1);
            // exactly three non-empty parts, one space apart
            if (sp1 <= 0 || sp2 <= sp1 + 1 || sp2 >= lineEnd - 1 || head.lastIndexOf(' ', lineEnd - 1) != sp2
                    || !head.startsWith("HTTP/1.", sp2 + 1) || head.charAt(sp1 + 1) != '/') {
                throw new BadRequest(400, "Bad Request", "bad request line");
            }
            boolean http11 = lineEnd - (sp2 + 1) == 8 && head.startsWith("HTTP/1.1", sp2 + 1);
            boolean keepAlive = http11;
            long contentLength = 0;
            for (int from = lineEnd + 2, to; (to = head.indexOf("\r\n", from)) > from; from = to + 2) {
                int colon = head.indexOf(':', from);
                if (colon <= from || colon > to) throw new BadRequest(400, "Bad Request", "bad header line");
                if (isField(head, from, colon, "connection")) {
                    String value = head.substring(colon + 1, to).toLowerCase(Locale.ROOT);
                    if (value.contains("close")) keepAlive = false;
                    else if (value.contains("keep-alive")) keepAlive = true;
                } else if (isField(head, from, colon, "content-length")) {
                    try {
                        contentLength = Long.parseLong(head.substring(colon + 1, to).trim());
                    } catch (NumberFormatException e) {
                        throw new BadRequest(400, "Bad Request", "bad Content-Length");
                    }
                } else if (isField(head, from, colon, "transfer-encoding")) {
                    throw new BadRequest(400, "Bad Request", "request bodies are not supported");
                }
            }
            if (contentLength < 0 || contentLength > MAX_HEAD) {
                throw new BadRequest(400, "Bad Request", "request body too large");
            }
            in.skipNBytes(contentLength);
            return new Request(head.substring(0, sp1), head.substring(sp1 + 1, sp2), keepAlive);
        }

        /** Whether {@code head[from, colon)}, blanks around it aside, is the field {@code name} (any case). */
        private static boolean isField(String head, int from, int colon, String name) {
            int end = colon;
            while (end > from && head.charAt(end - 1) <= ' ') end--;
            while (from < end && head.charAt(from) <= ' ') from++;
            return end - from == name.length() && head.regionMatches(true, from, name, 0, name.length());
        }
    }
}
