package io.ringloom.reliability.dropin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;

/**
 * Scenario 3 of issue 17: in one JVM, under load, a selector-based echo
 * server ({@code Selector.open()}, the drop-in's delegating selector, with
 * a JDK pipe registered beside the sockets) and thread-per-connection echo
 * servers on blocking {@code ServerSocketChannel} and {@code ServerSocket},
 * with clients of both kinds on virtual threads. While the selector thread
 * selects, a churn thread cancels keys, closes channels and asks registered
 * channels to become blocking; the selector thread also hands connections to
 * virtual threads that switch them to blocking mode (after the key's
 * deregistration), echo through the rings, and switch them back and
 * register them again while it selects.
 *
 * <p>What must hold: nothing hangs (each client makes progress, the selector
 * wakes up and stops); no selected key is for a channel closed, or a key
 * cancelled, before the selection began; a key whose channel's close has
 * returned is invalid; a registered channel refuses blocking mode
 * ({@code IllegalBlockingModeException}); every echoed byte is right (CRC-32),
 * and a client's connection ends early only when the churn closed it.
 */
final class SelectorMix {
    private static final int SELECTOR_CLIENTS = 16;
    private static final int BLOCKING_CLIENTS = 16;
    private static final int MESSAGE_MAX = 16 * 1024;
    private static final long HANG_NANOS = TimeUnit.SECONDS.toNanos(20);

    private final Selector selector;
    /** Ends the churn, the clients and the blocking turns. */
    private volatile boolean stop;
    /** Ends the selections, once the clients are done. */
    private volatile boolean selectorStop;
    /** Incremented after each churn action returned, and read before each selection. */
    private final AtomicLong clock = new AtomicLong();
    /** When (on {@link #clock}) the churn's close or cancel of a channel had returned. */
    private final Map<SelectableChannel, Long> closedAt = new ConcurrentHashMap<>();
    private final Map<SelectionKey, Long> cancelledAt = new ConcurrentHashMap<>();
    /** Remote ports of the selector server's connections the churn closed: their clients may end early. */
    private final Set<Integer> churnClosedPorts = ConcurrentHashMap.newKeySet();
    /** Connections handed back by blocking handlers, to be registered again by the selector thread. */
    private final ConcurrentLinkedQueue<Conn> handedBack = new ConcurrentLinkedQueue<>();
    /** The selector-mode connections, for the churn to pick from; written by the selector thread. */
    private final List<Conn> selectable = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final LongAdder selections = new LongAdder(), keysSelected = new LongAdder(), spurious = new LongAdder();
    private final LongAdder cancels = new LongAdder(), closes = new LongAdder(), refusedSwitches = new LongAdder();
    private final LongAdder handOffs = new LongAdder(), blockingEchoes = new LongAdder(), pipeReads = new LongAdder();
    private final LongAdder exchanges = new LongAdder(), bytes = new LongAdder(), endedByChurn = new LongAdder();
    private final Map<Thread, Long> progress = new ConcurrentHashMap<>();

    private SelectorMix() throws IOException {
        selector = Selector.open();
    }

    static void main(String scenario, String[] args) throws Exception {
        Path dir = App.dir(args);
        App.settle(dir);
        Duration length = App.scaled(Duration.ofSeconds(Integer.parseInt(App.arg(args, "--seconds", "5"))),
                Duration.ofMinutes(2));
        Map<Integer, String> before = App.fds();
        new SelectorMix().run(scenario, length);
        App.checkEnd(scenario, before);
        App.finish();
    }

    /** One connection of the selector server; its buffer holds what is still to be echoed. */
    private final class Conn {
        final SocketChannel ch;
        final int remotePort;
        final ByteBuffer pending = ByteBuffer.allocate(MESSAGE_MAX);
        volatile SelectionKey key;
        /** Owned by a blocking handler: the selector thread leaves it alone. */
        volatile boolean handedOff;

