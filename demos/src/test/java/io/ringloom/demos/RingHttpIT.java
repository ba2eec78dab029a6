package io.ringloom.demos;

import io.ringloom.CarrierPool;
import io.ringloom.RingFiles;
import io.ringloom.net.RingServerSocket;
import io.ringloom.net.RingSocket;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** ringhttp on both backends, over loopback: bodies, keep-alive, and every error status. */
class RingHttpIT {
    @TempDir
    Path dir;

    interface Server extends AutoCloseable {
        int port();
        @Override
        void close() throws Exception;
    }

    private Server start(String backend) throws Exception {
        return start(backend, null);
    }

    /** ringhttp on {@code backend}, with {@code --upstream} when {@code upstream} is not null. */
    private Server start(String backend, InetSocketAddress upstream) throws Exception {
        Files.writeString(dir.resolve("page.txt"), "static file\n");
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (backend.equals("jdk")) {
            RingHttp http = new RingHttp(dir, Files::readAllBytes, upstream == null ? null : new Upstream(upstream, Upstream::jdk));
            ServerSocket ss = new ServerSocket();
            ss.bind(any);
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        Socket s = ss.accept();
                        Thread.ofVirtual().start(() -> http.serveJdk(s));
                    }
                } catch (IOException closed) {
                    // done
                }
            });
            return new Server() {
                public int port() { return ss.getLocalPort(); }
                public void close() throws Exception { ss.close(); acceptor.join(5000); }
            };
        }
        CarrierPool pool = CarrierPool.builder().carriers(2).build();
        RingHttp http = new RingHttp(dir, RingFiles::readAllBytes, upstream == null ? null : new Upstream(upstream, Upstream::ring));
        RingServerSocket[] ss = new RingServerSocket[1];
        Object ready = new Object();
        pool.startVirtualThread(() -> {
            try {
                RingServerSocket s = RingServerSocket.open().bind(any);
                synchronized (ready) {
                    ss[0] = s;
                    ready.notifyAll();
                }
                while (true) {
                    RingSocket c = s.accept();
                    pool.startVirtualThread(() -> http.serveRing(c));
                }
            } catch (IOException closed) {
                // done
            }
        });
        synchronized (ready) {
            while (ss[0] == null) ready.wait(100);
        }
        int port = ss[0].localAddress().getPort();
        return new Server() {
            public int port() { return port; }
            public void close() throws Exception { ss[0].close(); pool.close(); }
        };
    }

    private static String raw(int port, String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return all.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ringloom", "jdk"})
    void servesBodiesWithKeepAlive(String backend) throws Exception {
        try (Server server = start(backend)) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < 20; i++) {   // one kept-alive connection
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertEquals("Hello, World!", r.body());
                assertEquals("13", r.headers().firstValue("content-length").orElseThrow());
            }
            HttpResponse<String> file = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/page.txt")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, file.statusCode());
            assertEquals("static file\n", file.body());
            HttpResponse<String> missing = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/nope.txt")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, missing.statusCode());
            HttpResponse<String> noUpstream = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + Upstream.PATH)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, noUpstream.statusCode(), "no " + Upstream.PATH + " without --upstream");
            String two = raw(server.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertEquals(2, two.split("HTTP/1.1 200 OK", -1).length - 1, two);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ringloom", "jdk"})
    void badRequestsGetTheirStatus(String backend) throws Exception {
        try (Server server = start(backend)) {
            assertTrue(raw(server.port(), "NONSENSE\r\n\r\n").startsWith("HTTP/1.1 400 "));
            assertTrue(raw(server.port(), "POST / HTTP/1.1\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 405 "));
            assertTrue(raw(server.port(), "GET /../../etc/passwd HTTP/1.1\r\nConnection: close\r\n\r\n")
                    .startsWith("HTTP/1.1 404 "), "no escape from --dir");
            String big = "GET / HTTP/1.1\r\nX: " + "a".repeat(RingHttp.MAX_HEAD) + "\r\n\r\n";
            assertTrue(raw(server.port(), big).startsWith("HTTP/1.1 431 "));
            String head = raw(server.port(), "HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n");
            assertTrue(head.startsWith("HTTP/1.1 200 OK") && head.endsWith("\r\n\r\n"), head);
        }
    }

    /**
     * A stand-in upstream server: a platform thread per connection answers every request
     * head with {@code body}, kept alive; counts the connections it accepted.
     */
    private static final class FakeUpstream implements AutoCloseable {
        final ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger connections = new AtomicInteger();
        final List<Socket> open = new CopyOnWriteArrayList<>();
        final Thread acceptor;

        FakeUpstream(String body) throws IOException {
            byte[] response = ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII);
            acceptor = Thread.ofPlatform().start(() -> {
                try {
                    while (true) {
                        Socket s = ss.accept();
                        connections.incrementAndGet();
                        open.add(s);
                        Thread.ofPlatform().start(() -> {
                            try (s) {
                                HttpInput in = new HttpInput(s.getInputStream());
                                while (in.readHead() != null) {
                                    s.getOutputStream().write(response);
                                    s.getOutputStream().flush();
                                }
                            } catch (IOException gone) {
                                // the proxy closed its connection, or close() did
                            }
                        });
                    }
                } catch (IOException closed) {
                    // close()
                }
            });
        }

        InetSocketAddress address() {
            return (InetSocketAddress) ss.getLocalSocketAddress();
        }

        @Override
        public void close() throws Exception {
            ss.close();
            for (Socket s : open) s.close();
            acceptor.join(5000);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ringloom", "jdk"})
    void upstreamCallsKeepOneConnectionPerClientConnectionAndFailAs502(String backend) throws Exception {
        FakeUpstream upstream = new FakeUpstream("from upstream");
        try (Server server = start(backend, upstream.address())) {
            String get = "GET " + Upstream.PATH + " HTTP/1.1\r\nHost: x\r\n\r\n";
            String three = raw(server.port(), get + get + "GET " + Upstream.PATH + " HTTP/1.1\r\nConnection: close\r\n\r\n");
            assertEquals(3, three.split("HTTP/1.1 200 OK\r\nContent-Length: 13\r\n", -1).length - 1, three);
            assertEquals(3, three.split("\r\n\r\nfrom upstream", -1).length - 1, three);
            assertEquals(1, upstream.connections.get(), "one upstream connection for the client connection's three calls");
            raw(server.port(), "GET " + Upstream.PATH + " HTTP/1.1\r\nConnection: close\r\n\r\n");
            assertEquals(2, upstream.connections.get(), "a second client connection has its own");
            upstream.close();
            String failed = raw(server.port(), "GET " + Upstream.PATH + " HTTP/1.1\r\nConnection: close\r\n\r\n");
            assertTrue(failed.startsWith("HTTP/1.1 502 Bad Gateway"), failed);
        } finally {
            upstream.close();
        }
    }
}
