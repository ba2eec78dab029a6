package io.ringloom.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a benchmark's processes run. {@link #SHARED}: every process on every CPU,
 * as the kernel schedules them. {@link #PINNED}: the server alone on CPU
 * {@value #SERVER_CPU} under {@code taskset}, so it sizes itself to one carrier, one
 * event loop or one scheduler worker ({@code Runtime.availableProcessors()} follows
 * the affinity mask), and every other process (load generator, mock backend) on CPU
 * {@value #LOAD_CPU}.
 */
enum Placement {
    SHARED("unpinned"),
    PINNED("pinned");

    static final int SERVER_CPU = 0;
    static final int LOAD_CPU = 1;

    /** How tables and command lines name it. */
    final String label;

    Placement(String label) {
        this.label = label;
    }

    /** {@code command}, run where this placement puts a server. */
    List<String> server(List<String> command) {
        return on(SERVER_CPU, command);
    }

    /** {@code command}, run where this placement puts load generators and backends. */
    List<String> load(List<String> command) {
        return on(LOAD_CPU, command);
    }

    /** wrk threads: one per CPU the load may use. */
    int wrkThreads() {
        return this == PINNED ? 1 : 2;
    }

    private List<String> on(int cpu, List<String> command) {
        if (this == SHARED) return command;
        List<String> pinned = new ArrayList<>(List.of("taskset", "-c", Integer.toString(cpu)));
        pinned.addAll(command);
        return pinned;
    }

    /** Why a pinned run cannot be made here, or null when it can. */
    static String pinningUnavailable() {
        int cpus = Machine.onlineCpus();
        if (cpus <= LOAD_CPU) return "pinned runs need CPUs " + SERVER_CPU + " and " + LOAD_CPU + "; this machine has " + cpus;
        if (!Tools.have("taskset")) return "taskset not found (apt-get install util-linux)";
        return null;
    }
}
