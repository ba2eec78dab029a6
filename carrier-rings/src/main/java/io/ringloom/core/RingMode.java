package io.ringloom.core;

/** How a ring delivers completions; COOP is Ringloom's design, the others exist to measure against. */
public enum RingMode {
    /** {@code COOP_TASKRUN | TASKRUN_FLAG}: completions run at the owner's next kernel entry, no IPI. */
    COOP,
    /** {@code DEFER_TASKRUN | TASKRUN_FLAG}: completions are posted only inside the owner's GETEVENTS enter. */
    DEFER,
    /** Neither: the kernel interrupts the submitter (IPI) to run completion task work. */
    NONE;

    public static RingMode fromProperty(String value) {
        try {
            return valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ring mode must be COOP, DEFER or NONE, not '" + value + "'");
        }
    }
}
