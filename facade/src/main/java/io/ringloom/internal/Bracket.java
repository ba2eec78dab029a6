package io.ringloom.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;

/**
 * The bracket around every blocking call of a channel, as
 * {@code InterruptibleChannel} requires and {@code sun.nio.ch.FileChannelImpl}
 * writes at each call: {@code begin()}, a use of the fd ({@link FdHolder}),
 * the call, the use given back, {@code end(completed)}
 * (docs/DESIGN.md, "Lifecycle and close"). Outcomes:
 * <pre>
 *   result                          channel      thrown
 *   count, or EOF                   open         none: the result
 *   count                           closed       none: the result
 *   EOF                             closed       AsynchronousCloseException (end), as FileChannelImpl
 *   anything                        interrupted  ClosedByInterruptException (end)
 *   cancellation (Errors)           closed       AsynchronousCloseException (end)
 *   (no use: closed before the call)             AsynchronousCloseException (end)
 *   other -errno                    open         file: Errors.forFdResult; socket: Errors.forSocketResult
 *   other -errno                    closed       AsynchronousCloseException (end replaces what the rules threw)
 * </pre>
 * A file's transfer returns -1 at EOF. A socket's returns the kernel's
 * result, where -1 is {@code -EPERM}: EOF is a 0 from a transfer on a buffer
 * (a read; a write of nothing, as the JDK's {@code SocketChannelImpl} counts
 * it), while a 0 from a call on no buffer (connect) is its success.
 * One per channel; the calls pass their arguments rather than capturing
 * them, so a read or write makes no object.
 *
 * <p>A channel that is not {@link Ends#interruptible() interruptible} (a stream's,
 * as {@code FileChannelImpl.setUninterruptible()} makes the JDK's) gets no
 * {@code begin} and {@code end}, as {@code FileChannelImpl.beginBlocking} and
 * {@code endBlocking} skip them: an interrupt neither closes the channel nor
 * changes a result, and its ring requests are not cancelled by it
 * ({@link IoDispatcher}). The use of the fd and the rows for a closed channel
 * stand: a close during the call is still an {@code AsynchronousCloseException},
 * thrown here where {@code end} would throw it.
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

        /** Whether an interrupt ends the channel's blocking calls; false once a file channel is made uninterruptible. */
        default boolean interruptible() {
            return true;
        }
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
    /** Socket rules: errors as the JDK's sockets give them, and a transfer's {@code position} is its timeout. */
    private final boolean socket;

    private Bracket(Ends channel, FdHolder fd, Path path, boolean socket) {
        this.channel = channel;
        this.fd = fd;
        this.path = path;
        this.socket = socket;
    }

    /** The bracket of a file channel on {@code fd}; {@code path} names it in messages. */
    public static Bracket forFile(Ends channel, FdHolder fd, Path path) {
        return new Bracket(channel, fd, path, false);
    }

    /**
     * The bracket of a socket on {@code fd}: a transfer's {@code position}
     * argument carries the call's timeout in milliseconds (0: none), whose
     * expiry is a {@code SocketTimeoutException}.
     */
    public static Bracket forSocket(Ends channel, FdHolder fd) {
        return new Bracket(channel, fd, null, true);
    }

    /**
     * Runs {@code transfer} on {@code buf} at {@code position} (a socket's:
     * its timeout) inside the bracket; {@code call} names it in messages.
     *
     * @return the result (a count, or EOF), or 0 when the call was cut short
     *         and {@code end} did not throw (it always does then, unless the
     *         caller was interrupted too late to matter)
     */
    public long run(String call, Transfer transfer, ByteBuffer buf, long position) throws IOException {
        long n = 0;
        boolean completed = false;
        boolean interruptible = channel.interruptible();
        if (interruptible) channel.beginBlocking();
        try {
            if (!fd.acquire()) return 0;
            try {
                n = transfer.run(buf, position);
                boolean open = channel.isOpen();
                boolean interrupted = interruptible && Thread.currentThread().isInterrupted();
                IOException e = socket ? Errors.forSocketResult(n, call, position > 0, open, interrupted)
                        : Errors.forFdResult(n, call, fd.fd(), path, open, interrupted);
                if (e != null) throw e;
                completed = socket ? n > 0 || n == 0 && (buf == null || channel.isOpen())
                        : n >= 0 || n == -1 && channel.isOpen();
            } finally {
                fd.release();
            }
        } finally {
            if (interruptible) {
                channel.endBlocking(completed);
            } else if (!completed && !channel.isOpen()) {
                throw new AsynchronousCloseException();   // end's rule for a close, without its interrupt rule
            }
        }
        return n;
    }

    /** As {@link #run(String, Transfer, ByteBuffer, long)}, for a call on no buffer. */
    public long run(String call, Call c) throws IOException {
        return run(call, (buf, position) -> c.run(), null, 0);
    }

    /**
     * A call that never blocks ({@code shutdown(2)}): under a use of the fd,
     * but without begin and end, as the JDK's channels make it, so an
     * interrupt does not close the channel. Any {@code -errno} throws.
     *
     * @throws ClosedChannelException when the fd is already closing
     */
    public long runNonBlocking(String call, Call c) throws IOException {
        if (!fd.acquire()) throw new ClosedChannelException();
        try {
            long r = c.run();
            if (r < 0) throw socket ? Errors.forSocket((int) r, call) : Errors.forFd((int) r, call, fd.fd(), path);
            return r;
        } finally {
            fd.release();
        }
    }
}
