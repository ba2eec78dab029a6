package io.ringloom;

import io.ringloom.core.CarrierStats;
import io.ringloom.rings.Config;
import io.ringloom.rings.sys.ProcFds;
import org.junit.jupiter.api.Test;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A pool's {@link CarrierPoolMXBean} in the platform MBean server: its configuration, counters that move, its end. */
class CarrierPoolMXBeanIT {
    private static final boolean FALLBACK = Boolean.getBoolean("ringloom.fallback");
    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();
    private static final int ROUND_TRIPS = 500;

    @Test
    void countersMoveWithTrafficAndTheMBeanVanishesOnClose() throws Exception {
        assumeFalse(FALLBACK, "only a pool on rings has an MXBean");
        CarrierPool.builder().carriers(1).name("mxwarm").build().close();   // the JDK's poller and the MBean server, before the fd snapshot
        Map<Integer, String> fdsBefore = ProcFds.snapshot();
        CarrierPool pool = CarrierPool.builder().carriers(2).ringEntries(64).name("mxtest")
                .closeGrace(Duration.ofSeconds(2)).build();
        ObjectName name = registered(pool);
        try {
            assertEquals(new ObjectName("io.ringloom:type=CarrierPool,name=mxtest"), name);
            assertTrue(SERVER.isRegistered(name));
            CarrierPoolMXBean view = JMX.newMXBeanProxy(SERVER, name, CarrierPoolMXBean.class);
            assertEquals("mxtest", view.getPoolName());
            assertEquals(2, view.getCarriers());
            assertEquals(pool.mode().name(), view.getRingMode());
            assertEquals(64, view.getRingEntries());
            assertEquals(Config.submitBatch(), view.getSubmitBatch());
            assertEquals(Config.submitDelayMicros(), view.getSubmitDelayMicros());

            long sqes = view.getSqesSubmitted(), cqes = view.getCqesReaped(), run = view.getThreadsRun(),
                    enters = view.getEnters();
            roundTrips(pool);
            assertTrue(view.getSqesSubmitted() >= sqes + 2 * ROUND_TRIPS, () -> "sqes " + sqes + " -> " + view.getSqesSubmitted());
            assertTrue(view.getCqesReaped() >= cqes + 2 * ROUND_TRIPS, () -> "cqes " + cqes + " -> " + view.getCqesReaped());
            assertTrue(view.getThreadsRun() > run);
            assertTrue(view.getEnters() > enters);
            assertEquals(0, view.getInFlight());

            CarrierStats[] perCarrier = view.getCarrierStats();
            assertEquals(2, perCarrier.length);
            assertEquals(0, perCarrier[0].carrier());
            assertEquals(1, perCarrier[1].carrier());
            assertTrue(Arrays.stream(perCarrier).mapToLong(CarrierStats::sqesSubmitted).sum() >= sqes + 2 * ROUND_TRIPS);
            // What a JMX client without Ringloom's classes sees (./ringloom stats, jconsole): open types.
            CompositeData[] open = (CompositeData[]) SERVER.getAttribute(name, "CarrierStats");
            assertEquals(2, open.length);
            assertTrue((Long) open[0].get("sqesSubmitted") + (Long) open[1].get("sqesSubmitted") >= 2 * ROUND_TRIPS);

            try (CarrierPool twin = CarrierPool.builder().carriers(1).name("mxtest").build()) {
                assertEquals(new ObjectName("io.ringloom:type=CarrierPool,name=mxtest-2"), registered(twin));
                assertTrue(SERVER.isRegistered(twin.managementName()));
                assertTrue(SERVER.isRegistered(name));
            }
            assertFalse(SERVER.isRegistered(new ObjectName("io.ringloom:type=CarrierPool,name=mxtest-2")));
        } finally {
            PoolFixture.closeAndCheck(pool, fdsBefore);
        }
        assertFalse(SERVER.isRegistered(name), "the MBean outlived its pool");
        assertNull(pool.managementName());
        assertEquals(Set.of(), SERVER.queryNames(new ObjectName("io.ringloom:type=CarrierPool,name=mxtest*"), null));
    }

    @Test
    void aNameThatNeedsQuotingIsQuoted() throws Exception {
        assumeFalse(FALLBACK, "only a pool on rings has an MXBean");
        try (CarrierPool pool = CarrierPool.builder().carriers(1).name("mx test, \"quoted\"").build()) {
            ObjectName name = registered(pool);
            assertTrue(SERVER.isRegistered(name), name::toString);
            assertEquals("mx test, \"quoted\"", ObjectName.unquote(name.getKeyProperty("name")));
            assertEquals("mx test, \"quoted\"", SERVER.getAttribute(name, "PoolName"));
        }
    }

    @Test
    void noMBeanWithJmxOffOrInFallback() throws Exception {
        String before = System.getProperty("ringloom.jmx");
        System.setProperty("ringloom.jmx", "false");   // read at each pool's start
        try (CarrierPool pool = CarrierPool.builder().carriers(1).name("mxoff").build()) {
            assertNull(pool.managementName());
            assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("mxoff-jmx")),
                    "no registration thread");
            assertEquals(Set.of(), SERVER.queryNames(new ObjectName("io.ringloom:type=CarrierPool,name=mxoff*"), null));
        } finally {
            if (before == null) System.clearProperty("ringloom.jmx");
            else System.setProperty("ringloom.jmx", before);
        }
    }

    @Test
    void noMBeanForAPoolBuiltWithoutOne() throws Exception {
        assumeFalse(FALLBACK, "only a pool on rings has an MXBean");
        try (CarrierPool without = CarrierPool.builder().carriers(1).name("mxnone").withoutMxBean().build();
             CarrierPool with = CarrierPool.builder().carriers(1).name("mxsome").build()) {
            registered(with);   // the other pool's registration delay has passed too
            // a registration thread, had one been started, has ended by now
            await().atMost(Duration.ofSeconds(30)).until(() -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().equals("mxnone-jmx")));
            assertNull(without.managementName());
            assertEquals(Set.of(), SERVER.queryNames(new ObjectName("io.ringloom:type=CarrierPool,name=mxnone*"), null));
        }
    }

    @Test
    void aFallbackPoolHasNoMBean() throws Exception {
        assumeTrue(FALLBACK, "runs in the fallback-mode execution");
        try (CarrierPool pool = CarrierPool.builder().name("mxfallback").build()) {
            assertTrue(pool.isFallback());
            assertNull(pool.managementName());
            assertEquals(Set.of(), SERVER.queryNames(new ObjectName("io.ringloom:type=CarrierPool,name=mxfallback*"), null));
        }
    }

    /** The pool's MXBean name, once its registration (on a thread of its own) is done. */
    static ObjectName registered(CarrierPool pool) {
        return await().atMost(Duration.ofSeconds(30)).until(pool::managementName, java.util.Objects::nonNull);
    }

    private static void roundTrips(CarrierPool pool) throws Exception {
        try (PoolFixture.PingPong traffic = new PoolFixture.PingPong(pool, ROUND_TRIPS)) {
            traffic.await(Duration.ofSeconds(60));
        }
    }
}
