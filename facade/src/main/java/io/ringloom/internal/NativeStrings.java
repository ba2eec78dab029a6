package io.ringloom.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.Charset;
import java.nio.file.Path;

/** Paths as the kernel wants them: NUL-terminated bytes in the platform's file-name encoding. */
public final class NativeStrings {
    private NativeStrings() {}

    private static final Charset JNU = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));

    public static MemorySegment path(Arena arena, Path path) {
        String s = path.toString();
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("path contains a NUL character: " + s);
        }
        byte[] bytes = s.getBytes(JNU);
        MemorySegment seg = arena.allocate(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
        seg.set(ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
        return seg;
    }
}
