/**
 * Ringloom: blocking I/O for virtual threads on io_uring rings owned by the
 * carriers. {@link io.ringloom.CarrierPool} runs the virtual threads;
 * {@link io.ringloom.RingFiles}, {@link io.ringloom.net.RingSocket} and
 * {@link io.ringloom.net.RingServerSocket} are the blocking API.
 */
module io.ringloom {
    requires transitive io.ringloom.rings;
    // The agent: present whenever -javaagent is given, which resolves java.instrument.
    requires static java.instrument;
    // Observability: a pool's MXBean, and ./ringloom stats, which attaches to another JVM.
    requires java.management;
    requires java.management.rmi;   // the local connector ./ringloom stats reads through
    requires jdk.attach;

    exports io.ringloom;
    exports io.ringloom.net;
    // The drop-in pieces the JVM loads by name: the agent (its status() is public too)
    // and the default file-system provider.
    exports io.ringloom.agent;
    exports io.ringloom.fs;
}
