package io.ringloom.demos;

import io.ringloom.CarrierPool;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/** File copies in flight on the pool, each on its own virtual thread, at most --jobs at once. */
final class CopyJobs {
    private final CarrierPool pool;
    private final Semaphore slots;
    private final AtomicInteger running = new AtomicInteger();
    /** Notified when {@link #running} drops to zero. */
    private final Object idle = new Object();

    CopyJobs(CarrierPool pool, int jobs) {
        this.pool = pool;
        this.slots = new Semaphore(jobs);
    }

    /** Starts {@code job} once a slot is free; the caller waits meanwhile. */
    void start(Runnable job) {
        slots.acquireUninterruptibly();
        run(job);
    }

    /** Runs {@code job} in the slot just taken. */
    private void run(Runnable job) {
        running.incrementAndGet();
        try {
            pool.startVirtualThread(() -> {
                try {
                    job.run();
                } finally {
                    ended();
                }
            });
        } catch (RuntimeException | Error e) {
            ended();   // not started (the pool closed, no memory for a thread): the slot and the count go back
            throw e;
        }
    }

    /** A job's slot and count go back; the last one wakes {@link #awaitIdle}. */
    private void ended() {
        slots.release();
        if (running.decrementAndGet() == 0) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }

    /** Starts {@code job} if a slot is free at once; false, and nothing started, if none is. */
    boolean tryStart(Runnable job) {
        if (!slots.tryAcquire()) return false;
        run(job);
        return true;
    }

    /** Waits until every job started has ended; an interrupt meanwhile runs {@code onInterrupt} and waits on. */
    void awaitIdle(Runnable onInterrupt) {
        synchronized (idle) {
            while (running.get() > 0) {
                try {
                    idle.wait(100);
                } catch (InterruptedException e) {
                    onInterrupt.run();
                }
            }
        }
    }
}
