package io.ringloom.internal;

import io.ringloom.rings.sys.Errno;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link IoDispatcher}'s staging, against a fake transfer instead of a
 * kernel: what reaches the "kernel" is native memory of the right length,
 * the bytes land where the buffer's position says, and the position moves
 * by the result only.
 */
class IoDispatcherStagingTest {
    /** A fake fd: a read fills the segment from {@link #source} up to {@link #limit}; a write copies it out. */
    static final class FakeFd {
        final byte[] source;
        /** Largest transfer it answers with; a negative value is returned as the result instead. */
        long limit = Long.MAX_VALUE;
        final List<MemorySegment> seen = new ArrayList<>();
        final List<Long> args = new ArrayList<>();
        byte[] written = new byte[0];

        FakeFd(int size) {
            source = new byte[size];
            for (int i = 0; i < size; i++) source[i] = (byte) (i * 7 + 1);
        }

        static long read(FakeFd f, MemorySegment seg, long arg) {
            f.seen.add(seg);
            f.args.add(arg);
            if (f.limit < 0) return f.limit;
            int n = (int) Math.min(Math.min(seg.byteSize(), f.limit), f.source.length);
            MemorySegment.copy(f.source, 0, seg, ValueLayout.JAVA_BYTE, 0, n);
            return n;
        }

        static long write(FakeFd f, MemorySegment seg, long arg) {
            f.seen.add(seg);
            f.args.add(arg);
            if (f.limit < 0) return f.limit;
            int n = (int) Math.min(seg.byteSize(), f.limit);
            f.written = seg.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            return n;
        }
    }

    @Test
    void heapReadGoesThroughNativeMemoryAndLandsAtThePosition() throws Exception {
        FakeFd f = new FakeFd(100);
        byte[] backing = new byte[64];
        ByteBuffer dst = ByteBuffer.wrap(backing, 8, 40).slice();   // arrayOffset 8
        dst.position(5);
        long n = IoDispatcher.readStaged(FakeFd::read, f, dst, 42);
        assertEquals(35, n);
        assertEquals(40, dst.position());
        assertTrue(f.seen.get(0).isNative(), "the kernel sees native memory only");
        assertEquals(35, f.seen.get(0).byteSize());
        assertEquals(42L, f.args.get(0));
        assertArrayEquals(Arrays.copyOf(f.source, 35), Arrays.copyOfRange(backing, 13, 48));
        assertEquals(0, backing[12]);
        assertEquals(0, backing[48]);
    }

    @Test
    void directReadHandsTheBufferItself() throws Exception {
        FakeFd f = new FakeFd(100);
        ByteBuffer dst = ByteBuffer.allocateDirect(32).position(4);
        long n = IoDispatcher.readStaged(FakeFd::read, f, dst, -1);
        assertEquals(28, n);
        assertEquals(32, dst.position());
        assertEquals(MemorySegment.ofBuffer(dst.duplicate().position(4)).address(), f.seen.get(0).address());
        byte[] got = new byte[28];
        dst.get(4, got);
        assertArrayEquals(Arrays.copyOf(f.source, 28), got);
    }

    @Test
    void shortReadMovesThePositionByTheResultOnly() throws Exception {
        FakeFd f = new FakeFd(100);
        f.limit = 3;
        ByteBuffer dst = ByteBuffer.allocate(16);
        assertEquals(3, IoDispatcher.readStaged(FakeFd::read, f, dst, -1));
        assertEquals(3, dst.position());
    }

    @Test
    void errorsAndEofLeaveTheBufferAlone() throws Exception {
        FakeFd f = new FakeFd(0);
        ByteBuffer heap = ByteBuffer.allocate(16);
        assertEquals(0, IoDispatcher.readStaged(FakeFd::read, f, heap, -1));
        f.limit = -Errno.EIO;
        assertEquals(-Errno.EIO, IoDispatcher.readStaged(FakeFd::read, f, heap, -1));
        ByteBuffer direct = ByteBuffer.allocateDirect(16);
        assertEquals(-Errno.EIO, IoDispatcher.readStaged(FakeFd::read, f, direct, -1));
        assertEquals(-Errno.EIO, IoDispatcher.writeStaged(FakeFd::write, f, heap, -1));
        assertEquals(0, heap.position());
        assertEquals(0, direct.position());
    }

