package io.ringloom.rings.carrier;

import io.ringloom.rings.Request;
import io.ringloom.rings.sys.Errno;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * One blocking operation between its SQE and its CQE. The op keeps its
 * {@link Request} (and so the request's memory) reachable until the CQE: the
 * carrier's {@link OpTable} refers to it until then.
 *
 * <pre>
 * state      NEW --(carrier pushes the SQE)--> SUBMITTED --(its own CQE)--> DONE
 *            NEW --(cancelled or refused before push, foreign callers only)--> DONE
 * </pre>
 */
final class Op {
    static final int NEW = 0;
    static final int SUBMITTED = 1;
    static final int DONE = 2;

    final Request request;
    /** A LINK_TIMEOUT pushed right after {@link #request} (which then carries IOSQE_IO_LINK), or null. */
    final Request linkedTimeout;
    /** The thread parked on this op; unparked by whoever completes it. */
    private final Thread waiter;
    /** Asked by the carrier once the SQE is in its ring: true cancels it (its channel closed meanwhile); or null. */
    private final BooleanSupplier abandoned;
    /** Whether an interrupt of the waiter cancels the request; if not, the waiter keeps waiting for the CQE. */
    final boolean interruptible;
    /** The carrier whose ring holds the SQE; written by that carrier before SUBMITTED, read by the waiter. */
    private Carrier carrier;
    /** user_data of the SQE; written by the carrier before it pushes. */
    private long userData;
    /** NEW, SUBMITTED or DONE; written by the carrier only; DONE is published after res. */
    private volatile int state;
    /** The CQE's res, valid once DONE; written by the carrier. */
    private int res;
    /** An ASYNC_CANCEL was asked for (interrupt, abandoned fd or pool close); the waiter or the carrier sets it. */
    private volatile boolean cancelRequested;
    /** The pool closed while this op was in flight; set by the carrier, the waiter then throws. */
    private volatile boolean failedByClose;

    Op(Request request, Request linkedTimeout, BooleanSupplier abandoned, boolean interruptible, Thread waiter) {
        this.request = linkedTimeout == null ? request : request.linked();
        this.linkedTimeout = linkedTimeout;
        this.abandoned = abandoned;
        this.interruptible = interruptible;
        this.waiter = waiter;
    }

    /** Carrier only: {@code owner}'s op table gave this op {@code userData}; the SQE is about to be pushed. */
    void placed(Carrier owner, long userData) {
        assert state == NEW;
        this.carrier = owner;
        this.userData = userData;
    }

    /** Carrier only: the SQE is in the ring. */
    void submitted() {
        assert state == NEW;
        state = SUBMITTED;
    }

    /**
     * Ends the op with {@code res} and unparks its waiter; by the carrier that
     * reaped its final CQE, or refused it before push. {@code -ERESTARTSYS},
     * seen from a cancelled io-wq request, is reported as {@code -EINTR}.
     */
    void complete(int res) {
        assert state != DONE;
        this.res = res == -Errno.ERESTARTSYS ? -Errno.EINTR : res;
        state = DONE;
        LockSupport.unpark(waiter);
    }

    /** Carrier only: ends a foreign op that never reached the ring; {@code byClose} when the pool stopped. */
    void completeUnsubmitted(boolean byClose) {
        failedByClose = byClose;
        complete(-Errno.ECANCELED);
    }

    /** Marks the cancel as asked for; true for the first caller only, who then issues it. */
    boolean requestCancel() {
        if (cancelRequested) return false;
        cancelRequested = true;
        return true;
    }

    /** Marks the op as failed by the pool's close (and its cancel as asked for); true the first time. Carrier only. */
    boolean failByClose() {
        if (failedByClose) return false;
        failedByClose = true;
        cancelRequested = true;
        return true;
    }

    /** Whether the op's channel closed since the call began; carrier only, once the SQE is in the ring. */
    boolean isAbandoned() {
        return abandoned != null && abandoned.getAsBoolean();
    }

    boolean isCancelRequested() {
        return cancelRequested;
    }

    boolean isFailedByClose() {
        return failedByClose;
    }

    boolean isSubmitted() {
        return state == SUBMITTED;
    }

    boolean isDone() {
        return state == DONE;
    }

    /** The result; valid once {@link #isDone()}. */
    int res() {
        return res;
    }

    Thread waiter() {
        return waiter;
    }

    /** The carrier the op was pushed on, or null while a foreign op waits in a mailbox. */
    Carrier carrier() {
        return carrier;
    }

    long userData() {
        return userData;
    }
}
