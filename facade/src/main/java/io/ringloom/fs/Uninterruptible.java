package io.ringloom.fs;

import java.io.IOException;

/**
 * Calls made the way the JDK's provider makes them: not interruptible. The
 * JDK's open, unlink, mkdir, rename and copy are plain syscalls that an
 * interrupt neither stops nor notices, and its streams' channels are
 * uninterruptible; Ringloom's ring calls cancel on interrupt and its channel
 * closes on interrupt. So the interrupt status is taken off the thread for the
 * call and put back after it: an interrupt raised before the call is kept,
 * and the call runs as the JDK's would. An interrupt that arrives during a
 * ring call still cancels it; the provider then makes the JDK's call, so the
 * operation is still done once.
 */
final class Uninterruptible {
    private Uninterruptible() {}

    interface Call<T> {
        T run() throws IOException;
    }

    static <T> T call(Call<T> call) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            return call.run();
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
