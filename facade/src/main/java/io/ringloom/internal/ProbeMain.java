package io.ringloom.internal;

import io.ringloom.core.RingMode;
import io.ringloom.rings.Ring;
import io.ringloom.rings.RingUnavailableException;
import io.ringloom.rings.sys.IoUring;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code ./ringloom probe}: what io_uring offers on this machine. Exit 0 when usable, 3 when not. */
public final class ProbeMain {
    private ProbeMain() {}

    public static void main(String[] args) {
        System.out.println("kernel:          " + kernelRelease());
        System.out.println("native backend:  " + SysCalls.get().name());
        try (Ring ring = Ring.open(8, RingMode.COOP)) {
            System.out.println("io_uring:        usable");
            System.out.println("setup flags:     " + IoUring.setupFlagNames(ring.setupFlags()));
            int refused = ring.requestedFlags() & ~ring.setupFlags();
            System.out.println("refused flags:   " + (refused == 0 ? "(none)" : IoUring.setupFlagNames(refused)));
            System.out.println("features:        " + IoUring.featureNames(ring.features()));
            System.out.println("ring fd registration: " + (ring.registerRingFd() ? "yes" : "no"));
            System.out.println("opcodes (" + ring.probe().supportedNames().size() + ", last "
                    + ring.probe().lastOp() + "): " + String.join(" ", ring.probe().supportedNames()));
            System.exit(0);
        } catch (RingUnavailableException e) {
            System.out.println("io_uring:        unavailable: " + e.getMessage());
            System.exit(3);
        } catch (IOException | RuntimeException e) {
            System.out.println("io_uring:        unusable: " + e);
            System.exit(3);
        }
    }

    private static String kernelRelease() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            return System.getProperty("os.version");
        }
    }
}
