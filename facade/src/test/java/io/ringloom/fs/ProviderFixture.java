package io.ringloom.fs;

import io.ringloom.CarrierPool;
import io.ringloom.rings.sys.ProcFds;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the provider's ITs share, registered as a static extension: a
 * one-carrier pool, a {@link RingFileSystemProvider} constructed over this
 * JVM's default provider and its file system, made before the suite's first
 * test; every test ends with no fd leaked and nothing in flight, and the suite
 * with no carrier dead.
 */
final class ProviderFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    /** The suites also run with -Dringloom.fallback=true: every call then a plain syscall. */
    static final boolean FALLBACK = Boolean.getBoolean("ringloom.fallback");

    private final String name;
    /** The pool, the provider and its file system; made by beforeAll, read by the tests. */
    CarrierPool pool;
    RingFileSystemProvider provider;
    FileSystem fs;
    /** The fds open before the running test; written by beforeEach. */
    private Map<Integer, String> fdsBefore;

    ProviderFixture(String name) {
        this.name = name;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        pool = CarrierPool.builder().carriers(1).name(name).build();
        assertEquals(FALLBACK, pool.isFallback(), () -> "fallback: " + pool.fallbackReason());
        provider = new RingFileSystemProvider(FileSystems.getDefault().provider());
        fs = provider.getFileSystem(URI.create("file:///"));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertEquals(List.of(), pool.carrierFailures(), "a carrier died");
        pool.close();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        fdsBefore = ProcFds.snapshot();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertEquals(Map.of(), ProcFds.leakedSince(fdsBefore), "fds leaked"));
        pool.stats().forEach(s -> assertEquals(0, s.inFlight(), () -> "in flight: " + s));
    }

    /** The same file as {@code jdk}, through the provider. */
    Path ring(Path jdk) {
        return fs.getPath(jdk.toString());
    }

    /** Requests in flight on the pool's carriers. */
    long inFlight() {
        return pool.stats().stream().mapToLong(s -> s.inFlight()).sum();
    }
}
