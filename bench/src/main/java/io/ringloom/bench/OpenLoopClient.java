package io.ringloom.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop HTTP load generator with coordinated-omission correction, run as its own
 * process: {@code OpenLoopClient PORT PATH CONNECTIONS RATE WARMUP_SECONDS SECONDS}.
 *
 * <p>Request {@code i} is due at {@code t0 + i / RATE} and goes to connection
 * {@code i mod CONNECTIONS}, whatever happened to the requests before it: the schedule
 * never waits for the server. Connections are kept alive and carry one request at a time
 * (HTTP/1.1 without pipelining, as browsers and wrk do), so a request due on a connection
 * still waiting for an answer queues behind it in the client. Its latency is measured
 * from the time it was due, not the time it was sent: a server that stalls is charged for
 * every request the stall delayed, which a closed loop (wrk: send the next request when
 * the answer came) leaves out. Requests due in the warm-up are sent but not recorded;
 * those due in the measured window and unanswered {@value #DRAIN_SECONDS} s after it are
 * recorded with their wait until then (a lower bound) and counted as unfinished.
 *
 * <p>Two platform threads: the sender (this process's main thread) sleeps until the next
 * request is due and sends it, or queues it on its busy connection; the receiver waits
 * in a selector for answers, records each answer's latency in an HdrHistogram, and sends
 * the next request queued on that connection at once. The sender's lateness (time sent
 * minus time due, for requests it sent itself) is reported too: it is part of every
 * latency, whatever the server. The sender's thread asks for a 1 ns timer slack
 * ({@code prctl(PR_SET_TIMERSLACK)}), so its sleeps end within microseconds instead of the
 * default 50 us.
 *
 * <p>Prints {@code window-start} and {@code window-end} when the measured window begins and
 * ends (the parent reads its counters then), then one line {@code scheduled=N completed=N
 * unfinished=N errors=N failures=N rate=R p50us= p90us= p99us= p999us= maxus= lagp50us=
 * lagp99us= slack=1ns|default}: requests due in the window, answered, unanswered,
 * answered with a status other than 200, connections lost, answers per second of the
 * window, latency percentiles and the sender's lateness, in microseconds (NaN when the sender
 * sent none itself: every request due in the window found its connection busy).
 */
public final class OpenLoopClient {
    /** How long after the window requests due in it may still be answered. */
    static final int DRAIN_SECONDS = 10;
    private static final int SIGNIFICANT_DIGITS = 3;
    /** Room for several small answers that arrive together. */
    private static final int RECEIVE_BUFFER = 64 * 1024;
    /** A connection's {@code due} when it waits for no answer. */
    private static final long IDLE = Long.MIN_VALUE;
    /** prctl(2) option (linux/prctl.h). */
    private static final int PR_SET_TIMERSLACK = 29;

    /** One kept-alive connection. Its fields marked "guarded" are shared by both threads under its monitor. */
    private static final class Connection {
        final SocketChannel channel;
        /** The request's bytes; rewound before each send. Guarded. */
        final ByteBuffer request;
        /** What has arrived and is not yet parsed: receiver only. */
        final ByteBuffer in = ByteBuffer.allocate(RECEIVE_BUFFER);
        /** When the request awaiting its answer was due, or {@link #IDLE}. Guarded. */
        long due = IDLE;
        /** When the requests queued behind it are due, in order. Guarded. */
        final ArrayDeque<Long> queued = new ArrayDeque<>();
        /** Lost (EOF or an error): receiver only. */
        boolean lost;

        Connection(SocketChannel channel, byte[] request) {
            this.channel = channel;
            this.request = ByteBuffer.allocateDirect(request.length).put(request).flip();
        }

        /** Sends the request; the caller holds the monitor and set {@link #due}. */
        void send() throws IOException {
            request.rewind();
            while (request.hasRemaining()) {
                if (channel.write(request) == 0) Thread.onSpinWait();   // the send buffer is full: not with one small request in flight
            }
        }
    }

