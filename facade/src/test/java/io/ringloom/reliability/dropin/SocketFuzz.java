package io.ringloom.reliability.dropin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;

/**
 * Scenario 2 of issue 17: random sequences of calls on the JDK's socket types
 * ({@code SocketChannel}, {@code ServerSocketChannel}, {@code java.net.Socket},
 * {@code ServerSocket}, a channel's socket adaptor): open, bind, connect (blocking,
 * non-blocking, with a time-out, refused), accept, read and write with every
 * kind of buffer (heap, heap slice, direct, direct slice, read-only; random
 * position and limit; scattering and gathering with random offsets and
 * lengths; byte arrays with random, sometimes invalid, offsets and lengths),
 * shutdown, close, blocking mode, socket options and time-outs. Every buffer
 * and array sits between {@value #GUARD} guard bytes; after each call the
 * guards and every byte outside what the call may write must be unchanged.
 *
 * <p>Each call writes one line to a transcript: the call, its result or
 * exception (class and message), the buffer's position, limit and the CRC of
 * the bytes it received, and the socket's state after it. The parent runs the
 * same seed in a JVM with the drop-in options and in one without, and compares
 * the transcripts line by line.
 *
 * <p>So that the JDK's transcript is itself reproducible, the calls are
 * chosen by a model of every connection (bytes in flight each way, shutdowns,
 * closes, resets) which never lets a call block for good: a read waits only
 * where bytes, an end of stream or a reset are on their way, or has a time-out;
 * a write never exceeds what the peer's buffers hold. Where the kernel may
 * legitimately split a result (a read that returns part of what is on its way),
 * the call is repeated until the model's amount has arrived, and the total is
 * what the line records. After a close or a write towards a closed peer, the
 * next call waits 1 ms for loopback's answer (FIN or RST) to land.
 */
final class SocketFuzz {
    static final int GUARD = 64;
    private static final byte GUARD_BYTE = (byte) 0xA7;
    private static final byte FRESH_BYTE = (byte) 0x3C;
    /** Bytes one end lets be on their way to a peer that is not reading: well within loopback's buffers. */
    private static final int MAX_PENDING = 48 * 1024;
    private static final int MAX_IO = 16 * 1024;
    private static final int MAX_ENDS = 6;
    private static final long SPIN_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Random rnd;
    private final PrintWriter transcript;
    private final List<End> ends = new ArrayList<>();
    private final List<Listener> listeners = new ArrayList<>();
    private SocketChannel portHolder;
    private InetSocketAddress refused;
    /** The end whose state is being written, if any: see {@link #address}. */
    private End describing;
    private int nextId;
    private long calls, threw, guardChanges, onVirtual, onPlatform, spins;
    private boolean settle;
    private StringBuilder line;

    private SocketFuzz(long seed, PrintWriter transcript) {
        this.rnd = new Random(seed);
        this.transcript = transcript;
    }

