package io.ringloom.rings;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Packing and unpacking {@code user_data}: each part round-trips and stays inside its bits. */
class UserDataTest {

    @Test
    void everyKindRoundTripsWithItsSlotAndGeneration() {
        int[] kinds = {UserData.KIND_OP, UserData.KIND_WAKE, UserData.KIND_CANCEL, UserData.KIND_IGNORED};
        for (int kind : kinds) {
            long ud = UserData.pack(kind, 0x12_3456, 789);
            assertEquals(kind, UserData.kind(ud));
            assertEquals(0x12_3456, UserData.generation(ud));
            assertEquals(789, UserData.index(ud));
        }
    }

    @Test
    void largestGenerationAndSlotStayInTheirFields() {
        long ud = UserData.pack(UserData.KIND_OP, UserData.GENERATION_MASK, Integer.MAX_VALUE);
        assertEquals(UserData.KIND_OP, UserData.kind(ud));
        assertEquals(UserData.GENERATION_MASK, UserData.generation(ud));
        assertEquals(Integer.MAX_VALUE, UserData.index(ud));
    }

    @Test
    void aSlotIndexUsesAll32BitsWithoutTouchingTheGeneration() {
        long ud = UserData.pack(UserData.KIND_OP, 5, -1);
        assertEquals(0xFFFF_FFFFL, ud & 0xFFFF_FFFFL);
        assertEquals(-1, UserData.index(ud));
        assertEquals(5, UserData.generation(ud));
        assertEquals(UserData.KIND_OP, UserData.kind(ud));
    }

    @Test
    void aGenerationWrapsAt24BitsWithoutTouchingTheKind() {
        long ud = UserData.pack(UserData.KIND_CANCEL, UserData.GENERATION_MASK + 1, 3);
        assertEquals(0, UserData.generation(ud));
        assertEquals(UserData.KIND_CANCEL, UserData.kind(ud));
        assertEquals(3, UserData.index(ud));
        long all = UserData.pack(UserData.KIND_WAKE, -1, 0);
        assertEquals(UserData.GENERATION_MASK, UserData.generation(all));
        assertEquals(UserData.KIND_WAKE, UserData.kind(all));
    }

    @Test
    void zeroIsNoKind() {
        assertEquals(0, UserData.kind(0L));
        assertEquals(0, UserData.generation(0L));
        assertEquals(0, UserData.index(0L));
    }
}