    private final List<Connection> connections = new ArrayList<>();
    private final Selector selector;
    private final long windowStart, windowEnd;
    /** Latencies of answers to requests due in the window, in ns: receiver only until it ended. */
    private final Histogram latency = new Histogram(SIGNIFICANT_DIGITS);
    /** Sender lateness for requests due in the window that it sent itself, in ns: sender only. */
    private final Histogram lateness = new Histogram(SIGNIFICANT_DIGITS);
    /** Answers to requests due in the window: written by the receiver, read by the sender. */
    private final AtomicLong completed = new AtomicLong();
    private long errors;   // receiver only
    private long failures;   // receiver only
    private volatile boolean stopping;

    private OpenLoopClient(Selector selector, long windowStart, long windowEnd) {
        this.selector = selector;
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String path = args[1];
        int count = Integer.parseInt(args[2]);
        double rate = Double.parseDouble(args[3]);
        double warmup = Double.parseDouble(args[4]);
        double seconds = Double.parseDouble(args[5]);
        boolean slack = setTimerSlackOneNanosecond();
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        Selector selector = Selector.open();
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        // the schedule starts once every connection is open: t0 is set after the connects
        List<SocketChannel> channels = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SocketChannel ch = SocketChannel.open(address);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.configureBlocking(false);
            channels.add(ch);
        }
        long t0 = System.nanoTime() + 10_000_000L;
        long windowStart = t0 + (long) (warmup * 1e9), windowEnd = windowStart + (long) (seconds * 1e9);
        OpenLoopClient client = new OpenLoopClient(selector, windowStart, windowEnd);
        for (SocketChannel ch : channels) {
            Connection c = new Connection(ch, request);
            client.connections.add(c);
            ch.register(selector, SelectionKey.OP_READ, c);
        }
        Thread receiver = Thread.ofPlatform().name("receiver").start(client::receive);
        long scheduled = client.send(t0, rate);
        long drainDeadline = windowEnd + DRAIN_SECONDS * 1_000_000_000L;
        while (client.completed.get() < scheduled && System.nanoTime() < drainDeadline) Thread.sleep(10);
        client.stopping = true;
        selector.wakeup();
        receiver.join();
        long unfinished = client.recordUnfinished(System.nanoTime());
        Histogram l = client.latency, lag = client.lateness;
        System.out.printf(Locale.ROOT, "scheduled=%d completed=%d unfinished=%d errors=%d failures=%d rate=%.1f "
                        + "p50us=%.1f p90us=%.1f p99us=%.1f p999us=%.1f maxus=%.1f lagp50us=%.1f lagp99us=%.1f slack=%s%n",
                scheduled, client.completed.get(), unfinished, client.errors, client.failures, client.completed.get() / seconds,
                us(l.getValueAtPercentile(50)), us(l.getValueAtPercentile(90)), us(l.getValueAtPercentile(99)),
                us(l.getValueAtPercentile(99.9)), us(l.getMaxValue()),
                lag.getTotalCount() == 0 ? Double.NaN : us(lag.getValueAtPercentile(50)),
                lag.getTotalCount() == 0 ? Double.NaN : us(lag.getValueAtPercentile(99)), slack ? "1ns" : "default");
        System.out.flush();
        System.exit(0);
    }

    private static double us(long nanos) {
        return nanos / 1e3;
    }

    /** The sender: runs the schedule to the window's end and returns how many requests were due in the window. */
    private long send(long t0, double rate) throws IOException {
        double interval = 1e9 / rate;
        boolean inWindow = false;
        long scheduled = 0;
        for (long i = 0; ; i++) {
            long due = t0 + (long) (i * interval);
            if (due >= windowEnd) break;
            long now = System.nanoTime();
            while (due > now) {
                LockSupport.parkNanos(due - now);
                now = System.nanoTime();
            }
            if (!inWindow && due >= windowStart) {
                inWindow = true;
                System.out.println("window-start");
                System.out.flush();
            }
            if (inWindow) scheduled++;
            Connection c = connections.get((int) (i % connections.size()));
            synchronized (c) {
                if (c.due == IDLE) {
                    c.due = due;
                    c.send();
                    if (inWindow) lateness.recordValue(System.nanoTime() - due);
                } else {
                    c.queued.add(due);
                }
            }
        }
        for (long now = System.nanoTime(); now < windowEnd; now = System.nanoTime()) LockSupport.parkNanos(windowEnd - now);
        System.out.println("window-end");
        System.out.flush();
        return scheduled;
    }

    /** The receiver: reads answers until {@link #stopping}. */
    private void receive() {
        try {
            while (!stopping) {
                selector.select();
                for (SelectionKey k : selector.selectedKeys()) {
                    Connection c = (Connection) k.attachment();
                    try {
                        if (!read(c)) lose(c, k);
                    } catch (IOException e) {
                        lose(c, k);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void lose(Connection c, SelectionKey k) {
        if (c.lost) return;
        c.lost = true;
        failures++;
        k.cancel();
    }

    /** Reads what arrived on {@code c} and handles every complete answer in it; false at EOF. */
    private boolean read(Connection c) throws IOException {
        if (c.channel.read(c.in) < 0) return false;
        c.in.flip();
        int length;
        while ((length = Answers.complete(c.in)) > 0) {
            long now = System.nanoTime();
            boolean ok = Answers.isOk(c.in);
            c.in.position(c.in.position() + length);
            long due;
            synchronized (c) {
                due = c.due;
                Long next = c.queued.poll();
                c.due = next == null ? IDLE : next;
                if (next != null) c.send();
            }
            if (due >= windowStart && due < windowEnd) {
                latency.recordValue(now - due);
                completed.incrementAndGet();
                if (!ok) errors++;
            }
        }
        c.in.compact();
        if (!c.in.hasRemaining()) throw new IOException("an answer over " + RECEIVE_BUFFER + " bytes");
        return true;
    }

    /** Records requests due in the window and still unanswered at {@code now}, with their wait so far; returns how many. */
    private long recordUnfinished(long now) {
        long n = 0;
        for (Connection c : connections) {
            synchronized (c) {
                List<Long> waiting = new ArrayList<>(c.queued);
                if (c.due != IDLE) waiting.add(c.due);
                for (long due : waiting) {
                    if (due >= windowStart && due < windowEnd) {
                        latency.recordValue(now - due);
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** Asks for a 1 ns timer slack for this thread (prctl(2)); false when that failed (the default is 50 us). */
    private static boolean setTimerSlackOneNanosecond() {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle prctl = linker.downcallHandle(linker.defaultLookup().find("prctl").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                    Linker.Option.firstVariadicArg(1));
            return (int) prctl.invokeExact(PR_SET_TIMERSLACK, 1L) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /** HTTP/1.1 answers in a receive buffer, read from its position. */
    static final class Answers {
        private Answers() {}

        private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);

        /** The length of the complete answer at {@code b}'s position, head and body, or 0 when it has not all arrived. */
        static int complete(ByteBuffer b) {
            int start = b.position(), end = b.limit();
            int headEnd = -1;
            for (int i = start; i + 3 < end; i++) {
                if (b.get(i) == '\r' && b.get(i + 1) == '\n' && b.get(i + 2) == '\r' && b.get(i + 3) == '\n') {
                    headEnd = i + 4;
                    break;
                }
            }
            if (headEnd < 0) return 0;
            int total = headEnd - start + contentLength(b, start, headEnd);
            return start + total <= end ? total : 0;
        }

        /** Whether the answer at {@code b}'s position has status 200 ("HTTP/1.1 200 "). */
        static boolean isOk(ByteBuffer b) {
            int p = b.position() + "HTTP/1.1 ".length();
            return b.get(p) == '2' && b.get(p + 1) == '0' && b.get(p + 2) == '0';
        }

        private static int contentLength(ByteBuffer b, int from, int to) {
            outer:
            for (int i = from; i + CONTENT_LENGTH.length < to; i++) {
                if (i > from && b.get(i - 1) != '\n') continue;
                for (int j = 0; j < CONTENT_LENGTH.length; j++) {
                    if (Character.toLowerCase(b.get(i + j)) != CONTENT_LENGTH[j]) continue outer;
                }
                int n = 0;
                for (int k = i + CONTENT_LENGTH.length; k < to && b.get(k) != '\r'; k++) {
                    if (b.get(k) >= '0' && b.get(k) <= '9') n = n * 10 + (b.get(k) - '0');
                }
                return n;
            }
            throw new IllegalStateException("an answer without Content-Length: chunked answers are not read");
        }
    }
}
