package io.ringloom.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Where each placement runs servers and load. */
class PlacementTest {
    @Test
    void pinnedPutsTheServerOnCpu0AndTheLoadOnCpu1() {
        assertEquals(List.of("taskset", "-c", "0", "java", "Server"), Placement.PINNED.server(List.of("java", "Server")));
        assertEquals(List.of("taskset", "-c", "1", "wrk", "-t1"), Placement.PINNED.load(List.of("wrk", "-t1")));
        assertEquals(1, Placement.PINNED.wrkThreads());
    }

    @Test
    void sharedLeavesCommandsAsTheyAre() {
        assertEquals(List.of("java", "Server"), Placement.SHARED.server(List.of("java", "Server")));
        assertEquals(List.of("wrk"), Placement.SHARED.load(List.of("wrk")));
        assertEquals(2, Placement.SHARED.wrkThreads());
    }
}