    static void main(String scenario, String[] args) throws Exception {
        Path dir = App.dir(args);
        App.settle(dir);
        long seed = Long.parseLong(App.arg(args, "--seed", "1"));
        int calls = Integer.parseInt(App.arg(args, "--calls", "20000"));
        Path transcriptFile = Path.of(App.arg(args, "--transcript", dir.resolve("transcript").toString()));
        Map<Integer, String> before = App.fds();
        SocketFuzz fuzz;
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(transcriptFile))) {
            fuzz = new SocketFuzz(seed, w);
            fuzz.run(calls);
        }
        App.checkEnd(scenario, before);
        // The parent compares two runs and prints the scenario's line from these figures.
        System.out.printf("fuzz-figures: calls=%d seed=%d virtual=%d platform=%d threw=%d repeated=%d guards=%d%n",
                fuzz.calls, seed, fuzz.onVirtual, fuzz.onPlatform, fuzz.threw, fuzz.spins, fuzz.guardChanges);
        if (fuzz.guardChanges > 0) App.fail(fuzz.guardChanges + " calls changed bytes outside what they may write");
        App.finish();
    }

    private void run(int target) throws Exception {
        portHolder = SocketChannel.open().bind(App.loopback(0));   // bound, never listening: a connect is refused
        refused = (InetSocketAddress) portHolder.getLocalAddress();
        while (calls < target) {
            episode(10 + rnd.nextInt(60));
            if (App.failures() > 10) break;
        }
        portHolder.close();
    }

    // ------------------------------------------------------------------ model

    private final class Listener {
        final int id = nextId++;
        ServerSocketChannel ssc;
        ServerSocket ss;
        boolean closed;
        boolean blocking = true;
        int soTimeout;
        /** Connected clients not yet accepted, in the kernel's order. */
        final Deque<End> queue = new ArrayDeque<>();
        InetSocketAddress address;

        boolean isChannel() {
            return ssc != null;
        }

        @Override
        public String toString() {
            return (isChannel() ? "SSC" : "SS") + id;
        }
    }

    private final class End {
        final int id = nextId++;
        SocketChannel ch;
        Socket s;
        End peer;
        /** The listener whose queue holds this client, until accepted. */
        Listener queuedAt;
        /**
         * The listener this end connected to or was accepted from: the one its addresses name when
         * a later listener took the same port after this one closed (a port number alone is ambiguous).
         */
        Listener listener;
        /** Bytes written to this end's peer while it waits in an accept queue. */
        long queuedBytes;
        boolean connected, closed, inShut, outShut, blocking = true;
        /** The peer closed or shut its output: an end of stream is on its way. */
        boolean eofComing;
        /** A reset is on its way or arrived. */
        boolean reset;
        long pendingIn;
        int soTimeout;
        int linger = -1;
        /** The socket's streams as an application keeps them, taken by the first call that asks; null before. */
        InputStream in;
        OutputStream out;

        boolean isChannel() {
            return ch != null;
        }

        /** The input stream: the one kept (an application's habit), or asked of the socket anew (which checks its state). */
        InputStream input(boolean kept) throws IOException {
            if (!kept) return s.getInputStream();
            if (in == null) in = s.getInputStream();
            return in;
        }

        OutputStream output(boolean kept) throws IOException {
            if (!kept) return s.getOutputStream();
            if (out == null) out = s.getOutputStream();
            return out;
        }

        /** Whether a read without a time-out could wait for good. */
        boolean readMayHang() {
            return connected && !closed && !inShut && pendingIn == 0 && !eofComing && !reset;
        }

        long pendingAtPeer() {
            return peer != null ? peer.pendingIn : queuedBytes;
        }

        @Override
        public String toString() {
            return (isChannel() ? "SC" : "S") + id;
        }
    }

    // --------------------------------------------------------------- episodes

    private void episode(int steps) throws Exception {
        for (int i = 0; i < steps; i++) step();
        for (End e : List.copyOf(ends)) {
            if (!e.closed) call(e + ".close()", () -> close(e, 0));
        }
        for (Listener l : List.copyOf(listeners)) {
            if (!l.closed) call(l + ".close", () -> closeListener(l));
        }
        ends.clear();
        listeners.clear();
        nextId = 0;
    }

    private void step() throws Exception {
        List<Listener> open = listeners.stream().filter(l -> !l.closed).toList();
        if (open.isEmpty() || (listeners.size() < 2 && rnd.nextInt(20) == 0)) {
            listen();
            return;
        }
        List<End> unconnected = ends.stream().filter(e -> !e.connected && !e.closed && e.peer == null && e.queuedAt == null).toList();
        int r = rnd.nextInt(100);
        if (ends.size() < MAX_ENDS && unconnected.isEmpty() && r < 15) {
            open();
        } else if (!unconnected.isEmpty() && r < 30) {
            connect(unconnected.get(rnd.nextInt(unconnected.size())));
        } else if (r < 38 && (listeners.stream().anyMatch(l -> !l.queue.isEmpty()) || rnd.nextInt(4) == 0)) {
            // mostly where a connection waits: an accept with none waits out its time-out
            List<Listener> waiting = listeners.stream().filter(l -> !l.queue.isEmpty()).toList();
            accept(!waiting.isEmpty() && rnd.nextInt(4) != 0 ? waiting.get(rnd.nextInt(waiting.size()))
                    : listeners.get(rnd.nextInt(listeners.size())));
        } else if (r < 40) {
            Listener l = listeners.get(rnd.nextInt(listeners.size()));
            call(l + ".close", () -> closeListener(l));
        } else if (!ends.isEmpty()) {
            // mostly an open end: calls on closed ones are quick to check and would crowd the rest out
            List<End> live = ends.stream().filter(x -> !x.closed).toList();
            End e = !live.isEmpty() && rnd.nextInt(8) != 0 ? live.get(rnd.nextInt(live.size())) : ends.get(rnd.nextInt(ends.size()));
            int k = rnd.nextInt(100);
            if (k < 35) read(e);
            else if (k < 65) write(e);
            else if (k < 72) shutdown(e);
            else if (k < 77) close(e);
            else if (k < 90) option(e);
            else if (k < 95) state(e);
            else blockingMode(e);
        } else {
            open();
        }
    }

    // --------------------------------------------------------------- calls

    private interface Call {
        Object run() throws Exception;
    }

    /**
     * One call: on a new virtual thread (three in four) or this platform
     * thread, its line written with the result, and the state of what it
     * touched. {@code body} may append to {@link #line} (buffer figures).
     */
    private void call(String what, Call body) throws Exception {
        if (settle) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            settle = false;
        }
        calls++;
        line = new StringBuilder();
        boolean virtual = rnd.nextInt(4) != 0;
        AtomicReference<Object> result = new AtomicReference<>();
        Runnable r = () -> {
            try {
                result.set(body.run());
            } catch (Throwable e) {
                result.set(e);
            }
        };
        if (virtual) {
            onVirtual++;
            Thread t = Thread.ofVirtual().start(r);
            if (!t.join(java.time.Duration.ofSeconds(30))) {
                App.fail("call " + calls + " " + what + " still running after 30 s: " + Arrays.toString(t.getStackTrace()));
                transcript.println("#" + calls + " " + what + " -> HUNG");
                throw new IllegalStateException("hung call");
            }
        } else {
            onPlatform++;
            r.run();
        }
        Object o = result.get();
        lastSucceeded = !(o instanceof Throwable);
        lastResult = o;
        String outcome;
        if (o instanceof Throwable e) {
            threw++;
            outcome = "! " + e.getClass().getName() + ": " + normalise(e.getMessage());
            if (e instanceof Error && !(e instanceof AssertionError)) {
                App.fail("call " + calls + " " + what + " threw " + e);
            }
        } else {
            outcome = "= " + describe(o);
        }
        transcript.println("#" + calls + " " + what + " -> " + outcome + line);
    }

    /** Messages with what differs from run to run (ports) taken out. */
    private static String normalise(String message) {
        if (message == null) return "null";
        return message.replaceAll(":\\d{2,5}\\b", ":PORT");
    }

    private String describe(Object o) {
        if (o == null) return "null";
        if (o instanceof SocketAddress a) return address(a);
        return normalise(String.valueOf(o));
    }

    /**
     * An address as the transcript names it: a listener's by its name, any other loopback port as
     * "ephemeral". A port can belong to more than one listener of an episode: one closed, a later
     * one bound to the same number (in one run and not in another). The end being described names
     * its own listener; otherwise the newest listener on the port is meant.
     */
    private String address(SocketAddress a) {
        if (!(a instanceof InetSocketAddress isa)) return String.valueOf(a);
        Listener own = describing == null ? null : describing.listener;
        if (own != null && own.address != null && own.address.getPort() == isa.getPort()) return isa.getAddress() + ":" + own;
        for (int i = listeners.size() - 1; i >= 0; i--) {
            Listener l = listeners.get(i);
            if (l.address != null && l.address.getPort() == isa.getPort()) return isa.getAddress() + ":" + l;
        }
        if (refused != null && refused.getPort() == isa.getPort()) return isa.getAddress() + ":refused";
        return isa.getAddress() + (isa.getPort() == 0 ? ":0" : ":ephemeral");
    }

    private void note(String s) {
        line.append(" | ").append(s);
    }

    // ---------------------------------------------------------- open, listen

    private void open() throws Exception {
        End e = new End();
        ends.add(e);
        boolean channel = rnd.nextBoolean();
        call("open " + e + (channel ? " SocketChannel.open()" : " new Socket()"), () -> {
            if (channel) e.ch = SocketChannel.open();
            else e.s = new Socket();
            return state(e, false);
        });
        if (e.ch == null && e.s == null) ends.remove(e);
    }

    private void listen() throws Exception {
        Listener l = new Listener();
        listeners.add(l);
        boolean channel = rnd.nextBoolean();
        int backlog = rnd.nextInt(4) == 0 ? 0 : 50;   // 0: the JDK's default
        call("listen " + l + (channel ? " ServerSocketChannel.open().bind" : " new ServerSocket") + " backlog " + backlog, () -> {
            if (channel) {
                l.ssc = ServerSocketChannel.open();
                l.ssc.bind(App.loopback(0), backlog);
                l.address = (InetSocketAddress) l.ssc.getLocalAddress();
            } else {
                l.ss = new ServerSocket(0, backlog, App.LOOPBACK);
                l.address = (InetSocketAddress) l.ss.getLocalSocketAddress();
            }
            return "listening";
        });
        if (l.address == null) {
            l.closed = true;
        }
    }

    // ----------------------------------------------------------- connect

    private void connect(End e) throws Exception {
        int target = rnd.nextInt(10);
        Listener l = target == 0 || listeners.stream().allMatch(x -> x.closed) ? null
                : listeners.get(rnd.nextInt(listeners.size()));
        // A closed listener's port is free for any socket on the machine to take (found in CI: a
        // run's connect to one reached another process's listener), so a connect to it goes to
        // the port held for refusals instead: refused in every run, as intended.
        InetSocketAddress to = l == null || l.closed ? refused : l.address;
        String where = l == null ? "refused" : l.toString();
        boolean toOpen = l != null && !l.closed;
        if (toOpen && !e.connected) e.listener = l;
        if (e.isChannel()) {
            if (!e.blocking) {
                call(e + ".connect(" + where + ") non-blocking, then finishConnect until done", () -> {
                    boolean done = e.ch.connect(to);
                    note("connect returned " + done + ", pending " + e.ch.isConnectionPending());
                    long deadline = System.nanoTime() + SPIN_LIMIT_NANOS;
                    while (!done && System.nanoTime() < deadline) {
                        done = e.ch.finishConnect();
                        if (!done) LockSupport.parkNanos(20_000);
                    }
                    return done;
                });
            } else {
                call(e + ".connect(" + where + ")", () -> e.ch.connect(to));
            }
        } else {
            int timeout = rnd.nextInt(3) == 0 ? 1_000 + rnd.nextInt(1_000) : 0;
            call("%s.connect(%s%s)".formatted(e, where, timeout > 0 ? ", " + timeout + " ms" : ""), () -> {
                if (timeout > 0) e.s.connect(to, timeout);
                else e.s.connect(to);
                return "connected";
            });
        }
        boolean connected = e.isChannel() ? e.ch.isConnected() : e.s.isConnected();
        boolean closed = e.isChannel() ? !e.ch.isOpen() : e.s.isClosed();
        note(state(e, false));
        if (connected && !e.connected && toOpen) {
            e.connected = true;
            e.queuedAt = l;
            l.queue.add(e);
        }
        if (closed) e.closed = true;
    }

    // ------------------------------------------------------------- accept

    private void accept(Listener l) throws Exception {
        // A queued client that closed may or may not still be returned by the kernel: no waiting for it.
        End head = l.queue.peek();
        boolean queued = head != null && !head.closed && !head.reset;
        if (l.isChannel()) {
            boolean nonBlocking = !queued || rnd.nextInt(3) == 0;
            if (nonBlocking && l.blocking && !l.closed) {
                call(l + ".configureBlocking(false)", () -> l.ssc.configureBlocking(false));
                l.blocking = false;
            } else if (!nonBlocking && !l.blocking && !l.closed) {
                call(l + ".configureBlocking(true)", () -> l.ssc.configureBlocking(true));
                l.blocking = true;
            }
            AtomicReference<SocketChannel> got = new AtomicReference<>();
            call(l + ".accept()" + (l.blocking ? "" : " non-blocking"), () -> {
                SocketChannel c = l.ssc.accept();
                long deadline = System.nanoTime() + SPIN_LIMIT_NANOS;
                while (c == null && queued && System.nanoTime() < deadline) {   // a connection on its way: it arrives
                    LockSupport.parkNanos(20_000);
                    c = l.ssc.accept();
                    spins++;
                }
                got.set(c);
                return c == null ? "null" : "accepted, blocking " + c.isBlocking();
            });
            if (got.get() != null) accepted(l, got.get(), null);
        } else {
            if (!queued && l.soTimeout == 0 && !l.closed) {
                int t = 2 + rnd.nextInt(5);   // milliseconds: nothing is on its way, so it runs out whatever its length
                call(l + ".setSoTimeout(" + t + ")", () -> {
                    l.ss.setSoTimeout(t);
                    return l.ss.getSoTimeout();
                });
                if (!l.closed) l.soTimeout = t;
            }
            AtomicReference<Socket> got = new AtomicReference<>();
            call(l + ".accept()", () -> {
                Socket s = l.ss.accept();
                got.set(s);
                return "accepted, SO_TIMEOUT " + s.getSoTimeout();
            });
            if (got.get() != null) accepted(l, null, got.get());
        }
    }

    private void accepted(Listener l, SocketChannel ch, Socket s) {
        End client = l.queue.poll();
        End e = new End();
        e.ch = ch;
        e.s = s;
        e.connected = true;
        e.listener = l;
        ends.add(e);
        if (client == null) {
            App.fail("call " + calls + ": " + l + " accepted a connection the model did not make");
            return;
        }
        client.queuedAt = null;
        client.peer = e;
        e.peer = client;
        e.pendingIn = client.queuedBytes;
        client.queuedBytes = 0;
        e.eofComing = client.closed || client.outShut;
        e.reset = client.closed && client.linger == 0;
        note("peer of " + client);
    }

    // --------------------------------------------------------------- read

    private void read(End e) throws Exception {
        if (!e.isChannel()) {
            netRead(e);
            return;
        }
        boolean scatter = rnd.nextInt(4) == 0;
        if (e.readMayHang() && e.blocking) {
            // nothing is on its way: only a non-blocking read may ask
            call(e + ".configureBlocking(false)", () -> e.ch.configureBlocking(false));
            e.blocking = e.ch.isBlocking();
            if (e.blocking) return;
        }
        if (scatter) {
            Fuzzed[] bufs = new Fuzzed[1 + rnd.nextInt(3)];
            for (int i = 0; i < bufs.length; i++) bufs[i] = Fuzzed.buffer(rnd, rnd.nextInt(MAX_IO / 4));
            int offset = rnd.nextInt(6) == 0 ? rnd.nextInt(bufs.length + 2) - 1 : rnd.nextInt(bufs.length);
            int length = rnd.nextInt(6) == 0 ? rnd.nextInt(bufs.length + 2) - 1 : rnd.nextInt(bufs.length - Math.max(0, Math.min(offset, bufs.length)) + 1);
            boolean valid = offset >= 0 && length >= 0 && offset + length <= bufs.length;
            long space = 0;
            if (valid) for (int i = offset; i < offset + length; i++) space += bufs[i].buf.remaining();
            long room = space;
            long want = Math.min(room, e.pendingIn);
            call("%s.read(%s, %d, %d)%s".formatted(e, Arrays.toString(bufs), offset, length, e.blocking ? "" : " non-blocking"), () -> {
                ByteBuffer[] bs = Arrays.stream(bufs).map(b -> b.buf).toArray(ByteBuffer[]::new);
                long total = 0;
                long deadline = System.nanoTime() + SPIN_LIMIT_NANOS;
                while (true) {
                    long n = e.ch.read(bs, offset, length);
                    if (n < 0) return total == 0 ? n : total;
                    total += n;
                    if (total >= want && (total > 0 || !expectsMore(e, want, room))) break;
                    if (System.nanoTime() > deadline) {
                        note("gave up waiting");
                        break;
                    }
                    spins++;
                    if (n == 0) LockSupport.parkNanos(20_000);
                }
                return total;
            });
            for (Fuzzed b : bufs) note(b.check(this));
            consumed(e, bufs);
        } else {
            Fuzzed b = rnd.nextInt(40) == 0 ? null : Fuzzed.buffer(rnd, rnd.nextInt(MAX_IO));
            long want = b == null ? 0 : Math.min(b.buf.remaining(), e.pendingIn);
            long room = b == null ? 0 : b.buf.remaining();
            call("%s.read(%s)%s".formatted(e, b, e.blocking ? "" : " non-blocking"), () -> {
                int total = 0;
                long deadline = System.nanoTime() + SPIN_LIMIT_NANOS;
                while (true) {
                    int n = e.ch.read(b == null ? null : b.buf);
                    if (n < 0) return total == 0 ? n : total;
                    total += n;
                    if (total >= want && (total > 0 || !expectsMore(e, want, room))) break;
                    if (System.nanoTime() > deadline) {
                        note("gave up waiting");
                        break;
                    }
                    spins++;
                    if (n == 0) LockSupport.parkNanos(20_000);
                }
                return total;
            });
            if (b != null) {
                note(b.check(this));
                consumed(e, new Fuzzed[] {b});
            }
        }
        note(state(e, true));
    }

    /**
     * Whether a read that so far got nothing must be asked again: an end of
     * stream or a reset is on its way (the model says so) and the buffers have
     * room, and the channel is non-blocking (a blocking read waits for it itself).
     */
    private static boolean expectsMore(End e, long want, long room) {
        if (room == 0 || e.closed || !e.connected || e.inShut) return false;
        return want > 0 || (e.pendingIn == 0 && (e.eofComing || e.reset));
    }

    private static void consumed(End e, Fuzzed[] bufs) {
        long got = 0;
        for (Fuzzed b : bufs) got += b.received();
        e.pendingIn = Math.max(0, e.pendingIn - got);
    }

    private void netRead(End e) throws Exception {
        if (e.readMayHang() && e.soTimeout == 0) {
            int t = 2 + rnd.nextInt(5);   // milliseconds: nothing is on its way, so it runs out whatever its length
            call(e + ".setSoTimeout(" + t + ")", () -> {
                e.s.setSoTimeout(t);
                return e.s.getSoTimeout();
            });
            if (e.s.isClosed()) return;
            e.soTimeout = t;
        }
        int kind = rnd.nextInt(4);
        long pending = e.pendingIn;
        boolean kept = rnd.nextBoolean();
        String stream = kept ? ".in." : ".getInputStream().";
        switch (kind) {
            case 0 -> {
                call(e + stream + "read()", () -> e.input(kept).read());
                if (lastSucceeded && lastResult instanceof Integer v && v >= 0) e.pendingIn = Math.max(0, e.pendingIn - 1);
            }
            case 1, 2 -> {
                Fuzzed a = Fuzzed.array(rnd, rnd.nextInt(MAX_IO));
                boolean nBytes = kind == 2;
                if (nBytes && a.len > pending && !e.eofComing && !e.reset && !e.inShut && e.connected && !e.closed) {
                    // readNBytes waits for all it asked (a time-out would lose what it got): ask for what is on its way
                    a = Fuzzed.array(rnd, (int) pending);
                }
                Fuzzed arr = a;
                long want = Math.min(Math.max(arr.len, 0), pending);
                call("%s%s%s(%s)".formatted(e, stream, nBytes ? "readNBytes" : "read", arr), () -> {
                    InputStream in = e.input(kept);
                    if (nBytes) {
                        int n = in.readNBytes(arr.array, arr.off, arr.len);
                        arr.advance(n);
                        return n;
                    }
                    int total = 0;
                    long deadline = System.nanoTime() + SPIN_LIMIT_NANOS;
                    while (true) {
                        int n = in.read(arr.array, arr.off, arr.len - total);
                        if (n < 0) return total == 0 ? n : total;
                        total += n;
                        arr.advance(n);
                        if (total >= want || System.nanoTime() > deadline) break;
                        spins++;
                    }
                    return total;
                });
                note(arr.check(this));
                e.pendingIn = Math.max(0, e.pendingIn - arr.received());
            }
            default -> call(e + stream + "available()", () -> e.input(kept).available());
        }
        note(state(e, true));
    }

    // -------------------------------------------------------------- write

    private void write(End e) throws Exception {
        long room = MAX_PENDING - e.pendingAtPeer();
        int size = (int) Math.max(0, Math.min(MAX_IO, room) > 0 ? rnd.nextInt((int) Math.min(MAX_IO, room) + 1) : 0);
        if (e.isChannel()) {
            boolean gather = rnd.nextInt(4) == 0;
            if (gather) {
                Fuzzed[] bufs = new Fuzzed[1 + rnd.nextInt(3)];
                for (int i = 0; i < bufs.length; i++) bufs[i] = Fuzzed.data(rnd, size / bufs.length);
                int offset = rnd.nextInt(8) == 0 ? -1 : 0;
                int length = rnd.nextInt(8) == 0 ? bufs.length + 1 : bufs.length;
                call("%s.write(%s, %d, %d)%s".formatted(e, Arrays.toString(bufs), offset, length, e.blocking ? "" : " non-blocking"),
                        () -> e.ch.write(Arrays.stream(bufs).map(b -> b.buf).toArray(ByteBuffer[]::new), offset, length));
                long sent = 0;
                for (Fuzzed b : bufs) {
                    note(b.checkUnchanged(this));
                    sent += b.sent();
                }
                sent(e, sent);
            } else {
                Fuzzed b = rnd.nextInt(40) == 0 ? null : Fuzzed.data(rnd, size);
                call("%s.write(%s)%s".formatted(e, b, e.blocking ? "" : " non-blocking"), () -> e.ch.write(b == null ? null : b.buf));
                if (b != null) {
                    note(b.checkUnchanged(this));
                    sent(e, b.sent());
                }
            }
        } else {
            int kind = rnd.nextInt(5);
            boolean kept = rnd.nextBoolean();
            String stream = kept ? ".out." : ".getOutputStream().";
            if (kind == 0) {
                int v = rnd.nextInt(256);
                call(e + stream + "write(" + v + ")", () -> {
                    e.output(kept).write(v);
                    return "written";
                });
                sent(e, lineSucceeded() ? 1 : 0);
            } else if (kind == 1) {
                call(e + stream + "flush()", () -> {
                    e.output(kept).flush();
                    return "flushed";
                });
            } else {
                Fuzzed a = Fuzzed.dataArray(rnd, size);
                call("%s%swrite(%s)".formatted(e, stream, a), () -> {
                    e.output(kept).write(a.array, a.off, a.len);
                    return "written";
                });
                note(a.checkUnchanged(this));
                sent(e, lineSucceeded() ? Math.max(0, a.len) : 0);
            }
        }
        note(state(e, true));
    }

    /** The last call's outcome, for the model. */
    private boolean lastSucceeded;
    private Object lastResult;

    private boolean lineSucceeded() {
        return lastSucceeded;
    }

    /** {@code n} bytes left {@code e}: they are on their way to its peer, or its queued connection. */
    private void sent(End e, long n) {
        if (n <= 0) return;
        if (e.peer != null) {
            if (e.peer.closed) {
                e.reset = true;   // the peer answers data with a reset
                settle = true;
            } else {
                e.peer.pendingIn += n;
            }
        } else if (e.queuedAt != null) {
            e.queuedBytes += n;
        }
    }

    // ------------------------------------------------------ shutdown, close

    private void shutdown(End e) throws Exception {
        boolean input = rnd.nextBoolean();
        call(e + (input ? ".shutdownInput()" : ".shutdownOutput()"), () -> {
            if (e.isChannel()) {
                if (input) e.ch.shutdownInput();
                else e.ch.shutdownOutput();
            } else {
                if (input) e.s.shutdownInput();
                else e.s.shutdownOutput();
            }
            return "done";
        });
        if (lastSucceeded) {
            if (input) {
                e.inShut = true;
            } else if (!e.outShut) {
                e.outShut = true;
                if (e.peer != null) e.peer.eofComing = true;
                settle = true;
            }
        }
        note(state(e, true));
    }

    private void close(End e) throws Exception {
        int how = e.isChannel() ? 0 : rnd.nextInt(3);
        call(e + new String[] {".close()", ".getInputStream().close()", ".getOutputStream().close()"}[how], () -> close(e, how));
    }

    /** Closes {@code e} through the channel, the socket, or one of the socket's streams ({@code how} 0, 1, 2). */
    private Object close(End e, int how) throws IOException {
        if (e.isChannel()) {
            e.ch.close();
        } else if (how == 1 && !e.s.isClosed() && e.s.isConnected()) {
            e.s.getInputStream().close();   // closes the socket
        } else if (how == 2 && !e.s.isClosed() && e.s.isConnected()) {
            e.s.getOutputStream().close();
        } else {
            e.s.close();
        }
        if (!e.closed) {
            e.closed = true;
            End p = e.peer;
            if (p != null) {
                p.eofComing = true;
                if (e.pendingIn > 0 || e.linger == 0 || e.reset) p.reset = true;   // unread bytes: a reset, not a FIN
                settle = true;
            }
            if (e.queuedAt != null) settle = true;
        }
        return state(e, false);
    }

    private Object closeListener(Listener l) throws IOException {
        if (l.isChannel()) l.ssc.close();
        else l.ss.close();
        l.closed = true;
        for (End c : l.queue) {
            c.reset = true;   // a queued connection is reset when its listener closes
            c.queuedAt = null;
        }
        if (!l.queue.isEmpty()) settle = true;
        l.queue.clear();
        return "closed";
    }

    // ------------------------------------------------------------- options

    private void option(End e) throws Exception {
        int k = rnd.nextInt(12);
        if (e.isChannel()) {
            switch (k) {
                case 0 -> setGet(e, StandardSocketOptions.TCP_NODELAY, rnd.nextBoolean());
                case 1 -> setGet(e, StandardSocketOptions.SO_KEEPALIVE, rnd.nextBoolean());
                case 2 -> {
                    int v = lingerValue();
                    setGet(e, StandardSocketOptions.SO_LINGER, v);
                    if (lastSucceeded) e.linger = v < 0 ? -1 : v;
                }
                case 3 -> setGet(e, StandardSocketOptions.SO_RCVBUF, bufferSize());
                case 4 -> setGet(e, StandardSocketOptions.SO_SNDBUF, bufferSize());
                case 5 -> setGet(e, StandardSocketOptions.SO_REUSEADDR, rnd.nextBoolean());
                case 6 -> setGet(e, StandardSocketOptions.IP_TOS, new int[] {0, 0x08, 0x10, 0x20}[rnd.nextInt(4)]);
                case 7 -> call(e + ".supportedOptions()", () -> e.ch.supportedOptions().stream().map(SocketOption::name).sorted().toList());
                case 8 -> adaptorTimeout(e);
                default -> {
                    SocketOption<?> o = List.of(StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.SO_LINGER,
                            StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_KEEPALIVE).get(rnd.nextInt(4));
                    call(e + ".getOption(" + o.name() + ")", () -> e.ch.getOption(o));
                }
            }
        } else {
            switch (k) {
                case 0 -> {
                    boolean v = rnd.nextBoolean();
                    call(e + ".setTcpNoDelay(" + v + ")", () -> {
                        e.s.setTcpNoDelay(v);
                        return e.s.getTcpNoDelay();
                    });
                }
                case 1 -> {
                    int v = lingerValue();
                    call(e + ".setSoLinger(" + (v >= 0) + ", " + Math.max(v, 0) + ")", () -> {
                        e.s.setSoLinger(v >= 0, Math.max(v, 0));
                        return e.s.getSoLinger();
                    });
                    if (lastSucceeded) e.linger = v < 0 ? -1 : v;
                }
                case 2 -> {
                    int v = rnd.nextInt(10) == 0 ? -1 - rnd.nextInt(3) : rnd.nextInt(3) == 0 ? 0 : 2 + rnd.nextInt(8);
                    call(e + ".setSoTimeout(" + v + ")", () -> {
                        e.s.setSoTimeout(v);
                        return e.s.getSoTimeout();
                    });
                    if (lastSucceeded) e.soTimeout = v;
                }
                case 3 -> {
                    int v = rnd.nextInt(8) == 0 ? -rnd.nextInt(2) : bufferSize();
                    call(e + ".setReceiveBufferSize(" + v + ")", () -> {
                        e.s.setReceiveBufferSize(v);
                        return e.s.getReceiveBufferSize();
                    });
                }
                case 4 -> {
                    int v = rnd.nextInt(8) == 0 ? -rnd.nextInt(2) : bufferSize();
                    call(e + ".setSendBufferSize(" + v + ")", () -> {
                        e.s.setSendBufferSize(v);
                        return e.s.getSendBufferSize();
                    });
                }
                case 5 -> {
                    boolean v = rnd.nextBoolean();
                    call(e + ".setKeepAlive(" + v + ")", () -> {
                        e.s.setKeepAlive(v);
                        return e.s.getKeepAlive();
                    });
                }
                case 6 -> {
                    boolean v = rnd.nextBoolean();
                    call(e + ".setOOBInline(" + v + ")", () -> {
                        e.s.setOOBInline(v);
                        return e.s.getOOBInline();
                    });
                }
                case 7 -> {
                    int v = new int[] {0, 0x08, 0x10, 0x20}[rnd.nextInt(4)];
                    call(e + ".setTrafficClass(" + v + ")", () -> {
                        e.s.setTrafficClass(v);
                        return e.s.getTrafficClass();
                    });
                }
                case 8 -> {
                    boolean v = rnd.nextBoolean();
                    call(e + ".setOption(TCP_NODELAY, " + v + ")", () -> {
                        e.s.setOption(StandardSocketOptions.TCP_NODELAY, v);
                        return e.s.getOption(StandardSocketOptions.TCP_NODELAY);
                    });
                }
                case 9 -> call(e + ".supportedOptions()", () -> e.s.supportedOptions().stream().map(SocketOption::name).sorted().toList());
                case 10 -> call(e + ".getReuseAddress()", () -> e.s.getReuseAddress());
                default -> {
                    boolean v = rnd.nextBoolean();
                    call(e + ".setReuseAddress(" + v + ")", () -> {
                        e.s.setReuseAddress(v);
                        return e.s.getReuseAddress();
                    });
                }
            }
        }
    }

    private int lingerValue() {
        int k = rnd.nextInt(10);
        return k < 4 ? -1 : k < 6 ? 0 : k == 9 && rnd.nextBoolean() ? 70_000 : 1 + rnd.nextInt(3);
    }

    /** Socket buffer sizes from 64 KiB, so that the model's bytes in flight always fit; sometimes invalid. */
    private int bufferSize() {
        return rnd.nextInt(10) == 0 ? -rnd.nextInt(2) : (64 + rnd.nextInt(192)) * 1024;
    }

    private <T> void setGet(End e, SocketOption<T> o, T v) throws Exception {
        call(e + ".setOption(" + o.name() + ", " + v + ")", () -> {
            e.ch.setOption(o, v);
            return e.ch.getOption(o);
        });
    }

    /** The channel's socket adaptor with a read time-out: the blocking read of the adaptor's stream, which only a blocking channel allows. */
    private void adaptorTimeout(End e) throws Exception {
        int t = 2 + rnd.nextInt(5);   // milliseconds: nothing is on its way, so it runs out whatever its length
        Fuzzed a = Fuzzed.array(rnd, (int) Math.min(e.pendingIn > 0 ? e.pendingIn : 64, 256));
        long want = Math.min(a.len, e.pendingIn);
        call("%s.socket() SO_TIMEOUT %d, getInputStream().read(%s)".formatted(e, t, a), () -> {
            Socket adaptor = e.ch.socket();
            adaptor.setSoTimeout(t);
            InputStream in = adaptor.getInputStream();
            int total = 0;
            long deadline = System.nanoTime() + SPIN_LIMIT_NANOS;
            while (true) {
                int n = in.read(a.array, a.off, a.len - total);
                if (n < 0) return total == 0 ? n : total;
                total += n;
                a.advance(n);
                if (total >= want || System.nanoTime() > deadline) break;
                spins++;
            }
            return total;
        });
        note(a.check(this));
        e.pendingIn = Math.max(0, e.pendingIn - a.received());
        note(state(e, true));
    }

    // ------------------------------------------------------ state, modes

    private void state(End e) throws Exception {
        call(e + " state", () -> state(e, false));
    }

    /** What the JDK's types say of the socket; with {@code quiet} only what a call may change. */
    private String state(End e, boolean quiet) {
        describing = e;
        try {
            if (e.isChannel()) {
                SocketChannel c = e.ch;
                String s = "open=" + c.isOpen() + " connected=" + c.isConnected() + " pending=" + c.isConnectionPending()
                        + " blocking=" + c.isBlocking() + " registered=" + c.isRegistered();
                if (quiet || !c.isOpen()) return s;
                return s + " local=" + describe(c.getLocalAddress()) + " remote=" + describe(c.getRemoteAddress())
                        + " adaptor " + socketState(c.socket());
            }
            return socketState(e.s);
        } catch (IOException | RuntimeException x) {
            return "state threw " + x.getClass().getName() + ": " + normalise(x.getMessage());
        } finally {
            describing = null;
        }
    }

    private String socketState(Socket s) {
        return "closed=" + s.isClosed() + " connected=" + s.isConnected() + " bound=" + s.isBound()
                + " inShut=" + s.isInputShutdown() + " outShut=" + s.isOutputShutdown()
                + " remote=" + describe(s.getRemoteSocketAddress()) + " local=" + describe(s.getLocalSocketAddress())
                + " port=" + (s.getPort() == 0 ? 0 : "p") + " localPort=" + (s.getLocalPort() > 0 ? "p" : s.getLocalPort());
    }

    private void blockingMode(End e) throws Exception {
        if (!e.isChannel()) {
            state(e);
            return;
        }
        boolean block = !e.blocking;
        call(e + ".configureBlocking(" + block + ")", () -> {
            e.ch.configureBlocking(block);
            return e.ch.isBlocking();
        });
        if (e.ch.isOpen()) e.blocking = e.ch.isBlocking();
    }

    // ---------------------------------------------------- guarded buffers

    /**
     * A buffer or array for one call, between {@value #GUARD} guard bytes.
     * The backing memory (a heap array or a direct buffer) holds the guards,
     * then the buffer's capacity; inside, only [position, limit) at the call
     * may change, and only for a read.
     */
    static final class Fuzzed {
        final ByteBuffer buf;
        final byte[] array;
        int off;
        final int len;
        private final byte[] heapBacking;
        private final ByteBuffer directBacking;
        private final int start, capacity;
        private final int posBefore, limitBefore;
        private final byte[] before;
        private final String desc;
        private int progressed;

        private Fuzzed(ByteBuffer buf, byte[] heapBacking, ByteBuffer directBacking, int start, int capacity,
                       byte[] array, int off, int len, String desc) {
            this.buf = buf;
            this.array = array;
            this.off = off;
            this.len = len;
            this.heapBacking = heapBacking;
            this.directBacking = directBacking;
            this.start = start;
            this.capacity = capacity;
            this.posBefore = buf != null ? buf.position() : off;
            this.limitBefore = buf != null ? buf.limit() : off + len;
            this.before = snapshot();
            this.desc = desc;
        }

        /** A buffer to read into: random kind, position and limit, filled with {@link #FRESH_BYTE}. */
        static Fuzzed buffer(Random rnd, int cap) {
            return make(rnd, cap, null);
        }

        /** A buffer to write from, holding random bytes between a random position and limit. */
        static Fuzzed data(Random rnd, int cap) {
            byte[] content = new byte[cap];
            rnd.nextBytes(content);
            return make(rnd, cap, content);
        }

        private static Fuzzed make(Random rnd, int cap, byte[] content) {
            int kind = rnd.nextInt(6);
            int total = cap + 2 * GUARD;
            ByteBuffer b;
            byte[] heap = null;
            ByteBuffer direct = null;
            String name;
            if (kind <= 2) {
                heap = new byte[total];
                Arrays.fill(heap, GUARD_BYTE);
                if (content != null) System.arraycopy(content, 0, heap, GUARD, cap);
                else Arrays.fill(heap, GUARD, GUARD + cap, FRESH_BYTE);
                b = ByteBuffer.wrap(heap, GUARD, cap).slice();
                name = "heap";
                if (kind == 2) {
                    b = b.asReadOnlyBuffer();
                    name = "heap read-only";
                }
            } else {
                direct = ByteBuffer.allocateDirect(total);
                for (int i = 0; i < total; i++) direct.put(i, GUARD_BYTE);
                for (int i = 0; i < cap; i++) direct.put(GUARD + i, content != null ? content[i] : FRESH_BYTE);
                b = direct.slice(GUARD, cap);
                name = "direct";
                if (kind == 5) {
                    b = b.asReadOnlyBuffer();
                    name = "direct read-only";
                }
            }
            int limit = cap == 0 ? 0 : rnd.nextInt(3) == 0 ? cap : rnd.nextInt(cap + 1);
            int position = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(limit + 1);
            b.limit(limit).position(position);
            return new Fuzzed(b, heap, direct, GUARD, cap, null, 0, 0,
                    name + "[" + position + "," + limit + "," + cap + "]");
        }

        /** A byte array to read into with a random, sometimes invalid, offset and length. */
        static Fuzzed array(Random rnd, int size) {
            return makeArray(rnd, size, null);
        }

        static Fuzzed dataArray(Random rnd, int size) {
            byte[] content = new byte[size];
            rnd.nextBytes(content);
            return makeArray(rnd, size, content);
        }

        private static Fuzzed makeArray(Random rnd, int size, byte[] content) {
            int extra = rnd.nextInt(16);
            byte[] a = new byte[size + 2 * GUARD + extra];
            Arrays.fill(a, GUARD_BYTE);
            int off = GUARD + rnd.nextInt(extra + 1);
            int len = size;
            if (rnd.nextInt(20) == 0) off = -1;
            else if (rnd.nextInt(20) == 0) len = a.length - off + 1;
            else if (rnd.nextInt(30) == 0) len = -1;
            if (off >= 0 && len > 0 && off + len <= a.length) {
                if (content != null) System.arraycopy(content, 0, a, off, Math.min(len, content.length));
                else Arrays.fill(a, off, off + len, FRESH_BYTE);
            }
            return new Fuzzed(null, a, null, 0, a.length, a, off, len, "byte[" + a.length + "]," + off + "," + len);
        }

        /** For a read repeated by the model: the array's next bytes go after what came. */
        void advance(int n) {
            progressed += n;
            off += n;
        }

        private byte[] snapshot() {
            if (heapBacking != null) return heapBacking.clone();
            byte[] copy = new byte[directBacking.capacity()];
            directBacking.get(0, copy);
            return copy;
        }

        /** Bytes a read put in: the buffer's advance, or what the calls on the array returned. */
        long received() {
            if (buf != null) return Math.max(0, buf.position() - posBefore);
            return progressed;
        }

        long sent() {
            return buf != null ? Math.max(0, buf.position() - posBefore) : -1;
        }

        /**
         * After a read: the guards and every byte outside [position, limit) at the
         * call unchanged; the position, limit and the CRC of the bytes received.
         */
        String check(SocketFuzz fuzz) {
            byte[] now = snapshot();
            int from = start + posBefore, to = start + limitBefore;
            if (buf == null) {
                from = off - progressed;
                to = len < 0 || from < 0 ? from : Math.min(now.length, from + len);
                if (from < 0) from = to = 0;
            }
            boolean guardsKept = true;
            for (int i = 0; i < now.length; i++) {
                if ((i < from || i >= to) && now[i] != before[i]) {
                    guardsKept = false;
                    break;
                }
            }
            if (!guardsKept) fuzz.guardChanges++;
            CRC32 crc = new CRC32();
            String figures;
            if (buf != null) {
                crc.update(now, from, Math.max(0, start + buf.position() - from));
                figures = "pos " + buf.position() + " lim " + buf.limit();
            } else {
                crc.update(now, from, Math.max(0, to - from));
                figures = "array got " + progressed;
            }
            return figures + " crc " + Long.toHexString(crc.getValue()) + (guardsKept ? "" : " GUARDS CHANGED");
        }

        /** After a write: nothing of the memory changed; the position and limit. */
        String checkUnchanged(SocketFuzz fuzz) {
            boolean same = Arrays.equals(snapshot(), before);
            if (!same) fuzz.guardChanges++;
            return (buf != null ? "pos " + buf.position() + " lim " + buf.limit() : "array")
                    + (same ? "" : " MEMORY CHANGED BY A WRITE");
        }

        @Override
        public String toString() {
            return desc;
        }
    }
}
