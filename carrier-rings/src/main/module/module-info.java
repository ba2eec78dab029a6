/**
 * Ringloom's kernel binding and carrier scheduler. Applications see only
 * {@code io.ringloom.core} (the ring mode, the pool-closed exception), which the
 * facade re-exports with {@code requires transitive}; the other packages are
 * exported to the facade alone.
 * On the module path it needs {@code --enable-native-access=io.ringloom.rings}
 * and {@code --add-opens java.base/java.lang=io.ringloom.rings} (the README's
 * "JVM flags" lists them).
 */
module io.ringloom.rings {
    requires org.jnrproject.ffi;
    requires jdk.jfr;

    exports io.ringloom.core;
    exports io.ringloom.rings to io.ringloom;
    exports io.ringloom.rings.carrier to io.ringloom;
    exports io.ringloom.rings.jfr to io.ringloom;
    exports io.ringloom.rings.layout to io.ringloom;
    exports io.ringloom.rings.sys to io.ringloom;
}
