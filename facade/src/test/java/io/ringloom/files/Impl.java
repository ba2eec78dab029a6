package io.ringloom.files;

import io.ringloom.CarrierPool;
import io.ringloom.RingFiles;

import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The implementations the behaviour suite runs against: the JDK's
 * FileChannel (on a platform thread, where its blocking calls can be
 * interrupted and closed, see DESIGN.md), Ringloom on a pool virtual thread
 * (the ring), and Ringloom on a platform thread (plain syscalls).
 */
enum Impl {
    JDK, RING_POOL, RING_PLATFORM;

    interface Body {
        void run() throws Exception;
    }

    static CarrierPool pool;

    FileChannel open(Path path, OpenOption... options) throws Exception {
        return this == JDK ? FileChannel.open(path, options) : RingFiles.open(path, options);
    }

    boolean onPool() {
        return this == RING_POOL;
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
        Thread t = this == RING_POOL ? pool.startVirtualThread(r) : Thread.ofPlatform().start(r);
        t.join(120_000);
        if (t.isAlive()) throw new AssertionError(this + ": test body still running after 120 s");
        Throwable e = thrown.get();
        if (e instanceof Exception ex) throw ex;
        if (e instanceof Error err) throw err;
    }

    /** Starts {@code body} on this implementation's kind of thread without waiting. */
    Thread start(Runnable body) {
        return this == RING_POOL ? pool.startVirtualThread(body) : Thread.ofPlatform().start(body);
    }
}
