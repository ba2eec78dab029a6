package io.ringloom.rings.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A carrier pool, or the drop-in agent, started without rings: its threads are plain virtual threads. */
@Name(FallbackEvent.NAME)
@Label("Ringloom Fallback")
@Category("Ringloom")
@Description("A carrier pool or the drop-in agent started without io_uring rings, and why")
@Enabled(false)
@StackTrace(false)
public final class FallbackEvent extends Event {
    public static final String NAME = "io.ringloom.Fallback";
    /** Asked whether the event is enabled; never committed. */
    private static final FallbackEvent TYPE = new FallbackEvent();

    @Label("Pool")
    @Description("The pool's name; ringloom for the drop-in's JVM-wide pool")
    String pool;

    @Label("Drop-in")
    @Description("True: the drop-in (java $(./ringloom jvm-flags) ...) is not in effect; false: one pool fell back")
    boolean dropIn;

    @Label("Reason")
    String reason;

    public static void commit(String pool, boolean dropIn, String reason) {
        if (!TYPE.isEnabled()) return;
        FallbackEvent e = new FallbackEvent();
        e.pool = pool;
        e.dropIn = dropIn;
        e.reason = reason;
        e.commit();
    }
}
