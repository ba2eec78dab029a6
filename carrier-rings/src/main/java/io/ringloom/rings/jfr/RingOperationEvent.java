package io.ringloom.rings.jfr;

import io.ringloom.rings.Request;
import io.ringloom.rings.sys.IoUring;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;

/** What a pinned wait and a slow operation both say of their request: which one, its result, which carrier. */
abstract class RingOperationEvent extends Event {
    @Label("Operation")
    @Description("The io_uring opcode's name without IORING_OP_")
    String operation;

    @Label("File Descriptor")
    int fd;

    @Label("Result")
    @Description("The CQE's res: a count, or a negative errno")
    int result;

    @Label("Carrier")
    @Description("The index of the carrier whose ring held the request, -1 if it never reached one")
    int carrier;

    /** Ends the event; if it lasted at least the recording's threshold, fills it in and commits it. */
    public final void finish(Request request, int res, int carrierIndex) {
        end();
        if (!shouldCommit()) return;
        operation = IoUring.opName(request.opcode());
        fd = request.fd();
        result = res;
        carrier = carrierIndex;
        fillIn(request, res);
        commit();
    }

    /** A subclass's own fields, once the event is to be committed; none by default. */
    void fillIn(Request request, int res) {
    }
}
