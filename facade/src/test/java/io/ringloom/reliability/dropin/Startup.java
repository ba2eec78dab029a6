package io.ringloom.reliability.dropin;

import com.sun.tools.attach.VirtualMachine;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketImpl;
import java.net.SocketImplFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * Scenario 5 of issue 17, start-up and shutdown, one case per child JVM:
 * <ul>
 * <li>{@code vthreads-before-agent}: virtual threads started before {@code main}, by an
 *     agent listed before Ringloom's ({@link EarlyAgent}), keep running through
 *     Ringloom's start-up on the JDK's scheduler; the ones {@code main} starts run
 *     on Ringloom's carriers;</li>
 * <li>{@code agent-attached-later}: an application that set its own {@code Socket} factory and
 *     started virtual threads, then loads Ringloom's agent into itself
 *     (the Attach API): its factory is kept, its threads go on, new threads move;</li>
 * <li>{@code own-socket-factory}: an application that sets its own {@code Socket} and
 *     {@code ServerSocket} factories after Ringloom's agent installed its own: they
 *     replace Ringloom's, and sockets of both kinds work side by side;</li>
 * <li>{@code exit-under-traffic}: {@code System.exit} while traffic is in flight, from the main
 *     thread, from a virtual thread, or with a shutdown hook that does I/O on a
 *     virtual thread: the JVM ends with the status asked, after the hook.</li>
 * </ul>
 */
final class Startup {
    private Startup() {}

    static void main(String scenario, String[] args) throws Exception {
        Path dir = App.dir(args);
        switch (scenario) {
            case "vthreads-before-agent" -> earlyThreads(scenario, dir);
            case "agent-attached-later" -> attach(scenario, dir, Path.of(App.arg(args, "--agent-jar", "")));
            case "own-socket-factory" -> ownFactory(scenario, dir);
            case "exit-under-traffic" -> exit(dir, Integer.parseInt(App.arg(args, "--variant", "0")),
                    Integer.parseInt(App.arg(args, "--status", "0")));
            default -> throw new IllegalArgumentException("no start-up case " + scenario);
        }
    }

    /** The carriers a group should have run on in this JVM. */
    private static String expectedCarriers(boolean movable) {
        return movable && App.MODE == App.Mode.RINGS ? "ringloom-carrier-" : "ForkJoinPool-";
    }

    private static void checkCarriers(MiniTraffic t, String group, String prefix) {
        Set<String> seen = t.carriers.get(group);
        if (seen == null || seen.isEmpty()) {
            App.fail(group + " threads never ran");
        } else if (!seen.stream().allMatch(c -> c.startsWith(prefix))) {
            App.fail(group + " threads ran on " + seen + ", not only on " + prefix + "*");
        }
    }

    // ----------------------------------------------------------------- early

    private static void earlyThreads(String scenario, Path dir) throws Exception {
        App.settle(dir);
        MiniTraffic early = EarlyAgent.traffic;
        if (early == null) {
            App.fail("the early agent did not run before main");
            App.finish();
            return;
        }
        String then = EarlyAgent.ringloomStatusThen;
        if (App.MODE != App.Mode.JDK && !then.contains("not loaded")) App.fail("Ringloom's agent was loaded first: " + then);
        MiniTraffic late = new MiniTraffic(dir.resolve("late"));
        late.start("late", 8);
        Thread.sleep(2000);
        List<String> problems = new ArrayList<>(early.stop());
        problems.addAll(late.stop());
        problems.forEach(App::fail);
        checkCarriers(early, "early", "ForkJoinPool-");
        checkCarriers(late, "late", expectedCarriers(true));
        App.report(scenario, "8 virtual threads started by an agent before Ringloom's (then: %s) and 8 by main: %,d and %,d "
                        + "rounds (echo through SocketChannel or Socket, file write and read back), %d mismatches; the "
                        + "early ones on %s, main's on %s; %d failures",
                then.replaceAll(" \\(add the options.*", ""), early.rounds.sum(), late.rounds.sum(),
                early.mismatches.sum() + late.mismatches.sum(), early.carriers.get("early"), late.carriers.get("late"),
                App.failures());
        App.finish();
    }

