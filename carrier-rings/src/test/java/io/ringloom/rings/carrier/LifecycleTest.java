package io.ringloom.rings.carrier;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static io.ringloom.rings.carrier.Lifecycle.*;
import static org.junit.jupiter.api.Assertions.*;

/** The lifecycle's transition table, without a ring. */
class LifecycleTest {
    private static final List<Integer> STATES = List.of(RUNNING, CLOSING, FAILING, STOPPING, STOPPED);
    private static final Set<List<Integer>> ARROWS = Set.of(
            List.of(RUNNING, CLOSING), List.of(CLOSING, FAILING), List.of(FAILING, STOPPING),
            List.of(RUNNING, STOPPING), List.of(STOPPING, STOPPED));

    @Test
    void theTableHasExactlyTheDocumentedArrows() {
        for (int from : STATES) {
            for (int to : STATES) {
                assertEquals(ARROWS.contains(List.of(from, to)), isLegal(from, to), name(from) + " -> " + name(to));
            }
        }
    }

    @Test
    void closeWalksEveryStateInOrder() {
        Lifecycle l = new Lifecycle();
        assertEquals(RUNNING, l.state());
        assertFalse(l.isClosed());
        assertTrue(l.advanceTo(CLOSING));
        assertTrue(l.isClosed());
        assertFalse(l.failsInFlight());
        assertTrue(l.advanceTo(FAILING));
        assertTrue(l.failsInFlight());
        assertFalse(l.isStopping());
        assertTrue(l.advanceTo(STOPPING));
        assertTrue(l.isStopping());
        assertTrue(l.advanceTo(STOPPED));
        assertEquals("STOPPED", l.toString());
    }

    @Test
    void aFailedStartStopsWithoutClosingFirst() {
        Lifecycle l = new Lifecycle();
        assertTrue(l.advanceTo(STOPPING));
        assertTrue(l.failsInFlight(), "a stopping pool fails what is in flight");
        assertTrue(l.isClosed());
    }

    @Test
    void aSecondCloseFindsItsStepsDone() {
        Lifecycle l = new Lifecycle();
        l.advanceTo(CLOSING);
        l.advanceTo(FAILING);
        assertFalse(l.advanceTo(CLOSING));
        assertFalse(l.advanceTo(FAILING));
        assertEquals(FAILING, l.state());
    }

    @Test
    void skippingAStateIsCaught() {
        assertTrue(Lifecycle.class.desiredAssertionStatus(), "run with -ea");
        Lifecycle l = new Lifecycle();
        assertThrows(AssertionError.class, () -> l.advanceTo(FAILING));
        assertEquals(RUNNING, l.state());
        l.advanceTo(CLOSING);
        assertThrows(AssertionError.class, () -> l.advanceTo(STOPPED));
        assertEquals(CLOSING, l.state());
    }
}
