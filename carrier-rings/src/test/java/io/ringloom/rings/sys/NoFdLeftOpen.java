package io.ringloom.rings.sys;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code @ExtendWith(NoFdLeftOpen.class)}: each test case ends with no fd open
 * that was not open before it ({@link ProcFds}). A close that another thread
 * completes (the JDK's process reaper closing a child's pipes, a carrier
 * closing its ring at a pool's end) may come a little after the case returns,
 * so the check waits up to 10 s for the fds to go; one that never closes fails
 * the case, naming the fd's target.
 */
public final class NoFdLeftOpen implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(NoFdLeftOpen.class);
    private static final String BEFORE = "fds before";

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NAMESPACE).put(BEFORE, ProcFds.snapshot());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        Map<Integer, String> before = context.getStore(NAMESPACE).remove(BEFORE, Map.class);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10)).untilAsserted(
                () -> assertEquals(Map.of(), ProcFds.leakedSince(before), "fds left open"));
    }
}
