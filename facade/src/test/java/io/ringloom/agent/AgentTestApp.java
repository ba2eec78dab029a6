package io.ringloom.agent;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An unmodified application for {@link RingloomAgentIT}: it uses only JDK
 * APIs and prints, for each way of making a virtual thread, the carrier it
 * ran on ({@code case=NAME carrier=THREAD}). With {@code --pollers} it also
 * prints the scheduler of each JDK socket poller (needs
 * {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}, and java.lang open,
 * which the agent does), and the agent's status when the agent is there. With
 * {@code --poller-first} a platform thread starts the JDK's poller first, with
 * {@code --poller-from-virtual} a virtual thread starts it after the others ran;
 * {@code --poller-threads} prints the JDK's poller threads alive before that.
 */
public final class AgentTestApp {
    private AgentTestApp() {}

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--poller-first")) {
            // the JDK's poller started by a platform thread before any virtual thread exists
            Class.forName("sun.nio.ch.Poller");
        }
        Thread listener = Thread.ofPlatform().name("listener").start(AgentTestApp::startVirtualThreads);
        listener.join();
        int files = List.of(args).indexOf("--fifo-read");
        if (files >= 0) readFifo(Path.of(args[files + 1]));
        if (List.of(args).contains("--poller-threads")) printPollerThreads();   // before --pollers starts them
        if (List.of(args).contains("--poller-from-virtual")) {
            // the JDK's poller started by a virtual thread, as its first socket would
            Thread.ofVirtual().start(() -> {
                try {
                    Class.forName("sun.nio.ch.Poller");
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException(e);
                }
            }).join();
        }
        if (List.of(args).contains("--pollers")) printPollers();
        printStatus();
        System.out.println("done");
    }

    /** What a server's platform listener thread does: every JDK way of starting a virtual thread. */
    private static void startVirtualThreads() {
        List<Thread> started = new ArrayList<>();
        started.add(Thread.ofVirtual().start(() -> report("ofVirtual")));
        started.add(Thread.startVirtualThread(() -> report("startVirtualThread")));
        started.add(Thread.ofVirtual().name("named").unstarted(() -> report("unstarted")));
        started.getLast().start();
        started.add(Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(20);   // the behaviour under test: a virtual thread resumed by a timer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            report("afterSleep");
        }));
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            executor.submit(() -> report("executor"));
            executor.submit(() -> {
                report("nestedParent");
                Thread child = Thread.ofVirtual().start(() -> report("nestedChild"));
                child.join();
                return null;
            });
        }
        for (Thread t : started) {
            try {
                if (!t.join(java.time.Duration.ofSeconds(30))) System.out.println("stuck=" + t);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * A virtual thread blocks in {@code FileChannel.open(fifo).read} until this
     * thread writes; prints what it read and how many completions the agent's
     * pool reaped meanwhile ({@code filecqes=}; "none" without a pool): with the
     * options, the open and the blocked read are CQEs of a carrier's ring.
     */
    private static void readFifo(Path fifo) throws Exception {
        long before = reapedCqes();
        ByteBuffer got = ByteBuffer.allocate(16);
        // O_RDWR: the open does not wait for a writer
        try (FileChannel ch = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    ch.read(got);
                } catch (Exception e) {
                    System.out.println("fiforead failed: " + e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (reader.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));   // until it blocks in the read
            }
            try (FileChannel w = FileChannel.open(fifo, StandardOpenOption.WRITE)) {
                w.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
            }
            reader.join(Duration.ofSeconds(10));
        }
        long after = reapedCqes();
        System.out.println("fiforead=" + new String(got.array(), 0, got.position(), StandardCharsets.US_ASCII)
                + " filecqes=" + (before < 0 ? "none" : Long.toString(after - before)));
    }

    /** The CQEs the agent's JVM-wide pool reaped so far, by reflection (the app stays JDK-only); -1 without one. */
    private static long reapedCqes() {
        try {
            Optional<?> pool = (Optional<?>) Class.forName("io.ringloom.agent.RingloomAgent").getMethod("pool").invoke(null);
            if (pool.isEmpty()) return -1;
            long cqes = 0;
            for (Object s : (List<?>) pool.get().getClass().getMethod("stats").invoke(pool.get())) {
                cqes += (long) s.getClass().getMethod("cqesReaped").invoke(s);
            }
            return cqes;
        } catch (ReflectiveOperationException e) {
            return -1;
        }
    }

    /** The carrier as {@code VirtualThread.toString()} shows it: {@code VirtualThread[#22]/runnable@CARRIER}. */
    private static void report(String how) {
        Thread me = Thread.currentThread();
        String s = me.toString();
        System.out.println("case=" + how + " virtual=" + me.isVirtual() + " carrier=" + s.substring(s.lastIndexOf('@') + 1));
    }

    /** The JDK's poller threads alive now (MasterPoller, Read-Poller, Write-Poller), by name, sorted. */
    private static void printPollerThreads() {
        List<String> names = Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName).filter(n -> n.endsWith("Poller")).sorted().toList();
        System.out.println("pollerthreads=" + names);
    }

    /** Each JDK poller (a virtual sub-poller in JDK 25's default poller mode) and its scheduler's class, or "platform". */
    private static void printPollers() throws ReflectiveOperationException {
        Class<?> poller = Class.forName("sun.nio.ch.Poller");
        Method readPollers = poller.getDeclaredMethod("readPollers");
        Method writePollers = poller.getDeclaredMethod("writePollers");
        readPollers.setAccessible(true);
        writePollers.setAccessible(true);
        Field owner = poller.getDeclaredField("owner");
        owner.setAccessible(true);
        Field scheduler = Class.forName("java.lang.VirtualThread").getDeclaredField("scheduler");
        scheduler.setAccessible(true);
        List<Object> all = new ArrayList<>((List<?>) readPollers.invoke(null));
        all.addAll((List<?>) writePollers.invoke(null));
        for (Object p : all) {
            Thread t = (Thread) owner.get(p);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (t == null && System.nanoTime() < deadline) {   // set when its loop starts
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                t = (Thread) owner.get(p);
            }
            String where = t == null ? "not started" : !t.isVirtual() ? "platform"
                    : scheduler.get(t).getClass().getName();
            System.out.println("poller=" + (t == null ? "?" : t.getName()) + " scheduler=" + where);
        }
    }

    /** The agent's status, asked by reflection so that the application itself stays JDK-only. */
    private static void printStatus() {
        try {
            Class<?> agent = Class.forName("io.ringloom.agent.RingloomAgent");
            System.out.println("status=" + agent.getMethod("status").invoke(null));
            System.out.println("pool=" + agent.getMethod("pool").invoke(null));
        } catch (ReflectiveOperationException e) {
            System.out.println("status=no agent class");
        }
    }
}
