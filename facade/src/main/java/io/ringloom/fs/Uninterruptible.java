package io.ringloom.fs;

import java.io.IOException;

/**
 * Path calls made the way the JDK's provider makes them: not interruptible.
 * The JDK's open, unlink, mkdir and rename are plain syscalls that an
 * interrupt neither stops nor notices; Ringloom's ring calls cancel on
 * interrupt. So the interrupt status is taken off the thread for the call and
 * put back after it: an interrupt raised before the call is kept, and the call
 * runs as the JDK's would. An interrupt that arrives during a ring call still
 * cancels it; the provider then makes the JDK's call, so the operation is
 * still done once. Reads and writes need none of this: their channels are made
 * uninterruptible ({@code RingFileChannelImpl.setUninterruptible()}).
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