    @Test
    void heapTransfersAreOneStagingChunkAtMost() throws Exception {
        FakeFd f = new FakeFd(Staging.CHUNK + 10);
        ByteBuffer dst = ByteBuffer.allocate(Staging.CHUNK + 10);
        assertEquals(Staging.CHUNK, IoDispatcher.transferSize(dst));
        assertEquals(Staging.CHUNK, IoDispatcher.readStaged(FakeFd::read, f, dst, -1));
        assertEquals(Staging.CHUNK, f.seen.get(0).byteSize());
        assertEquals(10, IoDispatcher.transferSize(dst));
        assertEquals(Staging.CHUNK + 10, IoDispatcher.transferSize(ByteBuffer.allocateDirect(Staging.CHUNK + 10)));
    }

    @Test
    void readOnlyHeapWriteIsCopiedIntoNativeMemory() throws Exception {
        FakeFd f = new FakeFd(0);
        byte[] data = "hello, ring".getBytes();
        ByteBuffer src = ByteBuffer.wrap(data).asReadOnlyBuffer().position(7);
        assertEquals(4, IoDispatcher.writeStaged(FakeFd::write, f, src, 9));
        assertEquals(11, src.position());
        assertTrue(f.seen.get(0).isNative());
        assertEquals(9L, f.args.get(0));
        assertArrayEquals("ring".getBytes(), f.written);
    }

    @Test
    void directWriteHandsTheBufferItselfAndShortWritesMoveByTheResult() throws Exception {
        FakeFd f = new FakeFd(0);
        f.limit = 2;
        ByteBuffer src = ByteBuffer.allocateDirect(8).put(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}).position(1);
        assertEquals(2, IoDispatcher.writeStaged(FakeFd::write, f, src, -1));
        assertEquals(3, src.position());
        assertEquals(MemorySegment.ofBuffer(src.duplicate().position(1)).address(), f.seen.get(0).address());
        assertArrayEquals(new byte[] {2, 3}, f.written);
    }

    @Test
    void arraysAreStagedAsTheirRange() throws Exception {
        FakeFd f = new FakeFd(100);
        byte[] a = new byte[10];
        assertEquals(4, IoDispatcher.readStaged(FakeFd::read, f, a, 3, 4, -1));
        assertArrayEquals(new byte[] {0, 0, 0, f.source[0], f.source[1], f.source[2], f.source[3], 0, 0, 0}, a);
        assertEquals(3, IoDispatcher.writeStaged(FakeFd::write, f, new byte[] {9, 8, 7, 6, 5}, 1, 3, -1));
        assertArrayEquals(new byte[] {8, 7, 6}, f.written);
    }

    @Test
    void stagingChunksAreGivenBackEvenWhenTheTransferThrows() {
        assumeTrue(Staging.class.desiredAssertionStatus(), "Staging tracks its chunks only with assertions on");
        FakeFd f = new FakeFd(10);
        IoDispatcher.SegmentIo<FakeFd> failing = (fd, seg, arg) -> {
            fd.seen.add(seg);
            throw new IOException("boom");
        };
        assertEquals("boom", assertThrows(IOException.class,
                () -> IoDispatcher.readStaged(failing, f, ByteBuffer.allocate(8), -1)).getMessage());
        assertEquals("boom", assertThrows(IOException.class,
                () -> IoDispatcher.writeStaged(failing, f, ByteBuffer.allocate(8), -1)).getMessage());
        for (MemorySegment handedOut : f.seen) {
            assertThrows(AssertionError.class, () -> Staging.release(handedOut), "given back already");
        }
    }
}
