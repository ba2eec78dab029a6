package io.ringloom.rings.carrier;

import io.ringloom.core.RingMode;
import io.ringloom.rings.Request;
import io.ringloom.rings.sys.IoUring;

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
        List<Path> carriers = carrierSyscallFiles();
        Thread.sleep(100);   // idle by now: asleep in the kernel
        System.out.println("carriers=" + carriers.size() + " before=" + samplesInKernel(carriers));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Thread.sleep(100);
                System.out.println("inkernel=" + samplesInKernel(carriers));
            } catch (Exception e) {
                System.out.println("inkernel=failed " + e);
            }
        }));
        // returns with the pool running, as a program on the agent's pool does
    }

    private static int samplesInKernel(List<Path> carriers) throws InterruptedException {
        int n = 0;
        for (int i = 0; i < 20; i++) {
            for (Path f : carriers) {
                try {
                    if (Files.readString(f).startsWith(IoUring.SYS_IO_URING_ENTER + " ")) n++;
                } catch (java.io.IOException gone) {
                    // the thread ended
                }
            }
            Thread.sleep(2);
        }
        return n;
    }

    private static List<Path> carrierSyscallFiles() throws java.io.IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip().equals("exitapp-carrier");
                } catch (java.io.IOException gone) {
                    return false;
                }
            }).map(t -> t.resolve("syscall")).toList();
        }
    }
}
