package io.ringloom.rings.carrier;

import io.ringloom.rings.Request;
import io.ringloom.rings.UserData;
import io.ringloom.rings.sys.Errno;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.ringloom.rings.sys.IoUring.IORING_CQE_F_MORE;
import static org.junit.jupiter.api.Assertions.*;

/** The op table's slots and generations, without a ring. */
class OpTableTest {

    private static Op op() {
        return new Op(Request.nop(), null, null, true, Thread.currentThread());
    }

    @Test
    void aCompletionFreesTheSlotAndEndsTheOp() {
        OpTable table = new OpTable("test");
        Op op = op();
        long ud = table.add(op);
        assertEquals(UserData.KIND_OP, UserData.kind(ud));
        assertEquals(1, table.inFlight());
        table.complete(ud, 42, 0);
        assertTrue(op.isDone());
        assertEquals(42, op.res());
        assertEquals(0, table.inFlight());
        assertEquals(0, table.inFlightOpaque());
    }

    @Test
    void aReusedSlotHasANewGenerationAndTheOldUserDataIsRefused() {
        OpTable table = new OpTable("test");
        long first = table.add(op());
        table.complete(first, 0, 0);
        long second = table.add(op());
        assertEquals(UserData.index(first), UserData.index(second));
        assertNotEquals(UserData.generation(first), UserData.generation(second));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> table.complete(first, 0, 0));
        assertTrue(e.getMessage().startsWith("test: CQE for unknown op"), e.getMessage());
        assertEquals(1, table.inFlight());
    }

    @Test
    void aCqeForASlotBeyondTheTableIsRefused() {
        OpTable table = new OpTable("test");
        assertThrows(IllegalStateException.class,
                () -> table.complete(UserData.pack(UserData.KIND_OP, 0, OpTable.INITIAL_SLOTS * 4), 0, 0));
        assertThrows(IllegalStateException.class, () -> table.complete(UserData.pack(UserData.KIND_OP, 0, -1), 0, 0));
    }

    @Test
    void aCqeWithMoreToComeKeepsTheOpInFlight() {
        OpTable table = new OpTable("test");
        Op op = op();
        long ud = table.add(op);
        table.complete(ud, 1, IORING_CQE_F_MORE);
        assertFalse(op.isDone());
        assertEquals(1, table.inFlight());
        table.complete(ud, 2, 0);
        assertEquals(2, op.res());
    }

    @Test
    void restartSysIsReportedAsEintr() {
        OpTable table = new OpTable("test");
        Op op = op();
        table.complete(table.add(op), -Errno.ERESTARTSYS, 0);
        assertEquals(-Errno.EINTR, op.res());
    }

    @Test
    void theTableGrowsAndEverySlotIsDistinct() {
        OpTable table = new OpTable("test");
        int n = OpTable.INITIAL_SLOTS * 3 + 1;
        List<Long> uds = new ArrayList<>();
        Set<Integer> indexes = new HashSet<>();
        for (int i = 0; i < n; i++) {
            long ud = table.add(op());
            uds.add(ud);
            indexes.add(UserData.index(ud));
        }
        assertEquals(n, indexes.size());
        assertEquals(n, table.inFlight());
        for (long ud : uds) table.complete(ud, 0, 0);
        assertEquals(0, table.inFlight());
    }

    @Test
    void aRemovedSlotIsFreeAgainAndItsUserDataStale() {
        OpTable table = new OpTable("test");
        long ud = table.add(op());
        table.remove(ud);
        assertEquals(0, table.inFlight());
        assertThrows(IllegalStateException.class, () -> table.complete(ud, 0, 0));
    }

    @Test
    void failAllVisitsEveryOpInFlightOnce() throws Exception {
        OpTable table = new OpTable("test");
        Op done = op();
        table.complete(table.add(done), 0, 0);
        Set<Op> inFlight = Set.of(op(), op(), op());
        for (Op op : inFlight) table.add(op);
        List<Op> visited = new ArrayList<>();
        table.failAll(op -> {
            assertTrue(op.failByClose());
            visited.add(op);
        });
        assertEquals(inFlight, new HashSet<>(visited));
        assertEquals(inFlight.size(), visited.size());
        for (Op op : inFlight) {
            assertTrue(op.isCancelRequested());
            assertFalse(op.failByClose(), "an op is failed by the close once");
        }
    }
}
