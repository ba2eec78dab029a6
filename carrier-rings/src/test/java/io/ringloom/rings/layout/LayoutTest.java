package io.ringloom.rings.layout;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each descriptor's fields tile its struct exactly; a sentinel in one field leaves its neighbours untouched. */
class LayoutTest {

    static Stream<Arguments> descriptors() {
        return Stream.of(
                Arguments.of("io_uring_params", IoUringParams.FIELDS, IoUringParams.SIZE),
                Arguments.of("io_sqring_offsets", SqRingOffsets.FIELDS, SqRingOffsets.SIZE),
                Arguments.of("io_cqring_offsets", CqRingOffsets.FIELDS, CqRingOffsets.SIZE),
                Arguments.of("io_uring_sqe", Sqe.FIELDS, Sqe.SIZE),
                Arguments.of("io_uring_cqe", Cqe.FIELDS, Cqe.SIZE),
                Arguments.of("io_uring_probe", ProbeLayout.HEADER_FIELDS, ProbeLayout.HEADER_SIZE),
                Arguments.of("io_uring_probe_op", ProbeLayout.OP_FIELDS, ProbeLayout.OP_SIZE),
                Arguments.of("__kernel_timespec", KernelTimespec.FIELDS, KernelTimespec.SIZE),
                Arguments.of("iovec", Iovec.FIELDS, Iovec.SIZE),
                Arguments.of("cachestat_range", Cachestat.RANGE_FIELDS, Cachestat.RANGE_SIZE),
                Arguments.of("cachestat", Cachestat.FIELDS, Cachestat.SIZE),
                Arguments.of("linux_dirent64 (its fixed part)", Dirent64.FIELDS, Dirent64.HEADER_SIZE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("descriptors")
    void fieldsTileTheStruct(String struct, Field[] fields, long size) {
        Field[] sorted = fields.clone();
        Arrays.sort(sorted, Comparator.comparingLong(Field::offset));
        long next = 0;
        for (Field f : sorted) {
            assertEquals(next, f.offset(), struct + "." + f.name() + " does not start where the previous field ends");
            next = f.offset() + f.size();
        }
        assertEquals(size, next, struct + " fields do not add up to its size");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("descriptors")
    void sentinelStaysInItsField(String struct, Field[] fields, long size) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(size + 16, 8);
            for (Field f : fields) {
                s.fill((byte) 0);
                writeSentinel(s, 8 + f.offset(), f.size());
                for (long i = 0; i < size + 16; i++) {
                    boolean inside = i >= 8 + f.offset() && i < 8 + f.offset() + f.size();
                    byte b = s.get(ValueLayout.JAVA_BYTE, i);
                    assertEquals(inside ? (byte) 0xA5 : (byte) 0, b,
                            struct + "." + f.name() + " sentinel reached byte " + (i - 8));
                }
            }
        }
    }

    /** Writes 0xA5 bytes with the accessor whose width is the field's C type. */
    private static void writeSentinel(MemorySegment s, long offset, int size) {
        switch (size) {
            case 1 -> s.set(ValueLayout.JAVA_BYTE, offset, (byte) 0xA5);
            case 2 -> s.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset, (short) 0xA5A5);
            case 4 -> s.set(ValueLayout.JAVA_INT_UNALIGNED, offset, 0xA5A5A5A5);
            case 8 -> s.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, 0xA5A5A5A5A5A5A5A5L);
            default -> s.asSlice(offset, size).fill((byte) 0xA5);
        }
    }
}
