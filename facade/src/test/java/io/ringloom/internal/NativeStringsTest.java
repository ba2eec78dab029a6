package io.ringloom.internal;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Paths lent as NUL-terminated native bytes ({@link NativeStrings#lend}), off the pools. */
class NativeStringsTest {
    @Test
    void aLentPathIsItsBytesAndANul() {
        Path p = Path.of("/tmp/some dir/f\u00e9.bin");
        byte[] expected = NativeStrings.bytes(p);
        MemorySegment seg = NativeStrings.lend(p);
        try {
            assertEquals(NativeStrings.PATH_MAX, seg.byteSize(), "a pooled block");
            assertArrayEquals(expected, seg.asSlice(0, expected.length).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, expected.length));
        } finally {
            NativeStrings.giveBack(seg);
        }
    }

    @Test
    void aBlockGivenBackIsLentAgainWithTheNewPathOnly() {
        MemorySegment first = NativeStrings.lend(Path.of("/" + "a".repeat(200)));
        NativeStrings.giveBack(first);
        MemorySegment second = NativeStrings.lend(Path.of("/b"));
        try {
            assertEquals("/b", second.getString(0), "the NUL ends the new path where the old one went on");
        } finally {
            NativeStrings.giveBack(second);
        }
    }

    @Test
    void twoPathsLentAtOnceAreTwoBlocks() {
        MemorySegment a = NativeStrings.lend(Path.of("/a"));
        MemorySegment b = NativeStrings.lend(Path.of("/b"));
        try {
            assertNotEquals(a.address(), b.address());
            assertEquals("/a", a.getString(0));
            assertEquals("/b", b.getString(0));
        } finally {
            NativeStrings.giveBack(a);
            NativeStrings.giveBack(b);
        }
    }

    @Test
    void aPathOfPathMaxBytesOrMoreGetsABlockOfItsOwnWhole() {
        for (int length : new int[] {NativeStrings.PATH_MAX - 1, NativeStrings.PATH_MAX, 3 * NativeStrings.PATH_MAX}) {
            Path p = Path.of("/" + "x".repeat(length - 1));
            MemorySegment seg = NativeStrings.lend(p);
            assertEquals(length, seg.getString(0).length(), "all of it reaches the kernel, which refuses it");
            if (length >= NativeStrings.PATH_MAX) {
                assertEquals(length + 1L, seg.byteSize(), "not a pooled block");
            }
            NativeStrings.giveBack(seg);   // a block of its own is not pooled
        }
        MemorySegment next = NativeStrings.lend(Path.of("/c"));
        assertEquals(NativeStrings.PATH_MAX, next.byteSize());
        NativeStrings.giveBack(next);
    }
}
