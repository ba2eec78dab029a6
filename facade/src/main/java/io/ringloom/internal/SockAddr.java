package io.ringloom.internal;

import io.ringloom.rings.sys.SysCalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.channels.UnresolvedAddressException;

/**
 * {@code struct sockaddr_in} and {@code sockaddr_in6} (netinet/in.h).
 * <pre>
 * sockaddr_in  (16): 0 u16 family  2 be16 port  4 u8[4] addr   8 u8[8] zero
 * sockaddr_in6 (28): 0 u16 family  2 be16 port  4 u32 flowinfo 8 u8[16] addr  24 u32 scope_id
 * </pre>
 */
public final class SockAddr {
    private SockAddr() {}

    public static final int IN_SIZE = 16;
    public static final int IN6_SIZE = 28;
    /** Room for either, as {@code struct sockaddr_storage} would give. */
    public static final int STORAGE_SIZE = 128;
    private static final ValueLayout.OfShort PORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** The address family of {@code a}; an unresolved one throws {@link UnresolvedAddressException}, as the JDK's channels do. */
    public static int family(InetSocketAddress a) {
        return resolved(a) instanceof Inet6Address ? SysCalls.AF_INET6 : SysCalls.AF_INET;
    }

    /** {@code a} as the kernel takes it; an unresolved one throws {@link UnresolvedAddressException}, as the JDK's channels do. */
    public static MemorySegment encode(Arena arena, InetSocketAddress a) {
        InetAddress ip = resolved(a);
        if (ip instanceof Inet6Address v6) {
            MemorySegment s = arena.allocate(IN6_SIZE, 8);
            s.set(ValueLayout.JAVA_SHORT, 0, (short) SysCalls.AF_INET6);
            s.set(PORT, 2, (short) a.getPort());
            MemorySegment.copy(v6.getAddress(), 0, s, ValueLayout.JAVA_BYTE, 8, 16);
            s.set(ValueLayout.JAVA_INT, 24, v6.getScopeId());
            return s;
        }
        MemorySegment s = arena.allocate(IN_SIZE, 8);
        s.set(ValueLayout.JAVA_SHORT, 0, (short) SysCalls.AF_INET);
        s.set(PORT, 2, (short) a.getPort());
        MemorySegment.copy(ip.getAddress(), 0, s, ValueLayout.JAVA_BYTE, 4, 4);
        return s;
    }

    private static InetAddress resolved(InetSocketAddress a) {
        if (a.isUnresolved()) throw new UnresolvedAddressException();
        return a.getAddress();
    }

    /** Decodes an AF_INET or AF_INET6 address; null for another family. */
    public static InetSocketAddress decode(MemorySegment s) {
        int family = Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT, 0));
        int port = Short.toUnsignedInt(s.get(PORT, 2));
        try {
            if (family == SysCalls.AF_INET) {
                byte[] ip = s.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE);
                return new InetSocketAddress(Inet4Address.getByAddress(ip), port);
            }
            if (family == SysCalls.AF_INET6) {
                byte[] ip = s.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE);
                int scope = s.get(ValueLayout.JAVA_INT, 24);
                InetAddress a = scope != 0 ? Inet6Address.getByAddress(null, ip, scope) : InetAddress.getByAddress(ip);
                return new InetSocketAddress(a, port);
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("bad address bytes from the kernel", e);
        }
        return null;
    }
}
