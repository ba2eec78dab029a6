package io.ringloom.rings.carrier;

import io.ringloom.core.RingMode;
import io.ringloom.rings.Request;
import io.ringloom.rings.sys.IoUring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A program that ends with a pool still running, for {@link CarrierSchedulerIT}: its
 * own shutdown hook, 100 ms into the JVM's shutdown, samples the carriers' system
 * calls 40 times and prints {@code inkernel=N}, the samples that found one asleep in
 * {@code io_uring_enter}, and {@code before=N} for the same count while it still ran.
 */
public final class ExitHookApp {
    private ExitHookApp() {}

    public static void main(String[] args) throws Exception {
        CarrierScheduler scheduler = CarrierScheduler.start(2, 64, RingMode.COOP, "exitapp");
        Thread t = scheduler.newThread(() -> {
            try {
                scheduler.submitAndAwait(Request.nop());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        t.join();
        List<Path> carriers = carrierSyscallFiles("exitapp");
        Thread.sleep(100);   // idle by now: asleep in the kernel
        System.out.println("carriers=" + carriers.size() + " before=" + samplesInKernel(carriers, 20));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Thread.sleep(100);
                System.out.println("inkernel=" + samplesInKernel(carriers, 20));
            } catch (Exception e) {
                System.out.println("inkernel=failed " + e);
            }
        }));
        // returns with the pool running, as a program on the agent's pool does
    }

    /** Of {@code rounds} looks 2 ms apart at each of {@code carriers}, those that found it in {@code io_uring_enter}. */
    static int samplesInKernel(List<Path> carriers, int rounds) throws InterruptedException {
        int n = 0;
        for (int i = 0; i < rounds; i++) {
            for (Path f : carriers) if (syscallOf(f) == IoUring.SYS_IO_URING_ENTER) n++;
            Thread.sleep(2);
        }
        return n;
    }

    /** The system call the thread of {@code syscallFile} is blocked in, or -1 when in none (running, or gone). */
    static long syscallOf(Path syscallFile) {
        try {
            String first = Files.readString(syscallFile).strip().split(" ")[0];
            return first.equals("running") ? -1 : Long.parseLong(first);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** {@code /proc/self/task/TID/syscall} of each carrier of the pool {@code name} (by their comm, 15 bytes). */
    static List<Path> carrierSyscallFiles(String name) throws IOException {
        String carrier = name + "-carrier-";
        String comm = carrier.substring(0, Math.min(15, carrier.length()));
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip().equals(comm);
                } catch (IOException gone) {
                    return false;
                }
            }).map(t -> t.resolve("syscall")).toList();
        }
    }
}