        Conn(SocketChannel ch) throws IOException {
            this.ch = ch;
            this.remotePort = ((InetSocketAddress) ch.getRemoteAddress()).getPort();
            pending.flip();
        }
    }

    private void run(String scenario, Duration length) throws Exception {
        ServerSocketChannel selectorListener = ServerSocketChannel.open().bind(App.loopback(0), 256);
        selectorListener.configureBlocking(false);
        selectorListener.register(selector, SelectionKey.OP_ACCEPT);
        Pipe pipe = Pipe.open();
        pipe.source().configureBlocking(false);
        pipe.source().register(selector, SelectionKey.OP_READ, pipe);
        Thread selecting = Thread.ofPlatform().name("selector").start(() -> selectLoop(selectorListener));

        ExecutorService blockingServers = Executors.newVirtualThreadPerTaskExecutor();
        ServerSocketChannel channelServer = ServerSocketChannel.open().bind(App.loopback(0), 256);
        ServerSocket netServer = new ServerSocket(0, 256, App.LOOPBACK);
        blockingServers.submit(() -> acceptBlocking(channelServer, blockingServers));
        blockingServers.submit(() -> acceptBlocking(netServer, blockingServers));

        InetSocketAddress selectorAddress = (InetSocketAddress) selectorListener.getLocalAddress();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < SELECTOR_CLIENTS; i++) {
            boolean channel = i % 2 == 0;
            clients.add(Thread.ofVirtual().name("selector-client-" + i).start(() -> clientLoop(selectorAddress, channel, true)));
        }
        for (int i = 0; i < BLOCKING_CLIENTS; i++) {
            boolean channel = i % 2 == 0;
            InetSocketAddress to = i % 4 < 2 ? (InetSocketAddress) channelServer.getLocalAddress()
                    : (InetSocketAddress) netServer.getLocalSocketAddress();
            clients.add(Thread.ofVirtual().name("blocking-client-" + i).start(() -> clientLoop(to, channel, false)));
        }
        Thread churn = Thread.ofPlatform().name("churn").start(() -> churn(pipe));

        long end = System.nanoTime() + length.toNanos();
        while (System.nanoTime() < end && App.failures() < 10) {
            Thread.sleep(200);
            long now = System.nanoTime();
            for (Map.Entry<Thread, Long> p : progress.entrySet()) {
                if (now - p.getValue() > HANG_NANOS && p.getKey().isAlive()) {
                    App.fail(p.getKey().getName() + " made no progress for 20 s: " + Arrays.toString(p.getKey().getStackTrace()));
                    progress.remove(p.getKey());
                }
            }
        }
        stop = true;
        churn.join();
        for (Thread c : clients) {
            if (!c.join(Duration.ofSeconds(30))) App.fail(c.getName() + " still running 30 s after the end: "
                    + Arrays.toString(c.getStackTrace()));
        }
        long wake = System.nanoTime();
        selectorStop = true;
        selector.wakeup();
        if (!selecting.join(Duration.ofSeconds(10))) {
            App.fail("the selector thread did not stop 10 s after a wakeup: " + Arrays.toString(selecting.getStackTrace()));
        }
        long wakeMillis = (System.nanoTime() - wake) / 1_000_000;
        channelServer.close();
        netServer.close();
        blockingServers.shutdown();
        if (!blockingServers.awaitTermination(20, TimeUnit.SECONDS)) App.fail("blocking handlers still running");
        selectorListener.close();
        pipe.sink().close();
        pipe.source().close();
        selector.close();

