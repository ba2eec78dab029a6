package io.ringloom.bench;

import io.ringloom.CarrierPool;
import io.ringloom.core.RingMode;
import io.ringloom.rings.Request;
import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code ./ringloom bench ipi-ping}: a busy submitter. One carrier (pinned to
 * CPU 0) runs N pool virtual threads; each reads a request byte from its pipe
 * through the ring, does about 20 us of CPU work, and answers on a second
 * pipe. One platform thread pinned to CPU 1 plays every peer: per pair it
 * thinks a few microseconds, write(2)s the request, then polls a
 * non-blocking read(2) of the answer; it never sleeps, so no wake-up of its
 * own needs an IPI. Every completion is raised on
 * CPU 1 while the carrier is busy running other virtual threads: what IPIs
 * remain are the ring's. Run once per ring mode;
 * reports round trips/s, IPIs (RES + CAL, all CPUs) and context switches per
 * round trip.
 *
 * <p>Arguments: {@code [--seconds S] [--pairs N] [--work-us W] [--think-us T] [--chart PATH]};
 * the chart of IPIs and round trips per mode goes to {@code bench/results/ipi-ping.svg}
 * unless {@code --chart} says where.
 */
public final class IpiPing {
    private IpiPing() {}

    public static void main(String[] args) throws Exception {
        double seconds = 5;
        int pairs = 64;
        int workMicros = 20;
        int thinkMicros = 1000;
        Path chartFile = Charts.defaultFile("ipi-ping");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--pairs" -> pairs = Integer.parseInt(args[++i]);
                case "--work-us" -> workMicros = Integer.parseInt(args[++i]);
                case "--think-us" -> thinkMicros = Integer.parseInt(args[++i]);
                case "--chart" -> chartFile = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (known: --seconds S --pairs N --work-us W --think-us T --chart PATH)");
            }
        }
        String machine = Machine.describe();
        System.out.println(machine);
        String setup = String.format(Locale.ROOT, "ipi-ping: %d pairs, %d us work per message, peers think %d us, %.1f s per mode, 1 carrier on CPU 0, peers on CPU 1",
                pairs, workMicros, thinkMicros, seconds);
        System.out.println(setup);
        System.out.println();
        SvgChart chart = Charts.forRun("ipi-ping: IPIs and round trips of a busy carrier, per ring mode", setup, machine);
        SvgChart.Panel ipiPanel = chart.panel("IPIs per round trip, RES + CAL (lower is better)", "IPIs/round trip", SvgChart.Kind.BARS);
        SvgChart.Panel ratePanel = chart.panel("Round trips per second (higher is better)", "round trips/s", SvgChart.Kind.BARS);
        String category = pairs + " pairs on 1 carrier";
        System.out.println("| ring mode | round trips/s | IPIs/round trip (RES+CAL) | context switches/round trip | enters/round trip |");
        System.out.println("|---|---:|---:|---:|---:|");
        double noneIpis = -1, noneRate = -1, coopIpis = -1, coopRate = -1;
        for (RingMode mode : new RingMode[] {RingMode.COOP, RingMode.DEFER, RingMode.NONE}) {
            double[] r = run(mode, pairs, workMicros, thinkMicros, seconds);
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %.3f | %.2f | %.2f |%n", mode, r[0], r[1], r[2], r[3]);
            ipiPanel.value(mode.name(), category, r[1]);
            ratePanel.value(mode.name(), category, r[0]);
            if (mode == RingMode.NONE) { noneIpis = r[1]; noneRate = r[0]; }
            if (mode == RingMode.COOP) { coopIpis = r[1]; coopRate = r[0]; }
        }
        System.out.printf(Locale.ROOT, "%nCOOP/NONE: IPIs per round trip %.3fx (target <= 0.2x), round trips/s %.2fx (target >= 1.0x)%n",
                noneIpis > 0 ? coopIpis / noneIpis : Double.NaN, coopRate / noneRate);
        ipiPanel.target("target: COOP <= 0.2x NONE", category, 0.2 * noneIpis);
        ratePanel.target("target: COOP >= 1.0x NONE", category, noneRate);
        Charts.write(chart, chartFile);
    }

    /** @return round trips/s, IPIs per round trip, context switches per round trip, enters per round trip */
    private static double[] run(RingMode mode, int pairs, int workMicros, int thinkMicros, double seconds)
            throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder roundTrips = new LongAdder();
        List<int[]> requests = new ArrayList<>();
        List<int[]> replies = new ArrayList<>();
        SysCalls sys = SysCalls.get();
        try (CarrierPool pool = CarrierPool.builder().carriers(1).mode(mode).name("bench").build();
             Arena arena = Arena.ofShared()) {
            if (pool.isFallback()) throw new IllegalStateException("pool in fallback mode: " + pool.fallbackReason());
            Affinity.pinThreadsNamed("ringloom-carri", 0);
            List<Thread> servers = new ArrayList<>();
            List<Thread> peers = new ArrayList<>();
            for (int i = 0; i < pairs; i++) {
                int[] req = Pipes.pipe(sys, arena, 0);
                int[] rep = Pipes.pipe(sys, arena, SysCalls.O_NONBLOCK);
                requests.add(req);
                replies.add(rep);
                MemorySegment buf = arena.allocate(1);
                servers.add(pool.startVirtualThread(() -> {
                    CarrierScheduler scheduler = CarrierScheduler.current();   // this pool's: the thread runs on it
                    try {
                        while (scheduler.submitAndAwait(Request.read(req[0], buf, -1)) == 1) {
                            long end = System.nanoTime() + workMicros * 1_000L;
                            while (System.nanoTime() < end) Thread.onSpinWait();
                            scheduler.submitAndAwait(Request.write(rep[1], buf, -1));
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            MemorySegment pbuf = arena.allocate(1);
            // One peer thread drives every pair: it never sleeps, so no wake-up of its own needs an IPI.
            Thread peer = Thread.ofPlatform().name("bench-peer").unstarted(() -> {
                long[] sendAt = new long[pairs];
                boolean[] waiting = new boolean[pairs];
                while (!stop.get()) {
                    long now = System.nanoTime();
                    for (int i = 0; i < pairs; i++) {
                        if (waiting[i]) {
                            long n = sys.read(replies.get(i)[0], pbuf.address(), 1);
                            if (n == 1) {
                                roundTrips.increment();
                                waiting[i] = false;
                                // Think first, so the server's read is armed on an empty pipe and
                                // its completion comes as task work while the carrier is busy.
                                sendAt[i] = now + thinkMicros * 1_000L;
                            } else if (n != -Errno.EAGAIN) {
                                return;
                            }
                        } else if (now >= sendAt[i]) {
                            if (sys.write(requests.get(i)[1], pbuf.address(), 1) != 1) return;
                            waiting[i] = true;
                        }
                    }
                }
            });
            peers.add(peer);
            for (Thread p : peers) p.start();
            Affinity.pinThreadsNamed("bench-peer-", 1);
            Thread.sleep(500);   // warm-up
            long rt0 = roundTrips.sum();
            long[] irq0 = Machine.ipis();
            long cs0 = Machine.contextSwitches();
            long enters0 = pool.stats().stream().mapToLong(s -> s.enters()).sum();
            long t0 = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            long rt = roundTrips.sum() - rt0;
            long elapsed = System.nanoTime() - t0;
            long[] irq = Machine.ipis();
            long cs = Machine.contextSwitches() - cs0;
            long enters = pool.stats().stream().mapToLong(s -> s.enters()).sum() - enters0;
            stop.set(true);
            for (int[] r : requests) sys.close(r[1]);      // EOF ends the servers' reads
            for (Thread p : peers) p.join(5_000);
            for (Thread s : servers) s.join(5_000);
            for (int[] r : requests) sys.close(r[0]);
            for (int[] r : replies) { sys.close(r[0]); sys.close(r[1]); }
            double ipis = (irq[0] - irq0[0]) + (irq[1] - irq0[1]);
            return new double[] {rt * 1e9 / elapsed, ipis / rt, (double) cs / rt, (double) enters / rt};
        }
    }

    static final class Pipes {
        static int[] pipe(SysCalls sys, Arena arena, int flags) {
            MemorySegment fds = arena.allocate(8, 4);
            if (sys.pipe2(fds.address(), SysCalls.O_CLOEXEC | flags) < 0) throw new IllegalStateException("pipe2");
            return new int[] {fds.get(ValueLayout.JAVA_INT, 0), fds.get(ValueLayout.JAVA_INT, 4)};
        }
    }

    /** Pins this process's threads by name with taskset(1), which sets one thread's affinity by tid. */
    static final class Affinity {
        static void pinThreadsNamed(String prefix, int cpu) throws IOException, InterruptedException {
            try (var tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    String comm;
                    try {
                        comm = Files.readString(task.resolve("comm")).trim();
                    } catch (IOException gone) {
                        continue;   // the thread ended meanwhile
                    }
                    if (comm.startsWith(prefix)) {
                        Process p = new ProcessBuilder("taskset", "-pc", Integer.toString(cpu),
                                task.getFileName().toString()).redirectErrorStream(true).start();
                        p.getInputStream().readAllBytes();
                        if (p.waitFor() != 0) throw new IOException("taskset failed for " + comm);
                    }
                }
            }
        }
    }
}
