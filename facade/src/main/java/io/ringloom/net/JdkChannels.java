package io.ringloom.net;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.SelectableChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * The JDK's own channel machinery that the drop-in channels stand on
 * (docs/DESIGN.md, "Drop-in"): the JDK's {@link SelectorProvider}
 * ({@code sun.nio.ch.DefaultSelectorProvider.get()}) and the fd of one of its
 * channels ({@code sun.nio.ch.SelChImpl.getFDVal()}). Both live in a package
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
    /** Null when both are reachable, else why not. */
    static final String UNAVAILABLE;

    static {
        SelectorProvider provider = null;
        MethodHandle fdVal = null;
        String why = null;
        try {
            Class<?> defaults = Class.forName("sun.nio.ch.DefaultSelectorProvider");
            provider = (SelectorProvider) defaults.getMethod("get").invoke(null);
            Class<?> selCh = Class.forName("sun.nio.ch.SelChImpl");
            fdVal = MethodHandles.lookup().findVirtual(selCh, "getFDVal", MethodType.methodType(int.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            why = "the JDK's channel classes are not reachable (" + e + "); add " + ADD_EXPORTS
                    + " or the Ringloom agent";
            provider = null;
            fdVal = null;
        }
        PROVIDER = provider;
        FD_VAL = fdVal;
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
}
