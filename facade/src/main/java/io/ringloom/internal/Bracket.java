package io.ringloom.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.file.Path;

/**
 * The bracket around every blocking call of a channel, as
 * {@code InterruptibleChannel} requires and {@code sun.nio.ch.FileChannelImpl}
 * writes at each call: {@code begin()}, a use of the fd ({@link FdHolder}),
 * the call, the use given back, {@code end(completed)}
 * (docs/DESIGN.md, "Lifecycle and close"). Outcomes:
 * <pre>
 *   result                          channel   thrown
 *   count, or -1 at EOF             open      none: the result
 *   -1 at EOF                       closed    AsynchronousCloseException (end), as FileChannelImpl
 *   anything                        interrupted: ClosedByInterruptException (end)
 *   cancellation (Errors)           closed    AsynchronousCloseException (end)
 *   -EBADF                          closed    ClosedChannelException
 *   other -errno                              Errors.forFd, naming the call, path and fd
 *   (no use: closed before the call)          AsynchronousCloseException (end)
 * </pre>
 * One per channel; the calls pass their arguments rather than capturing
 * them, so a read or write makes no object.
 */
public final class Bracket {
    /**
     * What the bracket needs of its channel: {@code AbstractInterruptibleChannel}'s
     * {@code begin} and {@code end}, which are protected, so the channel lends them.
     */
    public interface Ends {
        void beginBlocking();

        void endBlocking(boolean completed) throws AsynchronousCloseException;

        boolean isOpen();
    }

    /** A transfer on one buffer; the channel makes one of these per kind of call, once. */
    @FunctionalInterface
    public interface Transfer {
        long run(ByteBuffer buf, long position) throws IOException;
    }

    /** Any other call on the fd. */
    @FunctionalInterface
    public interface Call {
        long run() throws IOException;
    }

    /** The channel whose begin and end frame each call. */
    private final Ends channel;
    /** The channel's fd; every call holds a use of it. */
    private final FdHolder fd;
    /** For messages; null when the channel has no path. */
    private final Path path;

    public Bracket(Ends channel, FdHolder fd, Path path) {
        this.channel = channel;
        this.fd = fd;
        this.path = path;
    }

    /**
     * Runs {@code transfer} on {@code buf} at {@code position} inside the
     * bracket; {@code call} names it in messages.
     *
     * @return the result (a count, -1 at EOF), or 0 when the call was cut short
     *         and {@code end} did not throw (it always does then, unless the
     *         caller was interrupted too late to matter)
     */
    public long run(String call, Transfer transfer, ByteBuffer buf, long position) throws IOException {
        long n = 0;
        boolean completed = false;
        channel.beginBlocking();
        try {
            if (!fd.acquire()) return 0;
            try {
                n = transfer.run(buf, position);
                IOException e = Errors.forFdResult(n, call, fd.fd(), path, channel.isOpen(),
                        Thread.currentThread().isInterrupted());
                if (e != null) throw e;
                completed = n >= 0 || n == -1 && channel.isOpen();
            } finally {
                fd.release();
            }
        } finally {
            channel.endBlocking(completed);
        }
        return n;
    }

    /** As {@link #run(String, Transfer, ByteBuffer, long)}, for a call on no buffer. */
    public long run(String call, Call c) throws IOException {
        return run(call, (buf, position) -> c.run(), null, 0);
    }
}
