package io.ringloom.net;

import io.ringloom.internal.DropIn;
import io.ringloom.internal.IoDispatcher;
import io.ringloom.rings.carrier.CarrierScheduler;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketImpl;
import java.net.SocketImplFactory;
import java.nio.channels.spi.SelectorProvider;

/**
 * The JVM-wide {@code SocketImplFactory}s that put {@code java.net.Socket}
 * and {@code ServerSocket} on the rings ({@code Socket.setSocketImplFactory},
 * {@code ServerSocket.setSocketFactory}: deprecated since 17, not for
 * removal, one each per JVM), installed by the agent (docs/DESIGN.md,
 * "Drop-in sockets"). Each socket gets a {@link RingSocketImpl} where a ring
 * can serve it: the caller's pool's, else the agent's JVM-wide pool's;
 * otherwise the JDK's own {@code NioSocketImpl}, as without the factories.
 */
public final class RingSocketFactories {
    private RingSocketFactories() {}

    /** {@code new sun.nio.ch.NioSocketImpl(boolean server)}: the JDK's impl, for sockets no ring serves. */
    private static final MethodHandle JDK_IMPL;

    static {
        MethodHandle h = null;
        try {
            Class<?> nio = Class.forName("sun.nio.ch.NioSocketImpl");
            h = MethodHandles.lookup().findConstructor(nio, MethodType.methodType(void.class, boolean.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            h = null;
        }
        JDK_IMPL = h;
    }

    private static boolean clientFactoryIsOurs() {
        VarHandle inForce = clientFactoryInForce;
        SocketImplFactory ours = installedClient;
        return ours != null && (inForce == null || inForce.getVolatile() == ours);
    }

    /** The provider the impls' channels name as theirs: the JVM's when it is Ringloom's. */
    private static volatile RingSelectorProvider provider;

    static RingSelectorProvider provider() {
        RingSelectorProvider p = provider;
        if (p == null) {
            synchronized (RingSocketFactories.class) {
                p = provider;
                if (p == null) {
                    provider = p = SelectorProvider.provider() instanceof RingSelectorProvider r ? r : new RingSelectorProvider();
                }
            }
        }
        return p;
    }

    /** The factories in place after {@link #install}: Ringloom's, or null where it could not set one. */
    public record Installed(SocketImplFactory client, SocketImplFactory server) {}

    /** The client factory {@link #install} set; null before, or when the application's was kept. */
    private static volatile SocketImplFactory installedClient;
    /**
     * {@code java.net.Socket.factory}, the client factory in force (static), reached by
     * {@link #install} once the agent opened {@code java.net} to Ringloom; null when it
     * cannot be read.
     */
    private static volatile VarHandle clientFactoryInForce;

    /**
     * Installs both factories; where one cannot be set (the JDK's classes are
     * unreachable, or the application set its factory first, which is then
     * kept) one log line says why.
     */
    @SuppressWarnings("deprecation")   // the JVM-wide hooks are the only way to reach java.net sockets
    public static Installed install() {
        if (JdkChannels.UNAVAILABLE != null || JDK_IMPL == null) {
            System.getLogger("io.ringloom").log(System.Logger.Level.WARNING, "Ringloom: java.net sockets stay the JDK's: "
                    + (JdkChannels.UNAVAILABLE != null ? JdkChannels.UNAVAILABLE : "sun.nio.ch.NioSocketImpl is not reachable"));
            return new Installed(null, null);
        }
        SocketImplFactory client = () -> create(false);
        SocketImplFactory server = () -> create(true);
        try {
            clientFactoryInForce = MethodHandles.privateLookupIn(Socket.class, MethodHandles.lookup())
                    .findStaticVarHandle(Socket.class, "factory", SocketImplFactory.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.getLogger("io.ringloom").log(System.Logger.Level.DEBUG, "Ringloom: java.net.Socket's factory cannot be read", e);
        }
        try {
            Socket.setSocketImplFactory(client);
            installedClient = client;
        } catch (IOException e) {
            client = null;
            System.getLogger("io.ringloom").log(System.Logger.Level.WARNING, "Ringloom: the application set its own Socket factory, which is kept:"
                    + " java.net client sockets stay off the rings (" + e.getMessage() + ")");
        }
        try {
            ServerSocket.setSocketFactory(server);
        } catch (IOException e) {
            server = null;
            System.getLogger("io.ringloom").log(System.Logger.Level.WARNING, "Ringloom: the application set its own ServerSocket factory, which is"
                    + " kept: java.net server sockets stay off the rings (" + e.getMessage() + ")");
        }
        return new Installed(client, server);
    }

    /**
     * A ring-served impl where a ring can serve it, else the JDK's. A server
     * impl is Ringloom's only while the client factory in force is Ringloom's:
     * {@code ServerSocket.accept} takes the accepted socket's impl from the client
     * factory when the server's impl is not the JDK's, and a ring server can
     * accept only into its own kind. With the application's client factory (set
     * before the agent, or after it), a server socket is the JDK's, whose accept
     * makes the JDK's impl, as without any server factory.
     */
    private static SocketImpl create(boolean server) {
        CarrierScheduler s = IoDispatcher.scheduler();
        if (s == null) s = DropIn.jvmWideScheduler();
        if (s != null && (!server || clientFactoryIsOurs())) return new RingSocketImpl(server, s);
        try {
            return (SocketImpl) JDK_IMPL.invoke(server);
        } catch (Throwable e) {
            throw new IllegalStateException("the JDK's SocketImpl could not be made", e);
        }
    }
}
