package io.ringloom;

import java.io.IOException;

/**
 * The JVM {@code ./ringloom stats} is pointed at in {@link StatsCommandIT}:
 * {@code ringloom} runs a pool named {@code statsapp} with ping-pong traffic,
 * {@code plain} runs no pool. Prints {@code ready} once the traffic flows,
 * and its MXBean is registered, and exits when its standard input closes.
 */
public final class StatsTargetApp {
    private StatsTargetApp() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("ringloom")) {
            CarrierPool pool = CarrierPool.builder().carriers(2).name("statsapp").build();
            if (pool.isFallback()) throw new IllegalStateException("fell back: " + pool.fallbackReason());
            PoolFixture.PingPong traffic = new PoolFixture.PingPong(pool, Long.MAX_VALUE);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> traffic.done.get() >= 100 && pool.managementName() != null);
        } else if (!(args.length == 1 && args[0].equals("plain"))) {
            throw new IllegalArgumentException("ringloom or plain");
        }
        System.out.println("ready");
        System.out.flush();
        waitForEof();
        System.exit(0);
    }

    private static void waitForEof() throws IOException {
        while (System.in.read() >= 0) {
            // the parent writes nothing; EOF (or its death) ends us
        }
    }
}
