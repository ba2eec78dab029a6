/**
 * Ringloom: blocking I/O for virtual threads on io_uring rings owned by the
 * carriers. {@link io.ringloom.CarrierPool} runs the virtual threads;
 * {@link io.ringloom.RingFiles}, {@link io.ringloom.net.RingSocket} and
 * {@link io.ringloom.net.RingServerSocket} are the blocking API.
 */
module io.ringloom {
    requires transitive io.ringloom.rings;
    requires java.logging;

    exports io.ringloom;
    exports io.ringloom.net;
}
