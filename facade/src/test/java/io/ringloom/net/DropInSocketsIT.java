package io.ringloom.net;

import io.ringloom.CarrierPool;
import io.ringloom.FdSnapshots;
import io.ringloom.agent.RingloomAgent;
import io.ringloom.core.CarrierStats;
import io.ringloom.rings.sys.ProcFds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Unmodified code written against the JDK's socket types, in the JVM started
 * with the options of {@code ./ringloom jvm-flags} (the facade's {@code drop-in}
 * execution): blocking servers on the rings, selector users beside them, the
 * rings really used, 10k connections. Only that JVM runs it; elsewhere every
 * case is skipped.
 *
 * <p>Everything here but the checks that a type is Ringloom's and that the
 * rings' completions grow is what the JDK does without the options; those
 * checks come last in their tests.
 */
class DropInSocketsIT {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private Map<Integer, String> fdsBefore;

    @BeforeAll
    static void onlyInTheDropInJvm() throws Exception {
        assumeTrue(NetImpl.DROP_IN_JVM, "runs only in the drop-in JVM (the facade's drop-in execution)");
        assertTrue(RingloomAgent.status().active(), () -> "agent: " + RingloomAgent.status());
        // The agent's JVM-wide pool (rings, eventfds) is built by the first virtual
        // thread: before the first fd snapshot.
        AtomicReference<String> carrier = new AtomicReference<>();
        Thread.ofVirtual().start(() -> carrier.set(Thread.currentThread().toString())).join();
        assertTrue(carrier.get().contains("@ringloom-carrier-"), carrier::get);
        assertTrue(RingloomAgent.pool().isPresent(), "the agent's pool");
    }

    @BeforeEach
    void snapshot() {
        fdsBefore = FdSnapshots.afterJdkWarmUp();
    }

