package io.ringloom.internal;

import io.ringloom.rings.carrier.CarrierCache;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Paths as the kernel wants them: NUL-terminated bytes in the platform's file-name encoding. */
public final class NativeStrings {
    private NativeStrings() {}

    private static final Charset JNU = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
    /** Linux's {@code PATH_MAX}, NUL included: the size of a lent block; a longer path gets one of its own. */
    static final int PATH_MAX = 4096;
    private static final ConcurrentLinkedQueue<MemorySegment> FREE = new ConcurrentLinkedQueue<>();
    /** A few blocks per carrier for the threads that run on it (docs/DESIGN.md, "Buffers and staging"). */
    private static final CarrierCache<MemorySegment> HERE = new CarrierCache<>(8, FREE::offer);
    /** The empty path, which the kernel only reads: shared by every call that names a file by its fd. */
    public static final MemorySegment EMPTY = Arena.global().allocateFrom("");

    public static MemorySegment path(Arena arena, Path path) {
        byte[] bytes = bytes(path);
        MemorySegment seg = arena.allocate(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
        seg.set(ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
        return seg;
    }

    /**
     * {@code path} as NUL-terminated bytes in a native block lent until {@link #giveBack}:
     * a file's open, create or link costs no arena made and closed. The caller gives it
     * back once the call that used it has returned, which for a ring request is after
     * its CQE, so the kernel never reads a block lent to another call. A call that threw
     * may have left its SQE in the ring (an {@code io_uring_enter} that failed after the
     * push): its block is then not given back, and 4 KiB stay lent for good.
     */
    public static MemorySegment lend(Path path) {
        byte[] bytes = bytes(path);
        MemorySegment seg;
        if (bytes.length < PATH_MAX) {
            seg = HERE.poll();
            if (seg == null) seg = FREE.poll();
            if (seg == null) seg = Arena.global().allocate(PATH_MAX);
        } else {
            // the kernel refuses it (ENAMETOOLONG), but it must see it to say so; freed by the GC
            seg = Arena.ofAuto().allocate(bytes.length + 1L);
        }
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
        seg.set(ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
        return seg;
    }

    /** Gives back a block from {@link #lend}, once the call that used it has returned. */
    public static void giveBack(MemorySegment seg) {
        if (seg.byteSize() != PATH_MAX) return;
        if (!HERE.offer(seg)) FREE.offer(seg);
    }

    /**
     * The bytes the kernel knows the path by. An ASCII path is its own
     * encoding; otherwise the name may hold bytes that are not valid in the
     * file-name encoding (toString would replace them), so the bytes come
     * from the path's URI, which the JDK builds from the raw bytes,
     * percent-encoding every non-ASCII one.
     */
    static byte[] bytes(Path path) {
        String s = path.toString();
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("path contains a NUL character: " + s);
        }
        boolean ascii = true;
        for (int i = 0; i < s.length() && ascii; i++) ascii = s.charAt(i) < 0x80;
        if (ascii) return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (path.getFileSystem() != java.nio.file.FileSystems.getDefault()) return s.getBytes(JNU);
        String raw = path.toAbsolutePath().toUri().getRawPath();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                out.write(Integer.parseInt(raw, i + 1, i + 3, 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        byte[] b = out.toByteArray();
        // a directory's URI ends in '/', the path itself does not
        if (b.length > 1 && b[b.length - 1] == '/' && !s.endsWith("/")) b = java.util.Arrays.copyOf(b, b.length - 1);
        return b;
    }
}
