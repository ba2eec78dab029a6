package io.ringloom.internal;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import io.ringloom.CarrierPoolMXBean;

import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.io.IOException;
import java.io.PrintStream;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./ringloom stats PID [--once] [--interval S]}: attaches to a running
 * JVM (the JDK's attach API starts its local JMX agent if it has none), reads
 * every {@code io.ringloom:type=CarrierPool} MXBean there ({@link CarrierPoolMXBean})
 * and prints, per pool, a per-carrier table of rates per second between two
 * readings an interval apart, refreshed like {@code top} until interrupted;
 * {@code --once} prints one table and exits.
 *
 * <p>Exit status: 0 done, 1 the process cannot be attached (or was lost),
 * 2 bad arguments, 3 the process runs no Ringloom pool on rings.
 */
public final class StatsMain {
    private StatsMain() {}

    static final int EXIT_OK = 0;
    static final int EXIT_NOT_ATTACHED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_NOT_RINGLOOM = 3;

    private static final String USAGE = "usage: ringloom stats PID [--once] [--interval SECONDS]";
    /** CarrierStats items read as rates, and their column titles. */
    private static final String[] COUNTERS = {"threadsRun", "sqesSubmitted", "enters", "sleeps", "wakeupsReceived",
            "cqesReaped", "overflows", "steals"};
    private static final String[] TITLES = {"run/s", "sqes/s", "enters/s", "sleeps/s", "wakeups/s", "cqes/s",
            "overflows/s", "steals/s"};
    /** ANSI: cursor home, clear screen; only on a terminal. */
    private static final String CLEAR = "\033[H\033[2J";

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.console() != null));
    }

    static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("ringloom stats: " + e.getMessage());
            err.println(USAGE);
            return EXIT_USAGE;
        }
        if (ProcessHandle.of(o.pid).isEmpty()) {
            err.println("ringloom stats: no process " + o.pid);
            return EXIT_NOT_ATTACHED;
        }
        JMXServiceURL url;
        try {
            url = localConnector(o.pid);
        } catch (AttachNotSupportedException | IOException | RuntimeException e) {
            err.println("ringloom stats: cannot attach to process " + o.pid + " (is it a JVM of this user, "
                    + "started without -XX:+DisableAttachMechanism?): " + e.getMessage());
            return EXIT_NOT_ATTACHED;
        }
        try (JMXConnector connector = JMXConnectorFactory.connect(url)) {
            MBeanServerConnection mbs = connector.getMBeanServerConnection();
            Map<ObjectName, PoolReading> before = read(mbs);
            if (before.isEmpty()) {
                err.println("ringloom stats: process " + o.pid + " is not a Ringloom JVM: it has no "
                        + CarrierPoolMXBean.OBJECT_NAME_PREFIX + " MBean (no carrier pool runs on io_uring rings there)");
                return EXIT_NOT_RINGLOOM;
            }
            while (true) {
                TimeUnit.NANOSECONDS.sleep(o.intervalNanos);   // the sampling interval, not a synchronisation
                Map<ObjectName, PoolReading> after = read(mbs);
                if (terminal && !o.once) out.print(CLEAR);
                print(out, o.pid, before, after);
                out.flush();
                if (o.once) return EXIT_OK;
                before = after;
            }
        } catch (IOException e) {
            err.println("ringloom stats: lost process " + o.pid + ": " + e.getMessage());
            return EXIT_NOT_ATTACHED;
        } catch (InterruptedException e) {
            return EXIT_OK;
        } catch (JMException e) {
            err.println("ringloom stats: process " + o.pid + ": " + e);
            return EXIT_NOT_ATTACHED;
        }
    }

    /** The target's local JMX connector address, started by the attach API if the target had none. */
    private static JMXServiceURL localConnector(long pid) throws AttachNotSupportedException, IOException {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        try {
            return new JMXServiceURL(vm.startLocalManagementAgent());
        } finally {
            vm.detach();
        }
    }

    /** One pool's configuration and per-carrier counters at one instant. */
    private record PoolReading(long nanoTime, String poolName, int carriers, String ringMode, int ringEntries,
                               int liveThreads, long[][] counters, long[] inFlight) {}

    private static Map<ObjectName, PoolReading> read(MBeanServerConnection mbs) throws IOException, JMException {
        Map<ObjectName, PoolReading> pools = new LinkedHashMap<>();
        for (ObjectName name : new TreeSet<>(mbs.queryNames(new ObjectName(CarrierPoolMXBean.OBJECT_NAME_PREFIX + ",*"), null))) {
            try {
                long now = System.nanoTime();
                CompositeData[] carriers = (CompositeData[]) mbs.getAttribute(name, "CarrierStats");
                long[][] counters = new long[carriers.length][COUNTERS.length];
                long[] inFlight = new long[carriers.length];
                for (int c = 0; c < carriers.length; c++) {
                    for (int i = 0; i < COUNTERS.length; i++) {
                        counters[c][i] = ((Number) carriers[c].get(COUNTERS[i])).longValue();
                    }
                    inFlight[c] = ((Number) carriers[c].get("inFlight")).longValue();
                }
                pools.put(name, new PoolReading(now, (String) mbs.getAttribute(name, "PoolName"),
                        carriers.length, (String) mbs.getAttribute(name, "RingMode"),
                        (Integer) mbs.getAttribute(name, "RingEntries"), (Integer) mbs.getAttribute(name, "LiveThreads"),
                        counters, inFlight));
            } catch (InstanceNotFoundException closed) {
                // the pool closed between the query and the reading
            }
        }
        return pools;
    }

    private static void print(PrintStream out, long pid, Map<ObjectName, PoolReading> before,
                              Map<ObjectName, PoolReading> after) {
        out.printf(Locale.ROOT, "ringloom stats: pid %d, %s, rates per second%n", pid,
                LocalTime.now().truncatedTo(ChronoUnit.SECONDS));
        if (after.isEmpty()) {
            out.println("no Ringloom pool on rings any more");
            return;
        }
        for (Map.Entry<ObjectName, PoolReading> e : after.entrySet()) {
            PoolReading b = before.get(e.getKey()), a = e.getValue();
            out.printf(Locale.ROOT, "%npool %s (%s): %d carriers, %s, %d ring entries, %d live threads%n",
                    a.poolName(), e.getKey(), a.carriers(), a.ringMode(), a.ringEntries(), a.liveThreads());
            if (b == null || b.carriers() != a.carriers()) {
                out.println("  (started since the last reading: rates from the next one)");
                continue;
            }
            double seconds = (a.nanoTime() - b.nanoTime()) / 1e9;
            StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%8s", "carrier"));
            for (String t : TITLES) header.append(String.format(Locale.ROOT, " %11s", t));
            out.println(header.append(String.format(Locale.ROOT, " %10s", "in flight")));
            long[] totalDelta = new long[COUNTERS.length];
            long totalInFlight = 0;
            for (int c = 0; c < a.carriers(); c++) {
                long[] delta = new long[COUNTERS.length];
                for (int i = 0; i < COUNTERS.length; i++) {
                    delta[i] = a.counters()[c][i] - b.counters()[c][i];
                    totalDelta[i] += delta[i];
                }
                totalInFlight += a.inFlight()[c];
                out.println(row(Integer.toString(c), delta, seconds, a.inFlight()[c]));
            }
            out.println(row("total", totalDelta, seconds, totalInFlight));
        }
    }

    private static String row(String label, long[] delta, double seconds, long inFlight) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%8s", label));
        for (long d : delta) sb.append(String.format(Locale.ROOT, " %,11.0f", d / seconds));
        return sb.append(String.format(Locale.ROOT, " %,10d", inFlight)).toString();
    }

    /** The command line, checked. */
    private record Options(long pid, boolean once, long intervalNanos) {
        static Options parse(String[] args) {
            Long pid = null;
            boolean once = false;
            double interval = 1.0;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--once" -> once = true;
                    case "--interval" -> {
                        if (i + 1 == args.length) throw new IllegalArgumentException("--interval needs a number of seconds");
                        interval = seconds(args[++i]);
                    }
                    default -> {
                        if (pid != null) throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
                        try {
                            pid = Long.parseLong(args[i]);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("not a process id: '" + args[i] + "'");
                        }
                    }
                }
            }
            if (pid == null) throw new IllegalArgumentException("which process? give its PID (jps lists Java processes)");
            return new Options(pid, once, (long) (interval * 1e9));
        }

        private static double seconds(String s) {
            try {
                double v = Double.parseDouble(s);
                if (v >= 0.05 && v <= 3600) return v;
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("--interval must be seconds between 0.05 and 3600, not '" + s + "'");
        }
    }
}