    @AfterEach
    void nothingLeaked() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(Map.of(), ProcFds.leakedSince(fdsBefore), "fds leaked"));
        CarrierPool pool = agentPool();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                pool.stats().forEach(s -> assertEquals(0, s.inFlight(), () -> "in flight: " + s)));
        assertEquals(List.of(), pool.carrierFailures());
    }

    private static CarrierPool agentPool() {
        return RingloomAgent.pool().orElseThrow(() -> new AssertionError("no agent pool: " + RingloomAgent.status()));
    }

    // ------------------------------------------------------------------ side by side

    /** Clients per server in {@link #serversSideBySide}, and the exchanges each makes. */
    private static final int CLIENTS_PER_SERVER = 12;
    private static final int EXCHANGES = 20;

    /**
     * In one JVM, all at once: a thread-per-connection echo server on blocking
     * {@code ServerSocketChannel}/{@code SocketChannel}, one on
     * {@code java.net.ServerSocket}/{@code Socket}, the JDK's {@code HttpClient}
     * calling a {@code com.sun.net.httpserver.HttpServer} (both selector-based inside),
     * and a selector-based non-blocking echo server. Every exchange's bytes are checked.
     */
    @Test
    void serversSideBySide() throws Exception {
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Map<String, AtomicInteger> done = new ConcurrentHashMap<>();
        String lastAcceptedClass;
        int selectorAccepted;
        try (ChannelEchoServer channels = new ChannelEchoServer(failures);
             NetEchoServer net = new NetEchoServer(failures);
             SelectorEchoServer selector = new SelectorEchoServer(failures);
             HttpEchoServer http = new HttpEchoServer();
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch go = new CountDownLatch(1);
            List<Client> all = new ArrayList<>();
            for (int i = 0; i < CLIENTS_PER_SERVER; i++) {
                int id = i;
                all.add(new Client("channel server, SocketChannel client", () -> channelClient(channels.address(), id)));
                all.add(new Client("java.net server, Socket client", () -> socketClient(net.address(), id)));
                all.add(new Client("selector server, " + (id % 2 == 0 ? "SocketChannel" : "Socket") + " client",
                        () -> {
                            if (id % 2 == 0) channelClient(selector.address(), id);
                            else socketClient(selector.address(), id);
                        }));
                all.add(new Client("HttpServer, HttpClient", () -> httpClient(client, http.uri(), id)));
            }
            for (Client c : all) {
                clients.submit(() -> {
                    try {
                        go.await();
                        c.body.run();
                        done.computeIfAbsent(c.kind, k -> new AtomicInteger()).incrementAndGet();
                    } catch (Throwable e) {
                        failures.add(new AssertionError(c.kind + ": " + e, e));
                    }
                });
            }
            go.countDown();
            clients.shutdown();
            if (!clients.awaitTermination(120, TimeUnit.SECONDS)) {
                clients.shutdownNow();
                fail("clients still running after 120 s; done: " + done + "; failures: " + failures);
            }
            // Each client closed its connection: the selector server sees every EOF.
            await().atMost(Duration.ofSeconds(10)).until(() -> selector.closedAtEof.get() == selector.accepted.get());
            lastAcceptedClass = channels.acceptedClass.get();
            selectorAccepted = selector.accepted.get();
        }
        failures.stream().limit(5).forEach(Throwable::printStackTrace);
        assertEquals(List.of(), failures.stream().map(Throwable::toString).limit(10).toList());
        for (String kind : List.of("channel server, SocketChannel client", "java.net server, Socket client",
                "HttpServer, HttpClient")) {
            assertEquals(CLIENTS_PER_SERVER, done.getOrDefault(kind, new AtomicInteger()).get(), kind);
        }
        assertEquals(CLIENTS_PER_SERVER / 2, done.get("selector server, SocketChannel client").get());
        assertEquals(CLIENTS_PER_SERVER - CLIENTS_PER_SERVER / 2, done.get("selector server, Socket client").get());
        assertEquals(CLIENTS_PER_SERVER, selectorAccepted, "the selector server's connections");
        assertEquals("io.ringloom.net.RingSocketChannel", lastAcceptedClass, "the blocking server's accepted channels");
    }

    private record Client(String kind, Body body) {}

    interface Body {
        void run() throws Exception;
    }

    /** {@code EXCHANGES} round trips of random sizes over one blocking SocketChannel, each checked. */
    static void channelClient(InetSocketAddress to, int id) throws IOException {
        Random r = new Random(id);
        try (SocketChannel c = SocketChannel.open(to)) {
            for (int i = 0; i < EXCHANGES; i++) {
                byte[] data = new byte[1 + r.nextInt(32 * 1024)];
                r.nextBytes(data);
                writeAll(c, ByteBuffer.wrap(data));
                ByteBuffer back = ByteBuffer.allocate(data.length);
                while (back.hasRemaining()) {
                    if (c.read(back) < 0) throw new IOException("EOF after " + back.position() + " of " + data.length);
                }
                if (!Arrays.equals(data, back.array())) throw new AssertionError("echo " + i + " differs");
            }
        }
    }

    /** The same over a java.net.Socket's streams. */
    static void socketClient(InetSocketAddress to, int id) throws IOException {
        Random r = new Random(id);
        try (Socket s = new Socket()) {
            s.connect(to, 10_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < EXCHANGES; i++) {
                byte[] data = new byte[1 + r.nextInt(32 * 1024)];
                r.nextBytes(data);
                out.write(data);
                byte[] back = in.readNBytes(data.length);
                if (!Arrays.equals(data, back)) throw new AssertionError("echo " + i + " differs (" + back.length + " bytes back)");
            }
        }
    }

    static void httpClient(HttpClient client, URI uri, int id) throws Exception {
        Random r = new Random(id);
        for (int i = 0; i < EXCHANGES; i++) {
            byte[] data = new byte[1 + r.nextInt(32 * 1024)];
            r.nextBytes(data);
            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, response.statusCode());
            if (!Arrays.equals(data, response.body())) throw new AssertionError("response " + i + " differs");
        }
    }

    /**
     * Writes all of {@code b} over a blocking channel. A loop, as portable code has
     * it: the JDK's channel on a virtual thread returns after a partial write.
     */
    static void writeAll(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) c.write(b);
    }

    /** Echoes until EOF over a blocking channel, through a buffer of {@code bufferSize} bytes. */
    static void echo(SocketChannel c, int bufferSize) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(bufferSize);
        while (c.read(buf.clear()) >= 0) {
            writeAll(c, buf.flip());
        }
    }

    /** A thread-per-connection echo server on a blocking ServerSocketChannel, a Thread.ofVirtual() thread per connection. */
    static final class ChannelEchoServer implements AutoCloseable {
        private final ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
        /** Connections not yet closed by their handler; close() closes what is left. */
        private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
        private final Queue<Thread> handlers = new ConcurrentLinkedQueue<>();
        /** The class of the last channel accepted. */
        final AtomicReference<String> acceptedClass = new AtomicReference<>();
        private final Thread acceptor;

        ChannelEchoServer(Queue<Throwable> failures) throws IOException {
            acceptor = Thread.ofVirtual().name("channel-echo-acceptor").start(() -> {
                try {
                    while (true) {
                        SocketChannel c = listener.accept();
                        acceptedClass.set(c.getClass().getName());
                        open.add(c);
                        handlers.add(Thread.ofVirtual().start(() -> {
                            try (c) {
                                echo(c, 16 * 1024);
                            } catch (IOException e) {
                                failures.add(e);
                            } finally {
                                open.remove(c);
                            }
                        }));
                    }
                } catch (ClosedChannelException closed) {
                    // close(): done
                } catch (IOException e) {
                    failures.add(e);
                }
            });
        }

        InetSocketAddress address() throws IOException {
            return (InetSocketAddress) listener.getLocalAddress();
        }

        /** Stops accepting; handlers get 10 s to see their client's EOF before their sockets are closed. */
        @Override
        public void close() throws Exception {
            listener.close();
            acceptor.join(10_000);
            for (Thread t : handlers) t.join(10_000);
            for (SocketChannel c : open) c.close();
            assertFalse(acceptor.isAlive(), "acceptor still running");
        }
    }

    /** The same on java.net.ServerSocket and Socket streams. */
    static final class NetEchoServer implements AutoCloseable {
        private final ServerSocket listener = new ServerSocket(0, 50, LOOPBACK);
        private final Set<Socket> open = ConcurrentHashMap.newKeySet();
        private final Queue<Thread> handlers = new ConcurrentLinkedQueue<>();
        private final Thread acceptor;

        NetEchoServer(Queue<Throwable> failures) throws IOException {
            acceptor = Thread.ofVirtual().name("net-echo-acceptor").start(() -> {
                try {
                    while (true) {
                        Socket s = listener.accept();
                        open.add(s);
                        handlers.add(Thread.ofVirtual().start(() -> {
                            try (s) {
                                InputStream in = s.getInputStream();
                                OutputStream out = s.getOutputStream();
                                byte[] buf = new byte[16 * 1024];
                                int n;
                                while ((n = in.read(buf)) >= 0) out.write(buf, 0, n);
                            } catch (IOException e) {
                                failures.add(e);
                            } finally {
                                open.remove(s);
                            }
                        }));
                    }
                } catch (SocketException closed) {
                    if (!listener.isClosed()) failures.add(closed);
                } catch (IOException e) {
                    failures.add(e);
                }
            });
        }

        InetSocketAddress address() {
            return (InetSocketAddress) listener.getLocalSocketAddress();
        }

        @Override
        public void close() throws Exception {
            listener.close();
            acceptor.join(10_000);
            for (Thread t : handlers) t.join(10_000);
            for (Socket s : open) s.close();
            assertFalse(acceptor.isAlive(), "acceptor still running");
        }
    }

    /**
     * A non-blocking echo server on one selector: OP_ACCEPT on the listener,
     * OP_READ on each connection (OP_WRITE while an echo waits for room), key
     * cancelled and channel closed at EOF. It runs on a platform thread, as
     * selector-based libraries' event loops do.
     */
    static final class SelectorEchoServer implements AutoCloseable {
        private final Selector selector = Selector.open();
        private final ServerSocketChannel listener = ServerSocketChannel.open();
        /** Connections accepted, and those closed after their EOF; written by the loop only. */
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger closedAtEof = new AtomicInteger();
        /** The keys left after the loop's last selectNow: the listener's only. */
        final AtomicInteger keysLeft = new AtomicInteger(-1);
        private volatile boolean stopping;
        private final Thread loop;

        SelectorEchoServer(Queue<Throwable> failures) throws IOException {
            listener.bind(new InetSocketAddress(LOOPBACK, 0));
            listener.configureBlocking(false);
            SelectionKey listenerKey = listener.register(selector, SelectionKey.OP_ACCEPT);
            loop = Thread.ofPlatform().name("selector-echo").start(() -> {
                try {
                    while (!stopping) {
                        selector.select(1_000);
                        for (SelectionKey key : selector.selectedKeys()) {
                            if (key == listenerKey) accept();
                            else serve(key);
                        }
                        selector.selectedKeys().clear();
                    }
                    selector.selectNow();
                    keysLeft.set(selector.keys().size());
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    for (SelectionKey key : selector.keys()) {
                        key.cancel();
                        try {
                            key.channel().close();
                        } catch (IOException e) {
                            failures.add(e);
                        }
                    }
                    try {
                        selector.close();
                    } catch (IOException e) {
                        failures.add(e);
                    }
                }
            });
        }

        private void accept() throws IOException {
            SocketChannel c;
            while ((c = listener.accept()) != null) {
                c.configureBlocking(false);
                c.register(selector, SelectionKey.OP_READ, ByteBuffer.allocate(16 * 1024));
                accepted.incrementAndGet();
            }
        }

        private void serve(SelectionKey key) throws IOException {
            SocketChannel c = (SocketChannel) key.channel();
            ByteBuffer buf = (ByteBuffer) key.attachment();
            if (key.isReadable()) {
                if (c.read(buf) < 0) {
                    key.cancel();
                    c.close();
                    closedAtEof.incrementAndGet();
                    return;
                }
                buf.flip();
                c.write(buf);
                if (buf.hasRemaining()) key.interestOps(SelectionKey.OP_WRITE);
                else buf.clear();
            } else if (key.isWritable()) {
                c.write(buf);
                if (!buf.hasRemaining()) {
                    buf.clear();
                    key.interestOps(SelectionKey.OP_READ);
                }
            }
        }

        InetSocketAddress address() throws IOException {
            return (InetSocketAddress) listener.getLocalAddress();
        }

        @Override
        public void close() throws Exception {
            stopping = true;
            selector.wakeup();
            loop.join(10_000);
            assertFalse(loop.isAlive(), "selector loop still running");
            assertEquals(1, keysLeft.get(), "keys left registered besides the listener's");
        }
    }

    /** HttpServer echoing each request's body, its exchanges on virtual threads. */
    static final class HttpEchoServer implements AutoCloseable {
        private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        private final HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);

        HttpEchoServer() throws IOException {
            server.createContext("/echo", exchange -> {
                try (exchange) {
                    byte[] body = exchange.getRequestBody().readAllBytes();
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                }
            });
            server.setExecutor(executor);
            server.start();
        }

        URI uri() {
            return URI.create("http://" + LOOPBACK.getHostAddress() + ":" + server.getAddress().getPort() + "/echo");
        }

        @Override
        public void close() {
            server.stop(0);
            executor.close();
        }
    }

    // ------------------------------------------------------------------ the rings are used

    /** Blocking round trips per API in {@link #blockingRoundTripsCompleteOnTheRings}. */
    private static final int ROUND_TRIPS = 200;

    /**
     * Completions reaped on the agent pool's rings for operations: all CQEs but
     * those of the carriers' eventfd wake-up reads ({@code cqesReaped} counts both),
     * which JDK sockets on the pool cause too, their poller unparking threads.
     */
    private static long operationCqes() {
        long n = 0;
        for (CarrierStats s : agentPool().stats()) n += s.cqesReaped() - s.wakeupsReceived();
        return n;
    }

    /**
     * Blocking round trips through {@code SocketChannel}, then through
     * {@code java.net.Socket}, each with both ends on {@code Thread.ofVirtual()}
     * threads: the echo side answers only once the client is parked in its read, so
     * every round trip blocks at least once, and each blocked call on a ring ends
     * with a CQE. The completions for operations must grow by at least the round
     * trips, for each API separately.
     */
    @Test
    void blockingRoundTripsCompleteOnTheRings() throws Exception {
        long before = operationCqes();
        roundTripsThroughChannels();
        long afterChannels = operationCqes();
        roundTripsThroughSockets();
        long afterSockets = operationCqes();
        long channelCqes = afterChannels - before;
        long socketCqes = afterSockets - afterChannels;
        System.out.println("DropInSocketsIT: " + ROUND_TRIPS + " blocking round trips each; operation CQEs: SocketChannel "
                + channelCqes + ", java.net.Socket " + socketCqes + "; " + agentPool().stats());
        assertTrue(channelCqes >= ROUND_TRIPS,
                () -> "SocketChannel: " + channelCqes + " operation CQEs for " + ROUND_TRIPS + " blocking round trips");
        assertTrue(socketCqes >= ROUND_TRIPS,
                () -> "java.net.Socket: " + socketCqes + " operation CQEs for " + ROUND_TRIPS + " blocking round trips");
    }

    /** Waits until {@code client} is parked inside a read (its stack shows one above the test's frames). */
    private static void awaitParkedInRead(Thread client) {
        await().pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .atMost(Duration.ofSeconds(10))
                .until(() -> client.getState() == Thread.State.WAITING
                        && NetImpl.implementationFrames(client).stream().anyMatch(f -> f.endsWith(".read")));
    }

    private static void roundTripsThroughChannels() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0))) {
            InetSocketAddress address = (InetSocketAddress) listener.getLocalAddress();
            AtomicReference<Thread> client = new AtomicReference<>();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            CountDownLatch clientKnown = new CountDownLatch(1);
            Thread echo = Thread.ofVirtual().start(() -> {
                try (SocketChannel c = listener.accept()) {
                    clientKnown.await();
                    ByteBuffer b = ByteBuffer.allocate(Long.BYTES);
                    for (int i = 0; i < ROUND_TRIPS; i++) {
                        b.clear();
                        while (b.hasRemaining()) {
                            if (c.read(b) < 0) throw new IOException("EOF at round trip " + i);
                        }
                        awaitParkedInRead(client.get());
                        writeAll(c, b.flip());
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            });
            client.set(Thread.ofVirtual().unstarted(() -> {
                try (SocketChannel c = SocketChannel.open(address)) {
                    ByteBuffer b = ByteBuffer.allocate(Long.BYTES);
                    for (long i = 0; i < ROUND_TRIPS; i++) {
                        writeAll(c, b.clear().putLong(i).flip());
                        b.clear();
                        while (b.hasRemaining()) {
                            if (c.read(b) < 0) throw new IOException("EOF at round trip " + i);
                        }
                        if (b.getLong(0) != i) throw new AssertionError("round trip " + i + " echoed " + b.getLong(0));
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            }));
            client.get().start();
            clientKnown.countDown();
            joinBoth(client.get(), echo, failed, "SocketChannel");
        }
    }

    private static void roundTripsThroughSockets() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, LOOPBACK)) {
            InetSocketAddress address = (InetSocketAddress) listener.getLocalSocketAddress();
            AtomicReference<Thread> client = new AtomicReference<>();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            CountDownLatch clientKnown = new CountDownLatch(1);
            Thread echo = Thread.ofVirtual().start(() -> {
                try (Socket s = listener.accept()) {
                    clientKnown.await();
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < ROUND_TRIPS; i++) {
                        byte[] request = in.readNBytes(Long.BYTES);
                        if (request.length < Long.BYTES) throw new IOException("EOF at round trip " + i);
                        awaitParkedInRead(client.get());
                        out.write(request);
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            });
            client.set(Thread.ofVirtual().unstarted(() -> {
                try (Socket s = new Socket()) {
                    s.connect(address, 10_000);
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    for (long i = 0; i < ROUND_TRIPS; i++) {
                        out.write(ByteBuffer.allocate(Long.BYTES).putLong(i).array());
                        byte[] back = in.readNBytes(Long.BYTES);
                        if (back.length < Long.BYTES || ByteBuffer.wrap(back).getLong() != i) {
                            throw new AssertionError("round trip " + i + " echoed " + Arrays.toString(back));
                        }
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            }));
            client.get().start();
            clientKnown.countDown();
            joinBoth(client.get(), echo, failed, "java.net.Socket");
        }
    }

    private static void joinBoth(Thread client, Thread echo, AtomicReference<Throwable> failed, String what) throws Exception {
        client.join(60_000);
        echo.join(10_000);
        if (failed.get() != null) throw new AssertionError(what + " round trips failed", failed.get());
        assertFalse(client.isAlive() || echo.isAlive(), what + ": round trips still running after 60 s");
    }

    // ------------------------------------------------------------------ 10k connections

    /** Connections that fit the fd limit: one fd each per process, plus headroom (as ManyConnectionsIT). */
    private static int connections() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                long soft = Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
                return (int) Math.min(10_000, soft - 1_000);
            }
        }
        return 1_000;
    }

    /**
     * The client side of {@link #tenThousandConnections}, in a child JVM with this
     * JVM's options: {@code host port n}. Half the connections are SocketChannels,
     * half java.net Sockets, all open at once before any echo; prints
     * {@code ok=K failed=F} and the classes it used.
     */
    public static void main(String[] args) throws Exception {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1]));
        int n = Integer.parseInt(args[2]);
        AtomicInteger ok = new AtomicInteger();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch allConnected = new CountDownLatch(n);
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
        for (int i = 0; i < n; i++) {
            int id = i;
            clients.submit(() -> {
                byte[] data = new byte[512 + id % 1024];
                new Random(id).nextBytes(data);
                boolean counted = false;
                try {
                    byte[] back;
                    if (id % 2 == 0) {
                        try (SocketChannel c = SocketChannel.open(address)) {
                            allConnected.countDown();
                            counted = true;
                            if (!allConnected.await(150, TimeUnit.SECONDS)) throw new IOException("not all connected in time");
                            writeAll(c, ByteBuffer.wrap(data));
                            ByteBuffer b = ByteBuffer.allocate(data.length);
                            while (b.hasRemaining()) {
                                if (c.read(b) < 0) throw new IOException("EOF after " + b.position());
                            }
                            back = b.array();
                        }
                    } else {
                        try (Socket s = new Socket()) {
                            s.connect(address);
                            allConnected.countDown();
                            counted = true;
                            if (!allConnected.await(150, TimeUnit.SECONDS)) throw new IOException("not all connected in time");
                            s.getOutputStream().write(data);
                            back = s.getInputStream().readNBytes(data.length);
                        }
                    }
                    if (Arrays.equals(data, back)) ok.incrementAndGet();
                    else failures.add(new AssertionError("connection " + id + ": echo differs"));
                } catch (Throwable e) {
                    if (!counted) allConnected.countDown();
                    failures.add(new AssertionError("connection " + id + ": " + e, e));
                }
            });
        }
        clients.shutdown();
        boolean finished = clients.awaitTermination(200, TimeUnit.SECONDS);
        String channelClass;
        try (SocketChannel probe = SocketChannel.open()) {
            channelClass = probe.getClass().getName();
        }
        System.out.println("ok=" + ok.get() + " failed=" + failures.size() + " finished=" + finished
                + " channel=" + channelClass);
        failures.stream().limit(5).forEach(e -> System.out.println("failure: " + e));
        System.out.flush();
        // Clients still blocked (finished=false) must not keep this JVM alive.
        System.exit(0);
    }

    /**
     * 10k concurrent loopback connections through the JDK types: a blocking
     * {@code ServerSocketChannel} here with a virtual thread per connection from
     * {@code Executors.newVirtualThreadPerTaskExecutor()}, the clients in a child JVM
     * with this JVM's options (the fd limit, 20000 here, holds one end per process).
     * Every connection echoes checked data.
     */
    @Test
    void tenThousandConnections(@TempDir Path dir) throws Exception {
        int n = connections();
        System.out.println("DropInSocketsIT: " + n + " connections (10000 wanted; the fd limit allows "
                + (n == 10_000 ? "them" : "only these") + ")");
        AtomicInteger open = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        Queue<Throwable> serverFailures = new ConcurrentLinkedQueue<>();
        ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
        String out;
        int exit;
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0), 4096)) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        SocketChannel c = listener.accept();
                        peak.accumulateAndGet(open.incrementAndGet(), Math::max);
                        handlers.submit(() -> {
                            try (c) {
                                echo(c, 2 * 1024);   // 10k of them: the messages are at most 1.5 KiB
                            } catch (IOException e) {
                                serverFailures.add(e);
                            } finally {
                                open.decrementAndGet();
                            }
                        });
                    }
                } catch (ClosedChannelException closed) {
                    // the listener was closed: done
                } catch (IOException e) {
                    serverFailures.add(e);
                }
            });
            InetSocketAddress address = (InetSocketAddress) listener.getLocalAddress();
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (!option.startsWith("-agentlib:jdwp")) cmd.add(option);
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), DropInSocketsIT.class.getName(),
                    address.getAddress().getHostAddress(), Integer.toString(address.getPort()), Integer.toString(n)));
            Path output = dir.resolve("clients.out");
            Process child = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(output.toFile()).start();
            try {
                assertTrue(child.waitFor(300, TimeUnit.SECONDS), "the client JVM still running after 300 s");
            } finally {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
            exit = child.exitValue();
            out = Files.readString(output);
            listener.close();
            acceptor.join(10_000);
            assertFalse(acceptor.isAlive(), "acceptor still running");
        } finally {
            handlers.shutdown();
            if (!handlers.awaitTermination(30, TimeUnit.SECONDS)) {
                handlers.shutdownNow();
                handlers.awaitTermination(10, TimeUnit.SECONDS);
                fail("connection handlers still running 30 s after the clients ended");
            }
        }
        System.out.println("DropInSocketsIT: client JVM said: " + out.trim() + "; server peak connections "
                + peak.get() + "; " + agentPool().stats());
        assertEquals(0, exit, out);
        assertTrue(out.contains("ok=" + n + " failed=0 finished=true"), out);
        assertEquals(List.of(), serverFailures.stream().map(Throwable::toString).limit(10).toList());
        assertEquals(0, open.get(), "connections the server still holds");
    }

    // ------------------------------------------------------------------ selector mix

    /**
     * One {@code Selector.open()} selector with a Ringloom channel in non-blocking
     * mode and a JDK {@code Pipe}'s source (the provider leaves pipes to the JDK):
     * each reports readiness when, and only when, it has it; keys keep their
     * channel and attachment; cancelled keys go away.
     */
    @Test
    void oneSelectorForASocketChannelAndAJdkPipe() throws Exception {
        String socketClass;
        String pipeClass;
        String selectorClass;
        try (Selector selector = Selector.open();
             ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
             SocketChannel socket = SocketChannel.open(listener.getLocalAddress());
             SocketChannel peer = listener.accept()) {
            Pipe pipe = Pipe.open();
            try (Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink()) {
                socketClass = socket.getClass().getName();
                pipeClass = source.getClass().getName();
                selectorClass = selector.getClass().getName();
                assertThrows(IllegalBlockingModeException.class, () -> socket.register(selector, SelectionKey.OP_READ),
                        "a blocking channel cannot be registered");
                socket.configureBlocking(false);
                source.configureBlocking(false);
                SelectionKey socketKey = socket.register(selector, SelectionKey.OP_READ, "socket");
                SelectionKey pipeKey = source.register(selector, SelectionKey.OP_READ, "pipe");
                assertSame(socket, socketKey.channel());
                assertSame(source, pipeKey.channel());
                assertSame(socketKey, socket.keyFor(selector));
                assertSame(pipeKey, source.keyFor(selector));
                assertSame(selector, socketKey.selector());
                assertEquals("socket", socketKey.attachment());
                assertEquals(Set.of(socketKey, pipeKey), selector.keys());
                assertEquals(0, selector.selectNow(), "nothing ready yet");

                sink.write(ByteBuffer.wrap(new byte[] {1}));
                assertEquals(Set.of(pipeKey), selectUntil(selector, Set.of(pipeKey)), "the pipe only");
                assertEquals(SelectionKey.OP_READ, pipeKey.readyOps());
                drain(source::read, 1);

                peer.write(ByteBuffer.wrap(new byte[] {2, 3}));
                assertEquals(Set.of(socketKey), selectUntil(selector, Set.of(socketKey)), "the socket only");
                assertEquals(SelectionKey.OP_READ, socketKey.readyOps());
                drain(socket::read, 2);
                assertEquals(0, selector.selectNow(), "both drained");

                // Readiness arriving while a select is blocked wakes it, for each kind of channel.
                for (SelectionKey key : List.of(socketKey, pipeKey)) {
                    AtomicReference<Set<SelectionKey>> woke = new AtomicReference<>();
                    Thread selecting = Thread.ofPlatform().start(() -> {
                        try {
                            selector.select(10_000);
                            woke.set(Set.copyOf(selector.selectedKeys()));
                            selector.selectedKeys().clear();
                        } catch (IOException e) {
                            woke.set(Set.of());
                        }
                    });
                    NetImpl.awaitBlocked(selecting, Duration.ofSeconds(5));
                    if (key == socketKey) peer.write(ByteBuffer.wrap(new byte[] {4}));
                    else sink.write(ByteBuffer.wrap(new byte[] {5}));
                    selecting.join(10_000);
                    assertEquals(Set.of(key), woke.get(), key.attachment() + " woke the blocked select");
                    if (key == socketKey) drain(socket::read, 1);
                    else drain(source::read, 1);
                }

                sink.write(ByteBuffer.wrap(new byte[] {6}));
                peer.write(ByteBuffer.wrap(new byte[] {7}));
                assertEquals(Set.of(socketKey, pipeKey), selectUntil(selector, Set.of(socketKey, pipeKey)), "both");
                drain(socket::read, 1);
                drain(source::read, 1);

                socketKey.interestOps(SelectionKey.OP_WRITE);
                assertEquals(Set.of(socketKey), selectUntil(selector, Set.of(socketKey)), "the socket has room to write");
                assertEquals(SelectionKey.OP_WRITE, socketKey.readyOps());

                socketKey.interestOps(SelectionKey.OP_READ);
                peer.close();
                assertEquals(Set.of(socketKey), selectUntil(selector, Set.of(socketKey)), "the peer's close is readable");
                assertEquals(-1, socket.read(ByteBuffer.allocate(1)));

                socketKey.cancel();
                pipeKey.cancel();
                assertFalse(socketKey.isValid() || pipeKey.isValid());
                selector.selectNow();
                assertEquals(Set.of(), selector.keys(), "cancelled keys are gone after a select");
                assertNull(socket.keyFor(selector));
                socket.configureBlocking(true);
                assertTrue(socket.isBlocking(), "back to blocking once deregistered");
            }
        }
        assertEquals("sun.nio.ch.SourceChannelImpl", pipeClass, "pipes are the JDK's");
        assertTrue(selectorClass.startsWith("io.ringloom."), () -> "Selector.open() gave a " + selectorClass);
        assertEquals("io.ringloom.net.RingSocketChannel", socketClass);
    }

    interface Read {
        int read(ByteBuffer b) throws IOException;
    }

    /** Reads exactly {@code n} bytes that are known to be there, from a non-blocking channel. */
    private static void drain(Read channel, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n + 1);
        int got = channel.read(b);
        assertEquals(n, got, "bytes ready");
    }

    /** Selects until {@code expected} have all been selected (or 10 s passed); returns every key selected. */
    private static Set<SelectionKey> selectUntil(Selector selector, Set<SelectionKey> expected) throws IOException {
        Set<SelectionKey> seen = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!seen.containsAll(expected) && System.nanoTime() < deadline) {
            selector.select(1_000);
            seen.addAll(selector.selectedKeys());
            selector.selectedKeys().clear();
        }
        return seen;
    }
}
