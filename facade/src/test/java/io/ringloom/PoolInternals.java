package io.ringloom;

import io.ringloom.rings.carrier.CarrierScheduler;

/** Tests outside package io.ringloom that drive a pool's primitive directly. */
public final class PoolInternals {
    private PoolInternals() {}

    public static CarrierScheduler scheduler(CarrierPool pool) {
        return pool.scheduler();
    }
}