    // ---------------------------------------------------------------- attach

    /** A Socket or ServerSocket factory of the application: the JDK's own impl, counted. */
    static final class CountingFactory implements SocketImplFactory {
        private final Constructor<?> nioSocketImpl;
        private final boolean server;
        final AtomicInteger created = new AtomicInteger();

        CountingFactory(boolean server) throws ReflectiveOperationException {
            // sun.nio.ch is exported to the class path by --add-exports (the drop-in's options have it)
            this.nioSocketImpl = Class.forName("sun.nio.ch.NioSocketImpl").getConstructor(boolean.class);
            this.server = server;
        }

        @Override
        public SocketImpl createSocketImpl() {
            created.incrementAndGet();
            try {
                return (SocketImpl) nioSocketImpl.newInstance(server);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** One round trip through a new ServerSocket and Socket: both must work whatever their factories. */
    private static void javaNetRoundTrip() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 50, App.LOOPBACK); Socket c = new Socket(App.LOOPBACK, ss.getLocalPort())) {
            c.setSoTimeout(20_000);   // a failed accept would leave this read waiting
            Thread echo = Thread.ofVirtual().start(() -> {
                try (Socket a = ss.accept()) {
                    MiniTraffic.echo(a);
                } catch (IOException e) {
                    App.fail("java.net echo: " + e);
                }
            });
            byte[] data = new byte[20_000];
            Arrays.fill(data, (byte) 7);
            c.getOutputStream().write(data);
            byte[] back = c.getInputStream().readNBytes(data.length);
            if (!Arrays.equals(data, back)) App.fail("a java.net echo came back different");
            c.shutdownOutput();
            echo.join();
        }
    }

    @SuppressWarnings("deprecation")   // the JVM-wide factories are what the case is about
    private static void attach(String scenario, Path dir, Path agentJar) throws Exception {
        CountingFactory own = new CountingFactory(false);
        Socket.setSocketImplFactory(own);
        MiniTraffic before = new MiniTraffic(dir.resolve("before"));
        before.start("before", 8);
        Thread.sleep(1000);
        int createdBefore = own.created.get();
        VirtualMachine vm = VirtualMachine.attach(Long.toString(ProcessHandle.current().pid()));
        try {
            vm.loadAgent(agentJar.toString());
        } finally {
            vm.detach();
        }
        App.settle(dir);   // the agent is in now: the JVM-wide pool, the channels
        MiniTraffic after = new MiniTraffic(dir.resolve("after"));
        after.start("after", 8);
        javaNetRoundTrip();
        Thread.sleep(1000);
        List<String> problems = new ArrayList<>(before.stop());
        problems.addAll(after.stop());
        problems.forEach(App::fail);
        if (own.created.get() <= createdBefore) App.fail("the application's Socket factory was not used after the attach");
        checkCarriers(before, "before", "ForkJoinPool-");
        checkCarriers(after, "after", expectedCarriers(true));
        App.report(scenario, "Ringloom's agent loaded into an application that had set its own Socket factory and started "
                        + "8 virtual threads: %,d and %,d rounds before and after, %d mismatches; the application's factory "
                        + "kept (%d sockets made by it, %d after the attach); the threads started before on %s, after on %s; "
                        + "%d failures",
                before.rounds.sum(), after.rounds.sum(), before.mismatches.sum() + after.mismatches.sum(),
                own.created.get(), own.created.get() - createdBefore, before.carriers.get("before"),
                after.carriers.get("after"), App.failures());
        App.finish();
    }

    // ----------------------------------------------------------- own factory