        App.report(scenario, "%d s; a Selector.open() selector (%,d selections, %,d keys selected, %,d of them with nothing "
                        + "to read) beside blocking servers; while selecting: %,d keys cancelled, %,d channels closed, "
                        + "%,d switches to blocking mode refused for registered channels, %,d connections handed to "
                        + "blocking mode and back (%,d blocking echoes); %,d pipe reads; %,d exchanges (%,d MiB) checked, "
                        + "%,d connections ended by the churn; selector stopped %d ms after its wakeup; %d failures",
                length.toSeconds(), selections.sum(), keysSelected.sum(), spurious.sum(), cancels.sum(), closes.sum(),
                refusedSwitches.sum(), handOffs.sum(), blockingEchoes.sum(), pipeReads.sum(), exchanges.sum(),
                bytes.sum() >> 20, endedByChurn.sum(), wakeMillis, App.failures());
        if (exchanges.sum() < 100) App.fail("only " + exchanges.sum() + " exchanges");
        if (cancels.sum() == 0 || closes.sum() == 0 || handOffs.sum() == 0 || refusedSwitches.sum() == 0) {
            App.fail("the churn did not do everything: cancels " + cancels.sum() + ", closes " + closes.sum()
                    + ", hand-offs " + handOffs.sum() + ", refused switches " + refusedSwitches.sum());
        }
    }

    // ------------------------------------------------------------ selector

    private void selectLoop(ServerSocketChannel listener) {
        List<Conn> mine = new ArrayList<>();
        try {
            while (!selectorStop) {
                long start = clock.get();
                selector.select();
                selections.increment();
                Set<SelectionKey> selected = selector.selectedKeys();
                for (SelectionKey k : selected) {
                    keysSelected.increment();
                    Long closed = closedAt.get(k.channel());
                    Long cancelled = cancelledAt.get(k);
                    if (closed != null && closed <= start) {
                        App.fail("a key selected for a channel closed before the selection began: " + k.channel());
                    }
                    if (cancelled != null && cancelled <= start) App.fail("a key cancelled before the selection was selected");
                    if (closed != null && k.isValid()) App.fail("a valid key for a channel whose close returned: " + k.channel());
                    if (!k.isValid()) continue;
                    try {
                        if (k.isAcceptable()) accept(listener, mine);
                        else if (k.attachment() instanceof Pipe p) readPipe(p);
                        else if (k.attachment() instanceof Conn c) serve(c, k);
                    } catch (CancelledKeyException e) {
                        // the churn cancelled it meanwhile: registered again below
                    }
                }
                selected.clear();
                reRegister(mine);
            }
        } catch (Throwable e) {
            App.fail("selector thread: " + e);
            e.printStackTrace(System.out);
        } finally {
            for (Conn c : mine) {
                try {
                    c.ch.close();
                } catch (IOException e) {
                    App.fail("close: " + e);
                }
            }
        }
    }

    private void accept(ServerSocketChannel listener, List<Conn> mine) throws IOException {
        SocketChannel ch;
        while ((ch = listener.accept()) != null) {
            ch.configureBlocking(false);
            Conn c = new Conn(ch);
            c.key = ch.register(selector, SelectionKey.OP_READ, c);
            mine.add(c);
            selectable.add(c);
        }
    }

    private void readPipe(Pipe p) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64);
        while (p.source().read(b.clear()) > 0) pipeReads.increment();
    }

    /** Echoes what can be read and written now; sometimes hands the connection to a blocking handler. */
    private void serve(Conn c, SelectionKey k) {
        try {
            if (!c.pending.hasRemaining()) {
                c.pending.clear();
                int n = c.ch.read(c.pending);
                c.pending.flip();
                if (n < 0) {
                    close(c);
                    return;
                }
                if (n == 0 && k.isReadable()) spurious.increment();
            }
            c.ch.write(c.pending);
            if (c.pending.hasRemaining()) {
                k.interestOps(SelectionKey.OP_WRITE);
            } else {
                k.interestOps(SelectionKey.OP_READ);
                if (ThreadLocalRandom.current().nextInt(20) == 0) handOff(c, k);
            }
        } catch (CancelledKeyException e) {
            throw e;
        } catch (IOException e) {
            // the churn closed it, or its client went
            close(c);
        }
    }

    private void close(Conn c) {
        try {
            c.ch.close();
        } catch (IOException e) {
            App.fail("close: " + e);
        }
        selectable.remove(c);
    }

    /**
     * Cancels the key and gives the connection to a virtual thread, which
     * waits for the deregistration (the next selection), echoes a few
     * messages in blocking mode, switches back and hands it back.
     */
    private void handOff(Conn c, SelectionKey k) {
        c.handedOff = true;
        selectable.remove(c);
        k.cancel();
        handOffs.increment();
        selector.wakeup();
        Thread.ofVirtual().start(() -> blockingTurn(c));
    }

    private void blockingTurn(Conn c) {
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (c.ch.isRegistered() && System.nanoTime() < deadline) LockSupport.parkNanos(100_000);
            if (c.ch.isRegistered()) {
                App.fail("a cancelled key was not deregistered 10 s later");
                return;
            }
            c.ch.configureBlocking(true);
            ByteBuffer b = ByteBuffer.allocateDirect(MESSAGE_MAX);
            int turns = 1 + ThreadLocalRandom.current().nextInt(4);
            for (int i = 0; i < turns && !stop; i++) {
                if (c.ch.read(b.clear()) < 0) {
                    c.ch.close();
                    return;
                }
                b.flip();
                while (b.hasRemaining()) c.ch.write(b);
                blockingEchoes.increment();
            }
            c.ch.configureBlocking(false);
            handedBack.add(c);
            selector.wakeup();
        } catch (IOException e) {
            // the client went, or stop came
            try {
                c.ch.close();
            } catch (IOException again) {
                App.fail("close: " + again);
            }
        }
    }

    /** Registers again what the churn cancelled (its keys are gone now, after the selection) and what came back. */
    private void reRegister(List<Conn> mine) {
        Conn back;
        while ((back = handedBack.poll()) != null) {
            back.handedOff = false;
            selectable.add(back);
        }
        for (java.util.Iterator<Conn> it = mine.iterator(); it.hasNext(); ) {
            Conn c = it.next();
            if (!c.ch.isOpen()) {
                it.remove();
                selectable.remove(c);
                continue;
            }
            if (c.handedOff || (c.key != null && c.key.isValid())) continue;
            try {
                int ops = c.pending.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ;
                c.key = c.ch.register(selector, ops, c);
            } catch (CancelledKeyException | IllegalBlockingModeException e) {
                // not yet deregistered, or the churn's switch is being undone: next time
            } catch (ClosedChannelException e) {
                it.remove();
                selectable.remove(c);
            }
        }
    }

    // ---------------------------------------------------------------- churn

    /** Cancels keys, closes channels, asks for blocking mode and writes to the pipe, all while the selector selects. */
    private void churn(Pipe pipe) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        ByteBuffer one = ByteBuffer.allocate(1);
        try {
            while (!stop) {
                LockSupport.parkNanos(rnd.nextLong(200_000, 2_000_000));
                List<Conn> now = List.copyOf(selectable);
                if (now.isEmpty()) continue;
                Conn c = now.get(rnd.nextInt(now.size()));
                SelectionKey k = c.key;
                int action = rnd.nextInt(10);
                if (action < 4 && k != null && k.isValid()) {
                    k.cancel();
                    cancelledAt.put(k, clock.incrementAndGet());
                    cancels.increment();
                } else if (action < 5) {
                    churnClosedPorts.add(c.remotePort);
                    c.ch.close();
                    closedAt.put(c.ch, clock.incrementAndGet());
                    closes.increment();
                } else if (action < 8 && k != null && k.isValid() && !c.handedOff) {
                    try {
                        c.ch.configureBlocking(true);
                        // not registered after all (a cancel or close raced this): undo it
                        c.ch.configureBlocking(false);
                    } catch (IllegalBlockingModeException e) {
                        refusedSwitches.increment();
                    } catch (ClosedChannelException e) {
                        // closed meanwhile
                    }
                } else {
                    pipe.sink().write(one.clear());
                }
                selector.wakeup();
            }
        } catch (Throwable e) {
            App.fail("churn: " + e);
            e.printStackTrace(System.out);
        }
    }

    // ------------------------------------------------------------ blocking

    private void acceptBlocking(ServerSocketChannel server, ExecutorService handlers) {
        try {
            while (true) {
                SocketChannel c = server.accept();
                handlers.submit(() -> {
                    try (c) {
                        ByteBuffer b = ByteBuffer.allocate(MESSAGE_MAX);
                        while (c.read(b.clear()) >= 0) {
                            b.flip();
                            while (b.hasRemaining()) c.write(b);
                        }
                    } catch (IOException e) {
                        if (!stop) App.fail("blocking channel echo: " + e);
                    }
                });
            }
        } catch (ClosedChannelException e) {
            // closed at the end
        } catch (IOException e) {
            App.fail("blocking channel acceptor: " + e);
        }
    }

    private void acceptBlocking(ServerSocket server, ExecutorService handlers) {
        try {
            while (true) {
                Socket s = server.accept();
                handlers.submit(() -> {
                    try (s) {
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        byte[] b = new byte[MESSAGE_MAX];
                        int n;
                        while ((n = in.read(b)) >= 0) out.write(b, 0, n);
                    } catch (IOException e) {
                        if (!stop) App.fail("blocking socket echo: " + e);
                    }
                });
            }
        } catch (IOException e) {
            if (!server.isClosed()) App.fail("blocking socket acceptor: " + e);
        }
    }

    // ------------------------------------------------------------- clients

    /** Connections of 1-20 checked echoes each, until stop; the churn may end a selector-server connection early. */
    private void clientLoop(InetSocketAddress to, boolean channel, boolean churned) {
        Thread me = Thread.currentThread();
        progress.put(me, System.nanoTime());
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        try {
            while (!stop) {
                int localPort = -1;
                try (SocketChannel ch = channel ? SocketChannel.open(to) : null;
                     Socket s = channel ? null : new Socket(to.getAddress(), to.getPort())) {
                    localPort = channel ? ((InetSocketAddress) ch.getLocalAddress()).getPort() : s.getLocalPort();
                    if (s != null) s.setSoTimeout((int) TimeUnit.NANOSECONDS.toMillis(HANG_NANOS));
                    int messages = rnd.nextInt(1, 21);
                    for (int m = 0; m < messages && !stop; m++) {
                        byte[] data = new byte[rnd.nextInt(1, MESSAGE_MAX + 1)];
                        rnd.nextBytes(data);
                        byte[] back = new byte[data.length];
                        if (channel) {
                            ByteBuffer out = ByteBuffer.wrap(data);
                            while (out.hasRemaining()) ch.write(out);
                            ByteBuffer in = ByteBuffer.wrap(back);
                            while (in.hasRemaining()) {
                                if (ch.read(in) < 0) throw new IOException("EOF after " + in.position() + " of " + data.length);
                            }
                        } else {
                            s.getOutputStream().write(data);
                            int got = s.getInputStream().readNBytes(back, 0, back.length);
                            if (got < back.length) throw new IOException("EOF after " + got + " of " + data.length);
                        }
                        if (crc(back) != crc(data)) App.fail(me.getName() + ": an echo came back different");
                        exchanges.increment();
                        bytes.add(2L * data.length);
                        progress.put(me, System.nanoTime());
                    }
                } catch (SocketTimeoutException e) {
                    App.fail(me.getName() + ": no echo for 20 s");
                } catch (IOException e) {
                    if (churned && wasClosedByChurn(localPort)) {
                        endedByChurn.increment();
                    } else {
                        App.fail(me.getName() + ": " + e);
                    }
                }
                progress.put(me, System.nanoTime());
            }
        } finally {
            progress.remove(me);
        }
    }

    /** Whether the churn closed the server's end of the connection from {@code localPort}; it records that before it closes. */
    private boolean wasClosedByChurn(int localPort) {
        return localPort > 0 && churnClosedPorts.contains(localPort);
    }

    private static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }
}
