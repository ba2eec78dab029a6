package io.ringloom.reliability.dropin;

import java.lang.instrument.Instrumentation;
import java.nio.file.Path;

/**
 * A Java agent listed before Ringloom's ({@code -javaagent:early.jar=DIR}
 * ahead of the options of {@code ./ringloom jvm-flags}): its {@code premain}
 * starts virtual threads with traffic that keep running while Ringloom's
 * agent installs itself and {@code main} starts ({@link Startup}, case
 * "vthreads-before-agent"). The parent writes a jar whose manifest names this class;
 * the class itself comes from the class path.
 */
public final class EarlyAgent {
    private EarlyAgent() {}

    /** The early traffic, for {@code main}; null if this agent did not run. */
    static volatile MiniTraffic traffic;
    /** Ringloom's agent status when this premain ran: it must not have been loaded yet. */
    static volatile String ringloomStatusThen;

    public static void premain(String args, Instrumentation inst) throws Exception {
        ringloomStatusThen = App.agentStatus();
        MiniTraffic t = new MiniTraffic(Path.of(args).resolve("early"));
        t.start("early", 8);
        traffic = t;
    }
}
