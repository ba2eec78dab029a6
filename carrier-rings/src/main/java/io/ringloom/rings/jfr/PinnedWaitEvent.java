package io.ringloom.rings.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import jdk.jfr.Timespan;

/**
 * A pool virtual thread that parked for a ring operation while pinned (a class
 * initializer, a native frame) and, once the pin watchdog found its carrier
 * stalled, waited for the completion on the ring in place, holding the carrier
 * (docs/DESIGN.md, "Pinned threads"): Ringloom's counterpart of
 * {@code jdk.VirtualThreadPinned}. The event's duration is the wait in place;
 * {@link #stalledFor} the park before the watchdog found it.
 */
@Name(PinnedWaitEvent.NAME)
@Label("Pinned Ring Wait")
@Category("Ringloom")
@Description("A pinned pool virtual thread waited for its io_uring completion in place, holding its carrier")
@Enabled(false)
@Threshold("0 ms")
@StackTrace(true)
public final class PinnedWaitEvent extends RingOperationEvent {
    public static final String NAME = "io.ringloom.PinnedWait";
    /** Asked whether the event is enabled; never committed. */
    private static final PinnedWaitEvent TYPE = new PinnedWaitEvent();

    @Label("Stalled For")
    @Description("How long the thread held its carrier parked before the pin watchdog found it")
    @Timespan(Timespan.NANOSECONDS)
    long stalledFor;

    /**
     * A started event for a thread that parked at {@code parkedAtNanos}
     * ({@link System#nanoTime()}), or null, reading no clock, while disabled.
     */
    public static PinnedWaitEvent start(long parkedAtNanos) {
        if (!TYPE.isEnabled()) return null;
        PinnedWaitEvent e = new PinnedWaitEvent();
        e.stalledFor = System.nanoTime() - parkedAtNanos;
        e.begin();
        return e;
    }
}
