package io.ringloom.rings.jfr;

import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

/**
 * Whether this JVM's Flight Recorder is initialized, which it is before any
 * recording can enable an event. Until then Ringloom touches no event class:
 * an event class's first use registers it with JFR and so initializes JFR's
 * metadata, about 250 ms of a short command's start-up (ringcopy on a small
 * tree, measured with {@code -Xlog:class+load}), while an event committed with
 * no recording running is dropped anyway. A listener costs about 1 ms and hears
 * JFR's initialization whenever it comes, at once if it already happened
 * ({@link FlightRecorder#addListener}).
 */
public final class Recorder {
    private Recorder() {}

    /** Set once, by JFR's notification; read on every ring operation. */
    private static volatile boolean initialized;

    static {
        FlightRecorder.addListener(new FlightRecorderListener() {
            @Override
            public void recorderInitialized(FlightRecorder recorder) {
                initialized = true;
            }
        });
    }

    /** Whether a recording may exist, so that an event class may be used. */
    public static boolean initialized() {
        return initialized;
    }
}
