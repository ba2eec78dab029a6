package io.ringloom.rings.carrier;

import io.ringloom.rings.Request;

import java.util.function.BooleanSupplier;

/**
 * One blocking operation between its SQE and its CQE. The op keeps its
 * {@link Request} (and so the request's memory) reachable until the CQE: the
 * carrier's slot table refers to it until then.
 *
 * <pre>
 * state      NEW --(carrier pushes the SQE)--> SUBMITTED --(its own CQE)--> DONE
 *            NEW --(cancelled before push, foreign callers only)--> DONE
 * </pre>
 */
final class Op {
    static final int NEW = 0;
    static final int SUBMITTED = 1;
    static final int DONE = 2;

    final Request request;
    /** A LINK_TIMEOUT pushed right after {@link #request} (which then carries IOSQE_IO_LINK), or null. */
    final Request linkedTimeout;
    /** The thread parked on this op; unparked by the reaping carrier. */
    final Thread waiter;
    /** Asked by the carrier once the SQE is in its ring: true cancels it (its channel closed meanwhile); or null. */
    final BooleanSupplier abandoned;
    /** The carrier whose ring holds the SQE; written before SUBMITTED. */
    Carrier carrier;
    /** user_data of the SQE; written by the carrier before pushing. */
    long userData;
    /** NEW, SUBMITTED or DONE; DONE is published after res. */
    volatile int state;
    /** The CQE's res, valid once DONE. */
    int res;
    /** An ASYNC_CANCEL was asked for (interrupt or pool close); set once. */
    volatile boolean cancelRequested;
    /** The pool closed while this op was in flight; the waiter throws. */
    volatile boolean failedByClose;

    Op(Request request, Request linkedTimeout, BooleanSupplier abandoned, Thread waiter) {
        this.request = linkedTimeout == null ? request : request.linked();
        this.linkedTimeout = linkedTimeout;
        this.abandoned = abandoned;
        this.waiter = waiter;
    }
}
