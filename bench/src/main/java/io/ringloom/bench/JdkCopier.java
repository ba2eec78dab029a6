package io.ringloom.bench;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * The baseline copier for {@code bench copy}: {@code Files.copy(COPY_ATTRIBUTES,
 * NOFOLLOW_LINKS)} per file, one JDK default virtual thread per file, at most
 * 64 at once. Usage: {@code JdkCopier SRC DST}.
 */
public final class JdkCopier {
    private JdkCopier() {}

    public static void main(String[] args) throws Exception {
        Path src = Path.of(args[0]), dst = Path.of(args[1]);
        Semaphore inFlight = new Semaphore(64);
        List<Future<?>> futures = new ArrayList<>();
        List<Path[]> dirs = new ArrayList<>();
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
            Files.walkFileTree(src, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Path t = dst.resolve(src.relativize(dir));
                    Files.createDirectories(t);
                    dirs.add(new Path[] {dir, t});
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    Path t = dst.resolve(src.relativize(file));
                    inFlight.acquireUninterruptibly();
                    futures.add(vt.submit(() -> {
                        try {
                            Files.copy(file, t, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                        } finally {
                            inFlight.release();
                        }
                        return null;
                    }));
                    return FileVisitResult.CONTINUE;
                }
            });
            for (Future<?> f : futures) f.get();
        }
        for (int i = dirs.size() - 1; i >= 0; i--) {
            Files.setLastModifiedTime(dirs.get(i)[1], Files.getLastModifiedTime(dirs.get(i)[0]));
        }
    }
}
