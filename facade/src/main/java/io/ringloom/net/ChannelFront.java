package io.ringloom.net;

import io.ringloom.internal.Bracket;
import io.ringloom.internal.FdHolder;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.spi.AbstractInterruptibleChannel;

/**
 * What an implementation may do to the public channel in front of it: ask
 * whether it is open, close it, and lend the channel's {@code begin}/{@code end}
 * (protected in {@link AbstractInterruptibleChannel}, so the front hands them
 * in) to the {@link Bracket} around a blocking call. The
 * channel's open flag is the one {@code isOpen()} answers, as in the JDK's
 * {@code SocketChannelImpl}; an implementation's own state says how far the
 * socket has got.
 */
final class ChannelFront implements Bracket.Ends {
    /** {@link AbstractInterruptibleChannel#end}, which throws. */
    interface End {
        void end(boolean completed) throws AsynchronousCloseException;
    }

    private final AbstractInterruptibleChannel channel;
    private final Runnable begin;
    private final End end;
    /** Set once the channel serves {@code java.net}: its fd then says whom an interrupt concerns. */
    private volatile FdHolder javaNetFd;

    ChannelFront(AbstractInterruptibleChannel channel, Runnable begin, End end) {
        this.channel = channel;
        this.begin = begin;
        this.end = end;
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    void close() throws IOException {
        channel.close();
    }

    /**
     * Makes the channel follow {@code java.net}'s interrupt rule from now on:
     * an interrupt of a virtual thread ends its call and closes the socket, one
     * of a platform thread changes nothing ({@link FdHolder#interruptOnlyVirtualThreads}).
     */
    void interruptOnlyVirtualThreads(FdHolder fd) {
        fd.interruptOnlyVirtualThreads();
        javaNetFd = fd;
    }

    /** Whether {@link Bracket} frames the current thread's calls with begin and end. */
    @Override
    public boolean interruptible() {
        FdHolder fd = javaNetFd;
        return fd == null || fd.interruptibleByCurrentThread();
    }

    /** Before a call that may block: an interrupt from now on closes the channel. */
    @Override
    public void beginBlocking() {
        begin.run();
    }

    /**
     * After it: throws {@code ClosedByInterruptException} if the caller was
     * interrupted, {@code AsynchronousCloseException} if the call did not
     * complete because the channel was closed.
     */
    @Override
    public void endBlocking(boolean completed) throws AsynchronousCloseException {
        end.end(completed);
    }

    /**
     * {@code e} came from the JDK channel under this one. If that channel
     * closed itself (an interrupt, or a close racing the call), this one closes
     * too, so that {@code isOpen()} tells the truth, as the JDK's own channel's
     * does after a {@code ClosedByInterruptException}.
     */
    IOException followClose(Channel jdk, IOException e) {
        if (!jdk.isOpen()) {
            try {
                channel.close();
            } catch (IOException again) {
                e.addSuppressed(again);
            }
        }
        return e;
    }
}
