package io.ringloom.bench;

/**
 * What a benchmark counts over a measured window: read once at its start and once
 * at its end, and {@link #since} gives what the window added. The server's CPU time
 * and context switches are its own process's; IPIs (RES + CAL) and context switches
 * are system-wide; the load CPU is {@link Placement#LOAD_CPU}, where a pinned run
 * puts everything but the server.
 */
record Counters(Machine.CpuTime serverCpu, long serverContextSwitches, long ipis, long contextSwitches,
                long loadCpuBusyTicks, long loadCpuTicks) {

    static Counters read(long serverPid) {
        long[] irq = Machine.ipis();
        long[] load = Machine.cpuTicks(Placement.LOAD_CPU);
        return new Counters(Machine.processCpu(serverPid), Machine.processContextSwitches(serverPid), irq[0] + irq[1],
                Machine.contextSwitches(), load[0], load[1]);
    }

    /** What was counted between {@code start} and this reading. */
    Counters since(Counters start) {
        return new Counters(serverCpu.minus(start.serverCpu), serverContextSwitches - start.serverContextSwitches,
                ipis - start.ipis, contextSwitches - start.contextSwitches,
                loadCpuBusyTicks - start.loadCpuBusyTicks, loadCpuTicks - start.loadCpuTicks);
    }

    /** How busy the load CPU was, 0 to 1: near 1, the load generator (or backend) may be what limits a pinned run. */
    double loadCpuBusy() {
        return loadCpuTicks == 0 ? 0 : (double) loadCpuBusyTicks / loadCpuTicks;
    }
}
