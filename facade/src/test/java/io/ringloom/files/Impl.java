package io.ringloom.files;

import io.ringloom.CarrierPool;
import io.ringloom.RingFiles;

import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The implementations the behaviour suite runs against: the JDK's
 * FileChannel (on a platform thread, where its blocking calls can be
 * interrupted and closed; on a virtual thread of the JDK's scheduler a read
 * blocked in read(2) can be neither, see docs/DESIGN.md, "Decisions and
 * measurements"), Ringloom on a pool virtual thread (the ring), and Ringloom on
 * a platform thread (plain syscalls).
 *
 * <p>{@link #DROP_IN} is the unmodified-application path: {@code FileChannel.open}
 * on a virtual thread from {@code Thread.ofVirtual()}, in a JVM started with the
 * options of {@code ./ringloom jvm-flags} (the facade's {@code drop-in} failsafe
 * execution, which sets {@code ringloom.test.dropin}). There the agent puts the
 * thread on the JVM-wide carrier pool and the file-system provider makes the
 * channel Ringloom's; the assertions are the same ones the JDK passes in a JVM
 * without those options. Only that execution runs it, and only it.
 */
enum Impl {
    JDK, RING_POOL, RING_PLATFORM, DROP_IN;

    /** Set by the facade's drop-in execution, whose JVM carries the jvm-flags options. */
    static final boolean DROP_IN_JVM = Boolean.getBoolean("ringloom.test.dropin");

    /** The implementations this JVM runs: {@link #DROP_IN} alone in the drop-in JVM, the others elsewhere. */
    static Stream<Impl> active() {
        return DROP_IN_JVM ? Stream.of(DROP_IN) : Stream.of(JDK, RING_POOL, RING_PLATFORM);
    }

    interface Body {
        void run() throws Exception;
    }

    static CarrierPool pool;

    FileChannel open(Path path, OpenOption... options) throws Exception {
        return this == JDK || this == DROP_IN ? FileChannel.open(path, options) : RingFiles.open(path, options);
    }

    boolean onPool() {
        return this == RING_POOL || this == DROP_IN;
    }

    /** Runs {@code body} on this implementation's kind of thread; rethrows what it threw. */
    void run(Body body) throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Runnable r = () -> {
            try {
                body.run();
            } catch (Throwable t) {
                thrown.set(t);
            }
        };
        Thread t = start(r);
        t.join(120_000);
        if (t.isAlive()) throw new AssertionError(this + ": test body still running after 120 s");
        Throwable e = thrown.get();
        if (e instanceof Exception ex) throw ex;
        if (e instanceof Error err) throw err;
    }

    /** Starts {@code body} on this implementation's kind of thread without waiting. */
    Thread start(Runnable body) {
        return switch (this) {
            case RING_POOL -> pool.startVirtualThread(body);
            case DROP_IN -> Thread.ofVirtual().start(body);
            case JDK, RING_PLATFORM -> Thread.ofPlatform().start(body);
        };
    }
}
