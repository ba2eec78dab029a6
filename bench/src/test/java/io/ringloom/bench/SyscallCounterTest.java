package io.ringloom.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** perf stat's CSV as SyscallCounter reads it, and the per-request summary. */
class SyscallCounterTest {
    @Test
    void readsCountsSkipsCommentsAndTracepointsThatNeverRan() {
        SyscallCounter.Counts c = SyscallCounter.Counts.parse(List.of(
                "# started on Mon Nov 30 08:38:11 2026",
                "",
                "8333,,syscalls:sys_enter_recvfrom,2270545880,100.00,,",
                "<not counted>,,syscalls:sys_enter_iopl,0,100.00,,",
                "0,,syscalls:sys_enter_read,2270545880,100.00,,",
                "8268,,syscalls:sys_enter_sendto,2270545880,100.00,,",
                "1887,,syscalls:sys_enter_io_uring_enter,2267018350,100.00,,",
                "12,,cycles,2267018350,100.00,,"));
        assertEquals(Map.of("recvfrom", 8333L, "sendto", 8268L, "io_uring_enter", 1887L), c.byCall());
        assertEquals(8333 + 8268 + 1887, c.total());
    }

    @Test
    void topNamesTheMostFrequentPerUnit() {
        SyscallCounter.Counts c = new SyscallCounter.Counts(Map.of("futex", 10L, "recvfrom", 2000L, "sendto", 1000L));
        assertEquals("recvfrom 2.00, sendto 1.00", c.top(2, 1000));
        assertEquals("recvfrom 2.00, sendto 1.00, futex 0.01", c.top(5, 1000));
    }
}
