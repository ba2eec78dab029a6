package io.ringloom.files;

import io.ringloom.CarrierPool;
import io.ringloom.RingFiles;
import io.ringloom.internal.NativeStrings;
import io.ringloom.rings.sys.ProcFds;
import io.ringloom.rings.sys.SysCalls;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.*;

/** 10k pool virtual threads each read their own slice of one file through the ring; checksums match. */
class ManyReadersIT {

    static void evictFromPageCache(Path file) throws Exception {
        SysCalls sys = SysCalls.get();
        try (Arena a = Arena.ofConfined()) {
            int fd = sys.openat(SysCalls.AT_FDCWD, NativeStrings.path(a, file).address(), SysCalls.O_RDONLY, 0);
            assertTrue(fd >= 0);
            try {
                assertEquals(0, sys.fdatasync(fd));   // dirty pages are not dropped: write them back first
                assertEquals(0, sys.posixFadvise(fd, 0, 0, SysCalls.POSIX_FADV_DONTNEED));
            } finally {
                sys.close(fd);
            }
        }
    }

    @Test
    void tenThousandReadersEachChecksumTheirSlice(@TempDir Path dir) throws Exception {
        int threads = 10_000;
        int slice = 4096 + 17;   // not page aligned, so slices straddle pages
        byte[] data = new byte[threads * slice];
        new Random(1234).nextBytes(data);
        Path file = Files.write(dir.resolve("shared.bin"), data);
        long[] expected = new long[threads];
        for (int i = 0; i < threads; i++) {
            CRC32 crc = new CRC32();
            crc.update(data, i * slice, slice);
            expected[i] = crc.getValue();
        }
        evictFromPageCache(file);   // cold: RWF_NOWAIT fails, so the reads go through the ring
        Map<Integer, String> before = ProcFds.snapshot();
        AtomicInteger mismatches = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        try (CarrierPool pool = CarrierPool.builder().carriers(2).name("manyreaders").build();
             FileChannel ch = RingFiles.open(file, StandardOpenOption.READ)) {
            assertEquals(Boolean.getBoolean("ringloom.fallback"), pool.isFallback(), () -> "fallback: " + pool.fallbackReason());
            List<Thread> all = new ArrayList<>(threads);
            for (int i = 0; i < threads; i++) {
                int id = i;
                all.add(pool.startVirtualThread(() -> {
                    try {
                        ByteBuffer buf = (id & 1) == 0 ? ByteBuffer.allocate(slice) : ByteBuffer.allocateDirect(slice);
                        while (buf.hasRemaining()) {
                            if (ch.read(buf, (long) id * slice + buf.position()) < 0) break;
                        }
                        buf.flip();
                        CRC32 crc = new CRC32();
                        crc.update(buf);
                        if (crc.getValue() != expected[id]) mismatches.incrementAndGet();
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }));
            }
            for (Thread t : all) t.join(60_000);
            assertEquals(0, failures.get(), "reads that threw");
            assertEquals(0, mismatches.get(), "slices whose checksum differs");
            long sqes = pool.stats().stream().mapToLong(s -> s.sqesSubmitted()).sum();
            // Cold pages miss RWF_NOWAIT and go through the ring; readahead brings in the rest.
            assertTrue(sqes > 0 || pool.isFallback(), "no read went through the ring");
            System.out.println("ManyReadersIT: " + threads + " readers, " + sqes + " SQEs submitted, stats " + pool.stats());
        }
        assertEquals(Map.of(), ProcFds.leakedSince(before));
    }
}
