package io.ringloom.rings.jfr;

import io.ringloom.rings.Request;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

import static io.ringloom.rings.sys.IoUring.*;

/**
 * One ring operation, from {@code submitAndAwait} to its result, that took at
 * least the recording's threshold. A read on a socket or pipe includes the time
 * spent waiting for the peer to send.
 */
@Name(SlowOperationEvent.NAME)
@Label("Slow Ring Operation")
@Category("Ringloom")
@Description("A blocking call through a carrier's io_uring ring that took longer than the threshold")
@Enabled(false)
@Threshold("20 ms")
@StackTrace(true)
public final class SlowOperationEvent extends RingOperationEvent {
    public static final String NAME = "io.ringloom.SlowOperation";
    /** Asked whether the event is enabled; never committed. */
    private static final SlowOperationEvent TYPE = new SlowOperationEvent();

    @Label("Opcode")
    int opcode;

    @Label("File Descriptor Type")
    @Description("file, pipe, socket, directory, character device, block device, other; none for an operation on no fd; unknown once the fd is closed")
    String fdType;

    @Label("Bytes")
    @Description("Bytes transferred by a read, write, send or receive; 0 for other operations and failures")
    @DataAmount
    long bytes;

    /** A started event, or null (no clock read, no allocation) while the event is disabled. */
    public static SlowOperationEvent start() {
        if (!TYPE.isEnabled()) return null;
        SlowOperationEvent e = new SlowOperationEvent();
        e.begin();
        return e;
    }

    @Override
    void fillIn(Request request, int res) {
        opcode = request.opcode();
        fdType = request.opcode() == IORING_OP_SOCKET ? "none" : FdType.of(request.fd());
        bytes = res > 0 && transfersData(request.opcode()) ? res : 0;
    }

    private static boolean transfersData(int opcode) {
        return switch (opcode) {
            case IORING_OP_READ, IORING_OP_WRITE, IORING_OP_READV, IORING_OP_WRITEV, IORING_OP_READ_FIXED,
                 IORING_OP_WRITE_FIXED, IORING_OP_SEND, IORING_OP_RECV, IORING_OP_SENDMSG, IORING_OP_RECVMSG,
                 IORING_OP_SPLICE, IORING_OP_TEE -> true;
            default -> false;
        };
    }
}
