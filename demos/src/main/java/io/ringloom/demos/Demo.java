package io.ringloom.demos;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;

/**
 * {@code ./ringloom demo}: generates a small sample tree in a temporary
 * folder, copies it with ringcopy (-a --verify), prints the summary, and
 * removes both.
 */
final class Demo {
    private Demo() {}

    static int run() throws Exception {
        Path base = Files.createTempDirectory("ringcopy-demo-");
        Path src = base.resolve("sample");
        Path dst = base.resolve("copy");
        PrintStream out = System.out;
        try {
            long bytes = generate(src);
            out.printf("ringcopy demo: generated %s (%,d bytes apparent) with nested folders, empty, small, large and sparse files, a symlink%n",
                    src, bytes);
            out.println("ringcopy demo: ./ringloom copy -a --verify " + src + " " + dst);
            int status = RingCopy.run(new String[] {"-a", "--verify", src.toString(), dst.toString()}, out, System.err);
            long copied;
            try (Stream<Path> s = Files.walk(dst)) {
                copied = s.count();
            }
            out.printf("ringcopy demo: exit status %d, %d entries under %s; cleaning up%n", status, copied, dst);
            return status;
        } finally {
            try (Stream<Path> s = Files.walk(base)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** Writes the sample tree; returns its byte count. */
    static long generate(Path root) throws IOException {
        Random rnd = new Random(2026);
        long total = 0;
        for (int d = 0; d < 8; d++) {
            Path dir = Files.createDirectories(root.resolve("dir-" + d).resolve("sub-" + (d % 3)));
            for (int f = 0; f < 40; f++) {
                int size = switch (f % 5) {
                    case 0 -> 0;
                    case 1 -> 1;
                    case 2 -> 4096 + rnd.nextInt(4096);
                    case 3 -> 64 * 1024 + rnd.nextInt(64 * 1024);
                    default -> 512 * 1024 + rnd.nextInt(512 * 1024);
                };
                byte[] data = new byte[size];
                rnd.nextBytes(data);
                Files.write(dir.resolve("file " + f + ".bin"), data);
                total += size;
            }
        }
        Path big = root.resolve("large.bin");
        byte[] chunk = new byte[1 << 20];
        try (FileChannel ch = FileChannel.open(big, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 32; i++) {
                rnd.nextBytes(chunk);
                ch.write(ByteBuffer.wrap(chunk));
            }
        }
        total += 32L << 20;
        try (FileChannel ch = FileChannel.open(root.resolve("sparse.bin"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("start".getBytes()), 0);
            ch.write(ByteBuffer.wrap("end".getBytes()), 256L << 20);
        }
        total += (256L << 20) + 3;
        Files.createSymbolicLink(root.resolve("link-to-large"), Path.of("large.bin"));
        return total;
    }
}
