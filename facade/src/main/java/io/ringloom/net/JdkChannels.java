package io.ringloom.net;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.SelectableChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * The JDK's own channel machinery that the drop-in channels stand on
 * (docs/DESIGN.md, "Drop-in"): the JDK's {@link SelectorProvider}
 * ({@code sun.nio.ch.DefaultSelectorProvider.get()}), the fd of one of its
 * channels ({@code sun.nio.ch.SelChImpl.getFDVal()}) and the last step of a
 * close that waited for the channel's keys ({@code SelChImpl.kill()}). Both live in a package
 * java.base does not export: the agent exports it to Ringloom, and
 * {@code ./ringloom jvm-flags} prints {@code --add-exports} for it as well.
 */
final class JdkChannels {
    private JdkChannels() {}

    /** The option that makes {@code sun.nio.ch} reachable from the class path. */
    static final String ADD_EXPORTS = "--add-exports java.base/sun.nio.ch=ALL-UNNAMED";

    /** The JDK's provider; null when unreachable ({@link #UNAVAILABLE} says why). */
    private static final SelectorProvider PROVIDER;
    /** {@code int SelChImpl.getFDVal()}; null when unreachable. */
    private static final MethodHandle FD_VAL;
    /** {@code void SelChImpl.kill()}; null when unreachable. */
    private static final MethodHandle KILL;
    /** Null when both are reachable, else why not. */
    static final String UNAVAILABLE;

    static {
        SelectorProvider provider = null;
        MethodHandle fdVal = null;
        MethodHandle kill = null;
        String why = null;
        try {
            Class<?> defaults = Class.forName("sun.nio.ch.DefaultSelectorProvider");
            provider = (SelectorProvider) defaults.getMethod("get").invoke(null);
            Class<?> selCh = Class.forName("sun.nio.ch.SelChImpl");
            fdVal = MethodHandles.lookup().findVirtual(selCh, "getFDVal", MethodType.methodType(int.class));
            kill = MethodHandles.lookup().findVirtual(selCh, "kill", MethodType.methodType(void.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            why = "the JDK's channel classes are not reachable (" + e + "); add " + ADD_EXPORTS
                    + " or the Ringloom agent";
            provider = null;
            fdVal = null;
            kill = null;
        }
        PROVIDER = provider;
        FD_VAL = fdVal;
        KILL = kill;
        UNAVAILABLE = why;
    }

    /** The JDK's provider; throws naming the missing option when it cannot be reached. */
    static SelectorProvider provider() {
        if (PROVIDER == null) throw new IllegalStateException(UNAVAILABLE);
        return PROVIDER;
    }

    /** The fd of a channel the JDK's provider made. */
    static int fdVal(SelectableChannel jdkChannel) {
        try {
            return (int) FD_VAL.invoke(jdkChannel);
        } catch (Throwable e) {
            throw new IllegalStateException("no fd for " + jdkChannel, e);
        }
    }

    /**
     * What the JDK's selector does when it deregisters a key
     * ({@code SelectorImpl.processDeregisterQueue}): a JDK channel closed
     * while registered waits, open in the kernel, until it is registered
     * nowhere, and then the selector that removed its last key finishes the
     * close. A JDK channel in a {@link RingSelector} is registered twice
     * (there, and in the JDK selector underneath): whichever goes last must
     * finish it.
     */
    static void killIfUnregistered(SelectableChannel jdkChannel) throws java.io.IOException {
        if (KILL == null || jdkChannel.isOpen() || jdkChannel.isRegistered()) return;
        try {
            KILL.invoke(jdkChannel);
        } catch (java.io.IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("SelChImpl.kill of " + jdkChannel, e);
        }
    }
}
