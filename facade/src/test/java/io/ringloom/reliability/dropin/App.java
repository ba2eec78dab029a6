package io.ringloom.reliability.dropin;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every scenario of the drop-in reliability suite shares on the child
 * JVM's side (issue 17): the mode it was started in, the line it prints, its
 * failures and its end-of-scenario check. The scenarios themselves are
 * applications that know only the JDK's types; what they ask of Ringloom
 * (the agent's status, the JVM-wide pool's counters) they ask by reflection,
 * so the same code runs in a JVM without the options.
 *
 * <p>The parent ({@code io.ringloom.reliability.DropInReliabilityIT}) starts
 * each child with {@code -Dringloom.dropin.mode=rings|refused|jdk}; it reads
 * {@link #READY} to restore {@code kernel.io_uring_disabled} as soon as a
 * refused child has settled, and the {@code result:} line for the verdict.
 */
public final class App {
    private App() {}

    /** How the parent started this JVM. */
    enum Mode {
        /** With the options of {@code ./ringloom jvm-flags}, io_uring available. */
        RINGS(""),
        /** With the options, and {@code kernel.io_uring_disabled=2} while the JVM started. */
        REFUSED(" (io_uring refused)"),
        /** Without the options: the plain JDK. */
        JDK(" (plain JDK)");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    static final Mode MODE = Mode.valueOf(System.getProperty("ringloom.dropin.mode", "jdk").toUpperCase());
    static final boolean LONG = Boolean.getBoolean("ringloom.stress");
    /** Printed once this JVM has made its JVM-wide pool and its first channels: the parent may restore the sysctl. */
    public static final String READY = "dropin-ready";
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private static final ConcurrentLinkedQueue<String> FAILURES = new ConcurrentLinkedQueue<>();

    static int scaled(int bounded, int longForm) {
        return LONG ? longForm : bounded;
    }

    static Duration scaled(Duration bounded, Duration longForm) {
        return LONG ? longForm : bounded;
    }

    static void fail(String what) {
        FAILURES.add(what);
    }

    static int failures() {
        return FAILURES.size();
    }

    /** {@code reliability/dropin-<name>[ (long form)][ (mode)]: ...}, as the in-process suite prints its lines. */
    static void report(String scenario, String format, Object... args) {
        System.out.printf("reliability/dropin-%s%s%s: %s%n", scenario, LONG ? " (long form)" : "", MODE.label,
                format.formatted(args));
        System.out.flush();
    }

    /** The last lines of the run: up to 10 failures, then {@code result: failures=N}, which the parent asserts. */
    static void finish() {
        FAILURES.stream().limit(10).forEach(f -> System.out.println("failure: " + f));
        System.out.println("result: failures=" + FAILURES.size());
        System.out.flush();
    }

    // ------------------------------------------------------------------ mode

    /**
     * Makes what the drop-in makes on first use (the JVM-wide pool, the file
     * provider's state, a socket of each kind, a selector), checks it is what
     * the mode promises, then prints {@link #READY}. In a refused JVM every
     * one of them has by then met the refusal and settled on the JDK's way.
     */
    static void settle(Path dir) throws Exception {
        AtomicReference<String> carrier = new AtomicReference<>();
        Thread.ofVirtual().start(() -> carrier.set(carrierOf(Thread.currentThread()))).join();
        Path probe = dir.resolve("settle");
        String fileChannel;
        try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            fileChannel = ch.getClass().getName();
        }
        Files.delete(probe);
        String socketChannel, serverChannel;
        try (ServerSocketChannel ss = ServerSocketChannel.open(); SocketChannel sc = SocketChannel.open()) {
            serverChannel = ss.getClass().getName();
            socketChannel = sc.getClass().getName();
        }
        try (Socket s = new Socket(); Selector sel = Selector.open()) {
            s.setTcpNoDelay(true);
            sel.selectNow();
        }
        Pipe p = Pipe.open();   // the JDK keeps one socket for good once its first channel closes: made now
        p.source().close();
        p.sink().close();

        String status = agentStatus();
        List<String> wrong = new ArrayList<>();
        switch (MODE) {
            case RINGS -> {
                expect(wrong, carrier.get().startsWith("ringloom-carrier-"), "virtual threads on " + carrier.get());
                expect(wrong, status.startsWith("Status[active=true"), "agent " + status);
                expect(wrong, fileChannel.equals("io.ringloom.internal.RingFileChannelImpl"), "FileChannel " + fileChannel);
                expect(wrong, socketChannel.equals("io.ringloom.net.RingSocketChannel"), "SocketChannel " + socketChannel);
                expect(wrong, serverChannel.equals("io.ringloom.net.RingServerSocketChannel"), "ServerSocketChannel " + serverChannel);
                expect(wrong, ioUringFds() > 0, "no io_uring fd");
            }
            case REFUSED -> {
                expect(wrong, carrier.get().startsWith("ForkJoinPool-"), "virtual threads on " + carrier.get());
                expect(wrong, status.startsWith("Status[active=false") && status.contains("EPERM"), "agent " + status);
                expect(wrong, socketChannel.equals("sun.nio.ch.SocketChannelImpl"), "SocketChannel " + socketChannel);
                expect(wrong, serverChannel.equals("sun.nio.ch.ServerSocketChannelImpl"), "ServerSocketChannel " + serverChannel);
                expect(wrong, ioUringFds() == 0, "io_uring fds: " + ioUringFds());
            }
            case JDK -> {
                expect(wrong, carrier.get().startsWith("ForkJoinPool-"), "virtual threads on " + carrier.get());
                expect(wrong, status.equals("no agent"), "agent " + status);
                expect(wrong, fileChannel.equals("sun.nio.ch.FileChannelImpl"), "FileChannel " + fileChannel);
                expect(wrong, socketChannel.equals("sun.nio.ch.SocketChannelImpl"), "SocketChannel " + socketChannel);
            }
        }
        System.out.println("mode " + MODE + ": carrier " + carrier.get() + ", " + status + ", FileChannel " + fileChannel
                + ", SocketChannel " + socketChannel);
        System.out.println(READY);
        System.out.flush();
        if (!wrong.isEmpty()) {
            fail("not the JVM mode " + MODE + " promises: " + wrong);
            finish();
            System.exit(1);
        }
    }

    private static void expect(List<String> wrong, boolean ok, String what) {
        if (!ok) wrong.add(what);
    }

    /** The carrier as {@code VirtualThread.toString()} shows it: {@code VirtualThread[#22]/runnable@CARRIER}. */
    static String carrierOf(Thread t) {
        String s = t.toString();
        return s.substring(s.lastIndexOf('@') + 1);
    }

    // ------------------------------------------------------- Ringloom, by name

    /** {@code RingloomAgent.status()}, or "no agent". */
    static String agentStatus() {
        try {
            return String.valueOf(Class.forName("io.ringloom.agent.RingloomAgent").getMethod("status").invoke(null));
        } catch (ReflectiveOperationException e) {
            return "no agent";
        }
    }

    /** {@code RingloomAgent.pool()}: the JVM-wide pool, if it runs. */
    private static Optional<Object> pool() {
        try {
            Optional<?> p = (Optional<?>) Class.forName("io.ringloom.agent.RingloomAgent").getMethod("pool").invoke(null);
            return p.map(o -> o);
        } catch (ReflectiveOperationException e) {
            return Optional.empty();
        }
    }

    private static Object call(Object target, String method) {
        try {
            Method m = target.getClass().getMethod(method);
            return m.invoke(target);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(method + " of " + target, e);
        }
    }

    /** The JVM-wide pool's carriers; 0 without one. */
    static int carriers() {
        return pool().map(p -> ((List<?>) call(p, "stats")).size()).orElse(0);
    }

    /** Requests between their SQE and their CQE now, over the JVM-wide pool's carriers; 0 without one. */
    static long inFlight() {
        return pool().map(p -> ((List<?>) call(p, "stats")).stream().mapToLong(s -> (long) call(s, "inFlight")).sum())
                .orElse(0L);
    }

    /** CQEs the JVM-wide pool reaped so far; -1 without one. */
    static long cqesReaped() {
        return pool().map(p -> ((List<?>) call(p, "stats")).stream().mapToLong(s -> (long) call(s, "cqesReaped")).sum())
                .orElse(-1L);
    }

    /** Why carriers of the JVM-wide pool died; empty without one. */
    static List<String> carrierFailures() {
        return pool().map(p -> ((List<?>) call(p, "carrierFailures")).stream().map(String::valueOf).toList())
                .orElse(List.of());
    }

    /** A thread's entry in a JSON thread dump begins at its tid; its other fields follow, in an order that varies. */
    private static final Pattern DUMPED_TID = Pattern.compile("\"tid\": \"(\\d+)\"");
    private static final Pattern DUMPED_NAME = Pattern.compile("\"name\": \"([^\"]*)\"");
    private static final Pattern DUMPED_STATE = Pattern.compile("\"state\": \"([^\"]*)\"");
    private static final Pattern DUMPED_STACK = Pattern.compile("\"stack\": \\[([^\\]]*)\\]");
    private static final Pattern DUMPED_CARRIER = Pattern.compile("\"carrier\": \"(\\d+)\"");

    /**
     * What each carrier thread of the JVM-wide pool is doing, for a failure's
     * message: its state and the virtual thread mounted on it (with its top
     * frames), or its own top frames, then each carrier's counters. The whole
     * thread dump (virtual threads too) goes to {@code dir/name} as JSON.
     */
    static String carrierReport(Path dir, String name) {
        Path file = dir.resolve(name).toAbsolutePath();   // dumpThreads takes absolute paths only
        String json;
        try {
            Files.deleteIfExists(file);
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            json = Files.readString(file);
        } catch (IOException e) {
            return " (no thread dump: " + e + ")";
        }
        record Dumped(String tid, String name, String state, List<String> top, String carrier) {}
        List<Dumped> threads = new ArrayList<>();
        Matcher tids = DUMPED_TID.matcher(json);
        List<Integer> starts = new ArrayList<>();
        while (tids.find()) starts.add(tids.start());
        for (int i = 0; i < starts.size(); i++) {
            String entry = json.substring(starts.get(i), i + 1 < starts.size() ? starts.get(i + 1) : json.length());
            Matcher tidOf = DUMPED_TID.matcher(entry), nameOf = DUMPED_NAME.matcher(entry),
                    stateOf = DUMPED_STATE.matcher(entry), stackOf = DUMPED_STACK.matcher(entry),
                    carrierOf = DUMPED_CARRIER.matcher(entry);
            if (!tidOf.lookingAt() || !nameOf.find() || !stateOf.find() || !stackOf.find()) continue;
            List<String> top = stackOf.group(1).lines().map(l -> l.strip().replaceAll("^\"|\",?$", "").replace("\\/", "/"))
                    .filter(l -> !l.isEmpty()).limit(6).toList();
            threads.add(new Dumped(tidOf.group(1), nameOf.group(1), stateOf.group(1), top,
                    carrierOf.find() ? carrierOf.group(1) : null));
        }
        StringBuilder sb = new StringBuilder(" thread dump in " + file + "; carriers:");
        threads.stream().filter(t -> t.name().contains("-carrier-")).sorted(Comparator.comparing(Dumped::name))
                .forEach(c -> {
                    sb.append("\n  ").append(c.name()).append(' ').append(c.state());
                    Optional<Dumped> mounted = threads.stream().filter(v -> c.tid().equals(v.carrier())).findFirst();
                    if (mounted.isPresent()) {
                        sb.append(", running ").append(mounted.get().name()).append(": ").append(mounted.get().top());
                    } else {
                        sb.append(": ").append(c.top().subList(0, Math.min(3, c.top().size())));
                    }
                });
        pool().ifPresent(p -> ((List<?>) call(p, "stats")).forEach(s -> sb.append("\n  ").append(s)));
        return sb.toString();
    }

    // -------------------------------------------------------------- fds

    /**
     * This process's fds and what they point at, leaving out what the JVM
     * opens for itself as classes load (jars, the module image, libraries),
     * the JDK poller's epoll fds and its random sources (as {@code ProcFds}).
     */
    static Map<Integer, String> fds() {
        Map<Integer, String> fds = new TreeMap<>();
        try (var entries = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (IOException e) {
                    continue;   // the listing's own fd, closed by now
                }
                if (target.endsWith(".jar") || target.endsWith(".jmod") || target.endsWith("/lib/modules")
                        || target.endsWith(".so") || (target.startsWith("/proc/") && target.endsWith("/fd"))
                        || target.equals("anon_inode:[eventpoll]")
                        || target.equals("/dev/random") || target.equals("/dev/urandom")) {
                    continue;
                }
                fds.put(Integer.parseInt(p.getFileName().toString()), target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }

    static long ioUringFds() {
        return fds().values().stream().filter(t -> t.equals("anon_inode:[io_uring]")).count();
    }

    /** The fds open now that were not in {@code before}; empty when none leaked. */
    static Map<Integer, String> leakedSince(Map<Integer, String> before) {
        Map<Integer, String> now = fds();
        now.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
        return now;
    }

    /**
     * The end-of-scenario check of the in-process suite: within 20 s no
     * request is in flight and no fd is left that was not open before; no
     * carrier died; a refused JVM never made a ring.
     */
    static void checkEnd(String scenario, Map<Integer, String> fdsBefore) {
        checkEnd(scenario, fdsBefore, target -> null);
    }

    /**
     * As {@link #checkEnd(String, Map)}, except that in a JVM whose sockets
     * are the JDK's own ({@link Mode#REFUSED}, {@link Mode#JDK}) a leaked fd
     * for which {@code jdkLeak} gives a reason is a leak of the plain JDK's:
     * it is reported, not failed, since scenario 6 asks only that the
     * application behave as on the plain JDK. With rings every leak fails.
     *
     * @return how many leaked fds were the JDK's
     */
    static int checkEnd(String scenario, Map<Integer, String> fdsBefore, Function<String, String> jdkLeak) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Map<Integer, String> leaked = leakedSince(fdsBefore);
        Map<Integer, String> jdks = new TreeMap<>();
        long inFlight = inFlight();
        while (true) {
            jdks.clear();
            if (MODE != Mode.RINGS) {
                leaked.forEach((fd, target) -> {
                    String why = jdkLeak.apply(target);
                    if (why != null) jdks.put(fd, target + " (" + why + ")");
                });
            }
            boolean clean = leaked.size() == jdks.size() && inFlight == 0;
            if (clean || System.nanoTime() >= deadline) break;
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            leaked = leakedSince(fdsBefore);
            inFlight = inFlight();
        }
        leaked.keySet().removeAll(jdks.keySet());
        if (!jdks.isEmpty()) System.out.println(scenario + ": fds the plain JDK leaked: " + jdks);
        if (!leaked.isEmpty()) fail(scenario + ": fds leaked: " + describe(leaked));
        if (inFlight != 0) fail(scenario + ": requests still in flight: " + inFlight);
        List<String> died = carrierFailures();
        if (!died.isEmpty()) fail(scenario + ": carriers died: " + died);
        if (MODE != Mode.RINGS && ioUringFds() != 0) fail(scenario + ": io_uring fds in a JVM without rings: " + ioUringFds());
        return jdks.size();
    }

    /** Leaked fds with, for a TCP socket, its ports and state from {@code /proc/self/net}. */
    private static Map<Integer, String> describe(Map<Integer, String> fds) {
        Map<Integer, String> described = new TreeMap<>();
        fds.forEach((fd, target) -> {
            String tcp = tcpSocket(target);
            described.put(fd, tcp == null ? target : target + " " + tcp);
        });
        return described;
    }

    /**
     * For an fd target {@code socket:[INODE]}, its TCP entry as
     * "local port L, remote port R, state S" (S the kernel's hex state:
     * 01 established, 08 close-wait, 0A listen), read from
     * {@code /proc/self/net/tcp} and {@code tcp6} (fields: sl, local, remote,
     * st, ..., inode at index 9; addresses are hex "ADDR:PORT"); null when the
     * target is no TCP socket this network namespace lists.
     */
    static String tcpSocket(String target) {
        if (!target.startsWith("socket:[") || !target.endsWith("]")) return null;
        String inode = target.substring("socket:[".length(), target.length() - 1);
        for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue;   // no IPv6 in this kernel
            }
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[9].equals(inode)) {
                    return "local port " + port(f[1]) + ", remote port " + port(f[2]) + ", state " + f[3];
                }
            }
        }
        return null;
    }

    /** The local and remote port of a TCP socket fd target as "L:R", or null (see {@link #tcpSocket}). */
    static String tcpPorts(String target) {
        String tcp = tcpSocket(target);
        if (tcp == null) return null;
        String[] f = tcp.split(", ");
        return f[0].substring("local port ".length()) + ":" + f[1].substring("remote port ".length());
    }

    private static int port(String hexAddress) {
        return Integer.parseInt(hexAddress.substring(hexAddress.lastIndexOf(':') + 1), 16);
    }

    static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(LOOPBACK, port);
    }

    /** Arguments after the scenario's name: {@code --dir PATH} and the scenario's own. */
    static Path dir(String[] args) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--dir")) return Path.of(args[i + 1]);
        }
        throw new IllegalArgumentException("no --dir in " + List.of(args));
    }

    static String arg(String[] args, String name, String otherwise) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) return args[i + 1];
        }
        return otherwise;
    }
}
