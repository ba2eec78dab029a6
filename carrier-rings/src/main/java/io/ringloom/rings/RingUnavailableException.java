package io.ringloom.rings;

import io.ringloom.rings.sys.Errno;

import java.io.IOException;

/** io_uring cannot be used here; the message says why. */
public final class RingUnavailableException extends IOException {
    private final int errno;

    public RingUnavailableException(int errno) {
        super(explain(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    static String explain(int errno) {
        return switch (errno) {
            case Errno.EPERM -> "io_uring_setup: EPERM: io_uring is disabled (sysctl kernel.io_uring_disabled) "
                    + "or forbidden by a seccomp profile such as Docker's default";
            case Errno.ENOSYS -> "io_uring_setup: ENOSYS: this kernel has no io_uring";
            case Errno.ENOMEM -> "io_uring_setup: ENOMEM: out of locked memory (kernels before 5.12 "
                    + "charge rings to RLIMIT_MEMLOCK)";
            default -> "io_uring_setup: " + Errno.name(errno);
        };
    }
}
