package io.ringloom.bench;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The file-read workload written only against JDK APIs, as an unmodified
 * application would: {@code Executors.newVirtualThreadPerTaskExecutor()} and
 * {@code FileChannel.open}, 4 KiB random reads ({@link FileRead#readRandomBlocks},
 * plain JDK code, the same loop as the in-process contenders). {@link FileRead} runs it in a
 * child JVM with and without the options of {@code ./ringloom jvm-flags}.
 * Nothing here names a Ringloom type; the histogram is plain Java.
 *
 * <p>Arguments: {@code FILE READERS SECONDS}. Prints one line:
 * {@code result ops=.. p50us=.. p99us=.. carrier=..} (the carrier thread's name of one reader).
 */
public final class FileReadApp {
    private FileReadApp() {}

    private static final int BLOCK = 4096;

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int readers = Integer.parseInt(args[1]);
        double seconds = Double.parseDouble(args[2]);
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger failures = new AtomicInteger();
        AtomicReference<String> carrier = new AtomicReference<>("?");
        FileRead.Histogram[] hists = new FileRead.Histogram[readers];
        long elapsed;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            long blocks = ch.size() / BLOCK;
            for (int i = 0; i < readers; i++) {
                FileRead.Histogram h = hists[i] = new FileRead.Histogram();
                executor.submit(() -> {
                    // "VirtualThread[#31]/runnable@ringloom-carrier-0": the part after '@' names the carrier
                    String self = Thread.currentThread().toString();
                    carrier.set(self.substring(self.indexOf('@') + 1));
                    try {
                        FileRead.readRandomBlocks(ch, blocks, stop, measuring, h);
                    } catch (Exception e) {
                        failures.incrementAndGet();
                        e.printStackTrace();
                    }
                });
            }
            Thread.sleep(300);   // let every reader start
            measuring.set(true);
            long t0 = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            measuring.set(false);
            elapsed = System.nanoTime() - t0;
            stop.set(true);
        }
        if (failures.get() > 0) {
            System.out.println("result failed readers=" + failures.get());
            System.exit(1);
        }
        FileRead.Histogram all = new FileRead.Histogram();
        for (FileRead.Histogram h : hists) all.add(h);
        System.out.printf(Locale.ROOT, "result ops=%.0f p50us=%.1f p99us=%.1f carrier=%s%n",
                all.count * 1e9 / elapsed, all.percentile(0.50) / 1e3, all.percentile(0.99) / 1e3, carrier.get());
    }
}