    @SuppressWarnings("deprecation")
    private static void ownFactory(String scenario, Path dir) throws Exception {
        App.settle(dir);
        // Sockets made before the application's factories: Ringloom's, when a ring serves them.
        ServerSocket oldServer = new ServerSocket(0, 50, App.LOOPBACK);
        Socket oldClient = new Socket(App.LOOPBACK, oldServer.getLocalPort());
        Socket oldAccepted = oldServer.accept();
        Thread oldEcho = Thread.ofVirtual().start(() -> {
            try (oldAccepted) {
                MiniTraffic.echo(oldAccepted);
            } catch (IOException e) {
                App.fail("old echo: " + e);
            }
        });
        CountingFactory client = new CountingFactory(false), server = new CountingFactory(true);
        Socket.setSocketImplFactory(client);
        // Ringloom's server factory still in force, beside the application's client factory: an accept
        // takes its socket's impl from the client factory, so the server must be one that can take it.
        javaNetRoundTrip();
        ServerSocket.setSocketFactory(server);
        MiniTraffic traffic = new MiniTraffic(dir.resolve("traffic"));
        traffic.start("mixed", 8);
        javaNetRoundTrip();
        for (int i = 0; i < 50; i++) {
            byte[] data = new byte[1 + i * 97];
            Arrays.fill(data, (byte) i);
            oldClient.getOutputStream().write(data);
            if (!Arrays.equals(data, oldClient.getInputStream().readNBytes(data.length))) App.fail("an old socket's echo differs");
        }
        Thread.sleep(1000);
        oldClient.close();
        oldEcho.join();
        oldServer.close();
        traffic.stop().forEach(App::fail);
        if (client.created.get() == 0 || server.created.get() == 0) {
            App.fail("the application's factories were not used: client " + client.created + ", server " + server.created);
        }
        App.report(scenario, "the application set its own Socket and ServerSocket factories after Ringloom's agent: %d "
                        + "client and %d server sockets made by them, %,d rounds of traffic beside a socket made before "
                        + "(50 echoes), %d mismatches; %d failures",
                client.created.get(), server.created.get(), traffic.rounds.sum(), traffic.mismatches.sum(), App.failures());
        App.finish();
    }

    // ------------------------------------------------------------------ exit

    /**
     * Traffic on 32 virtual threads, 16 more blocked reading idle sockets,
     * then {@code System.exit(status)}: variant 0 from the main thread, 1 from a
     * virtual thread, 2 from a virtual thread with a shutdown hook that writes,
     * reads and echoes on a virtual thread first. Prints "hook ran" from the hook.
     */
    private static void exit(Path dir, int variant, int status) throws Exception {
        App.settle(dir);
        MiniTraffic traffic = new MiniTraffic(dir.resolve("exit"));
        traffic.start("exit", 32);
        java.nio.channels.ServerSocketChannel idle = java.nio.channels.ServerSocketChannel.open().bind(App.loopback(0));
        for (int i = 0; i < 16; i++) {
            Thread.ofVirtual().start(() -> {
                try {
                    SocketChannel c = SocketChannel.open(idle.getLocalAddress());
                    c.read(ByteBuffer.allocate(8));   // nobody writes: blocked until the JVM ends
                } catch (IOException e) {
                    // the JVM is ending
                }
            });
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (variant == 2) {
                try {
                    Thread io = Thread.ofVirtual().start(() -> {
                        try (FileChannel f = FileChannel.open(dir.resolve("hook"), CREATE, READ, WRITE)) {
                            f.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 0);
                            ByteBuffer b = ByteBuffer.allocate(3);
                            f.read(b, 0);
                            javaNetRoundTrip();
                            System.out.println("hook I/O done: " + Arrays.toString(b.array()));
                        } catch (Exception e) {
                            System.out.println("hook I/O failed: " + e);
                        }
                    });
                    io.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            System.out.println("hook ran");
            System.out.flush();
        }));
        Thread.sleep(1000);
        System.out.println("exiting with " + status + " after " + traffic.rounds.sum() + " rounds, traffic in flight");
        System.out.flush();
        if (variant == 0) System.exit(status);
        Thread.ofVirtual().start(() -> System.exit(status)).join();
    }
}
