package io.ringloom.rings;

import io.ringloom.core.RingMode;
import java.util.Locale;

/**
 * Every {@code ringloom.*} system property, read in this one place. The README's
 * "Configuration" table lists the same names, defaults and meanings; keep the two
 * together. Each value is read once, when first asked for, so a property set
 * after start-up is seen only by a pool or channel made after it.
 *
 * <p>A malformed value is an {@link IllegalArgumentException} naming the property,
 * never a silent default.
 */
public final class Config {
    private Config() {}

    /** {@code ringloom.native}: {@code ffm} (default) or {@code jnr}, the native backend. */
    public static final String NATIVE = "ringloom.native";
    /** {@code ringloom.fallback}: {@code true} forces plain syscalls and plain virtual threads. */
    public static final String FALLBACK = "ringloom.fallback";
    /** {@code ringloom.carriers}: carriers per pool; default the available processors. */
    public static final String CARRIERS = "ringloom.carriers";
    /** {@code ringloom.ring.mode}: {@code COOP} (default), {@code DEFER} or {@code NONE}. */
    public static final String RING_MODE = "ringloom.ring.mode";
    /** {@code ringloom.ring.entries}: SQ entries per carrier ring; default 256. */
    public static final String RING_ENTRIES = "ringloom.ring.entries";
    /** {@code ringloom.submit.batch}: threads a carrier runs before it must enter the kernel; default 16. */
    public static final String SUBMIT_BATCH = "ringloom.submit.batch";
    /**
     * {@code ringloom.submit.delay.us}: microseconds a pending SQE or flagged task work
     * may wait for an enter while the carrier runs other threads; default 50.
     */
    public static final String SUBMIT_DELAY_US = "ringloom.submit.delay.us";
    /** {@code ringloom.files.nowait}: {@code false} turns off the {@code preadv2(RWF_NOWAIT)} try before the ring. */
    public static final String FILES_NOWAIT = "ringloom.files.nowait";
    /**
     * {@code ringloom.socket.trydirect}: {@code true} tries each socket receive
     * and send with a {@code MSG_DONTWAIT} system call first and goes to the
     * ring only when it would block; by default both go to the ring (docs/DESIGN.md, "Sockets").
     */
    public static final String SOCKET_TRY_DIRECT = "ringloom.socket.trydirect";
    /** {@code ringloom.copy.parallelism}: chunks of one large file in flight in a copy; default 8. */
    public static final String COPY_PARALLELISM = "ringloom.copy.parallelism";
    /**
     * {@code ringloom.copy.inkernel}: {@code false} turns off in-kernel copies of cached
     * ranges ({@code copy_file_range}/{@code sendfile}): every chunk of a copy is read and
     * written through the ring.
     */
    public static final String COPY_IN_KERNEL = "ringloom.copy.inkernel";
    /** {@code ringloom.jmx}: {@code false} registers no MXBean for a pool; default true. */
    public static final String JMX = "ringloom.jmx";

    /** The native backend's name: "ffm" or "jnr". */
    public static String nativeBackend() {
        String v = System.getProperty(NATIVE, "ffm").trim().toLowerCase(Locale.ROOT);
        if (!v.equals("ffm") && !v.equals("jnr")) {
            throw new IllegalArgumentException(NATIVE + " must be ffm or jnr, not '" + v + "'");
        }
        return v;
    }

    public static boolean forcedFallback() {
        return Boolean.getBoolean(FALLBACK);
    }

    public static int carriers() {
        return positiveInt(CARRIERS, Runtime.getRuntime().availableProcessors());
    }

    public static RingMode ringMode() {
        return RingMode.fromProperty(System.getProperty(RING_MODE, "COOP"));
    }

    public static int ringEntries() {
        return positiveInt(RING_ENTRIES, 256);
    }

    public static int submitBatch() {
        return positiveInt(SUBMIT_BATCH, 16);
    }

    public static int submitDelayMicros() {
        return positiveInt(SUBMIT_DELAY_US, 50);
    }

    public static boolean socketTryDirect() {
        return "true".equalsIgnoreCase(System.getProperty(SOCKET_TRY_DIRECT, "false").trim());
    }

    public static boolean filesNowait() {
        return !"false".equalsIgnoreCase(System.getProperty(FILES_NOWAIT, "true").trim());
    }

    public static int copyParallelism() {
        return positiveInt(COPY_PARALLELISM, 8);
    }

    public static boolean copyInKernel() {
        return !"false".equalsIgnoreCase(System.getProperty(COPY_IN_KERNEL, "true").trim());
    }

    public static boolean jmx() {
        return !"false".equalsIgnoreCase(System.getProperty(JMX, "true").trim());
    }

    private static int positiveInt(String name, int defaultValue) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) return defaultValue;
        try {
            int n = Integer.parseInt(v.trim());
            if (n > 0) return n;
        } catch (NumberFormatException e) {
            // reported below with the property's name
        }
        throw new IllegalArgumentException(name + " must be a positive integer, not '" + v + "'");
    }
}
