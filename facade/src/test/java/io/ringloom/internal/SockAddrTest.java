package io.ringloom.internal;

import io.ringloom.rings.sys.SysCalls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;

import static org.junit.jupiter.api.Assertions.*;

/** {@code sockaddr_in}/{@code sockaddr_in6} encoding and decoding; needs no kernel feature. */
class SockAddrTest {
    private static byte[] bytes(MemorySegment s, long offset, int length) {
        return s.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** The port as the kernel reads it: network byte order. */
    private static int port(MemorySegment s) {
        return (Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, 2)) << 8) | Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, 3));
    }

    @Test
    void ipv4EncodesAsSockaddrIn() throws Exception {
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 1, 2, (byte) 254}), 8080);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = SockAddr.encode(arena, a);
            assertEquals(SockAddr.IN_SIZE, s.byteSize());
            assertEquals(SysCalls.AF_INET, SockAddr.family(a));
            assertEquals(SysCalls.AF_INET, s.get(ValueLayout.JAVA_SHORT, 0));
            assertEquals(8080, port(s));
            assertArrayEquals(new byte[] {10, 1, 2, (byte) 254}, bytes(s, 4, 4));
            assertArrayEquals(new byte[8], bytes(s, 8, 8), "sin_zero");
            assertEquals(a, SockAddr.decode(s));
        }
    }

    @Test
    void ipv6EncodesAsSockaddrIn6() throws Exception {
        byte[] ip = InetAddress.getByName("2001:db8::1:2").getAddress();
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByAddress(ip), 443);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = SockAddr.encode(arena, a);
            assertEquals(SockAddr.IN6_SIZE, s.byteSize());
            assertEquals(SysCalls.AF_INET6, SockAddr.family(a));
            assertEquals(SysCalls.AF_INET6, s.get(ValueLayout.JAVA_SHORT, 0));
            assertEquals(443, port(s));
            assertEquals(0, s.get(ValueLayout.JAVA_INT, 4), "sin6_flowinfo");
            assertArrayEquals(ip, bytes(s, 8, 16));
            assertEquals(0, s.get(ValueLayout.JAVA_INT, 24), "sin6_scope_id");
            assertEquals(a, SockAddr.decode(s));
        }
    }

    @Test
    void ipv6ScopeIdRoundTrips() throws Exception {
        byte[] linkLocal = InetAddress.getByName("fe80::1").getAddress();
        InetSocketAddress a = new InetSocketAddress(Inet6Address.getByAddress(null, linkLocal, 3), 9000);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = SockAddr.encode(arena, a);
            assertEquals(3, s.get(ValueLayout.JAVA_INT, 24));
            InetSocketAddress back = SockAddr.decode(s);
            assertEquals(a, back);
            assertEquals(3, ((Inet6Address) back.getAddress()).getScopeId());
        }
    }

    @ParameterizedTest(name = "port {0}")
    @ValueSource(ints = {0, 1, 255, 256, 32_767, 32_768, 65_535})
    void everyPortRoundTripsInNetworkOrder(int p) throws Exception {
        for (InetAddress ip : new InetAddress[] {InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")}) {
            InetSocketAddress a = new InetSocketAddress(ip, p);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment s = SockAddr.encode(arena, a);
                assertEquals(p, port(s));
                assertEquals(a, SockAddr.decode(s));
            }
        }
    }

    /** A v4 peer on a dual-stack listener: the JDK reports it as the IPv4 address too. */
    @Test
    void ipv4MappedIpv6DecodesToIpv4() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(SockAddr.IN6_SIZE, 8);
            s.set(ValueLayout.JAVA_SHORT, 0, (short) SysCalls.AF_INET6);
            s.set(ValueLayout.JAVA_BYTE, 2, (byte) 0x1f);
            s.set(ValueLayout.JAVA_BYTE, 3, (byte) 0x90);
            byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};   // ::ffff:127.0.0.1
            MemorySegment.copy(mapped, 0, s, ValueLayout.JAVA_BYTE, 8, 16);
            InetSocketAddress a = SockAddr.decode(s);
            assertInstanceOf(Inet4Address.class, a.getAddress());
            assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080), a);
        }
    }

    @Test
    void anotherFamilyDecodesToNull() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(SockAddr.STORAGE_SIZE, 8);
            s.set(ValueLayout.JAVA_SHORT, 0, (short) 1);   // AF_UNIX
            assertNull(SockAddr.decode(s));
        }
    }

    @Test
    void unresolvedAddressIsRejectedAsTheJdkDoes() throws Exception {
        InetSocketAddress unresolved = InetSocketAddress.createUnresolved("no-such-host.invalid", 80);
        try (SocketChannel jdk = SocketChannel.open()) {
            assertThrows(UnresolvedAddressException.class, () -> jdk.connect(unresolved));
        }
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(UnresolvedAddressException.class, () -> SockAddr.encode(arena, unresolved));
        }
        assertThrows(UnresolvedAddressException.class, () -> SockAddr.family(unresolved));
    }
}
