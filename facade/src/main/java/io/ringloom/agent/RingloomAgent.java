package io.ringloom.agent;

import io.ringloom.CarrierPool;
import io.ringloom.internal.DropIn;
import io.ringloom.net.RingSocketFactories;
import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.jfr.FallbackEvent;
import io.ringloom.rings.jfr.Recorder;

import java.lang.instrument.Instrumentation;
import java.lang.invoke.VarHandle;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Java agent that puts every virtual thread of an unmodified JVM on one
 * JVM-wide Ringloom {@code CarrierPool} ({@code -javaagent:} with the jar
 * {@code ./ringloom jvm-flags} names; README, "Use it without changing code").
 *
 * <p>It opens {@code java.lang} to Ringloom's classes, defines
 * {@code java.lang.RingloomSchedulerHook} ({@link SchedulerHook}) and
 * retransforms {@code VirtualThread}'s constructor so that the JDK's default
 * scheduler choice asks that hook ({@link VirtualThreadTransformer}). The
 * pool itself is made by the first virtual thread ({@link JvmWidePool}).
 *
 * <p>It never stops an application from starting: whatever fails leaves the
 * JDK's scheduler in place, logs one WARNING line on the System.Logger
 * {@code io.ringloom}, and {@link #status()} says why.
 */
public final class RingloomAgent {
    private RingloomAgent() {}

    /**
     * Test only: {@code -Dringloom.agent.simulateFailure=true} makes the agent
     * refuse to apply, as it would on a JDK whose VirtualThread differs.
     */
    static final String SIMULATE_FAILURE = "ringloom.agent.simulateFailure";

    /** Null until premain/agentmain ran, then "" when installed, else why not; guarded by the class. */
    private static String installFailure;

    /** Whether the agent is in effect, and in words its state or why not. */
    public record Status(boolean active, String detail) {}

    public static void premain(String args, Instrumentation inst) {
        install(inst);
    }

    /** Loaded into a running JVM: only virtual threads created from then on move to the pool. */
    public static void agentmain(String args, Instrumentation inst) {
        install(inst);
    }

    public static synchronized Status status() {
        if (installFailure == null) {
            return new Status(false, "the Ringloom agent is not loaded (add the options ./ringloom jvm-flags prints)");
        }
        if (!installFailure.isEmpty()) {
            return new Status(false, "the Ringloom agent was not applied: " + installFailure);
        }
        return switch (JvmWidePool.INSTANCE.state()) {
            case NEW, BUILDING -> new Status(true, "installed; the first virtual thread creates the JVM-wide pool");
            case RUNNING -> new Status(true, "every new virtual thread runs on " + JvmWidePool.INSTANCE.pool());
            case FAILED -> new Status(false, "installed, but the JVM-wide pool is not running: "
                    + JvmWidePool.INSTANCE.failure());
        };
    }

    /**
     * The JVM-wide pool every virtual thread runs on (for its {@code stats()}),
     * once the first virtual thread created it; empty without the agent, before
     * that, or when it could not start ({@link #status()} says why). It lives
     * as long as the JVM.
     */
    public static Optional<CarrierPool> pool() {
        return Optional.ofNullable(JvmWidePool.INSTANCE.pool());
    }

    private static synchronized void install(Instrumentation inst) {
        if (installFailure != null) return;
        try {
            hook(inst);
            installFailure = "";
        } catch (Throwable e) {
            installFailure = e instanceof VirtualThreadTransformer.Refusal ? e.getMessage() : e.toString();
            System.getLogger("io.ringloom").log(System.Logger.Level.WARNING,
                    "Ringloom agent not applied, virtual threads stay on the JDK's scheduler: " + installFailure);
            if (Recorder.initialized()) FallbackEvent.commit(JvmWidePool.POOL_NAME, true, installFailure);
        }
    }

    private static void hook(Instrumentation inst) throws Exception {
        if (Boolean.getBoolean(SIMULATE_FAILURE)) {
            throw new VirtualThreadTransformer.Refusal("simulated failure (-D" + SIMULATE_FAILURE + "=true, for tests)");
        }
        if (!inst.isRetransformClassesSupported()) {
            throw new VirtualThreadTransformer.Refusal(
                    "this JVM cannot retransform classes (the agent jar's manifest needs Can-Retransform-Classes: true)");
        }
        openJavaLang(inst);
        VarHandle supplier = SchedulerHook.define();
        CarrierScheduler.keepJdkPollersOffCarriers();
        VirtualThreadTransformer transformer = new VirtualThreadTransformer();
        inst.addTransformer(transformer, true);
        try {
            inst.retransformClasses(Class.forName("java.lang.VirtualThread"));
            if (transformer.refusal() != null) throw new VirtualThreadTransformer.Refusal(transformer.refusal());
        } catch (Throwable e) {
            inst.removeTransformer(transformer);
            throw e;
        }
        supplier.setVolatile(JvmWidePool.INSTANCE);
        DropIn.setJvmWidePool(JvmWidePool.INSTANCE::scheduler);
        installSocketFactories(inst);
    }

    /**
     * The JVM-wide {@code java.net} socket factories, and the rewrite that lets
     * the application replace them later ({@link SocketFactoryTransformer}).
     * A failure here leaves {@code java.net} sockets the JDK's and the
     * scheduler hook in place.
     */
    private static void installSocketFactories(Instrumentation inst) {
        SocketFactoryHook.Fields hookFields;
        try {
            hookFields = SocketFactoryHook.define();
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.getLogger("io.ringloom").log(System.Logger.Level.WARNING, "Ringloom: java.net sockets stay the JDK's: " + e);
            return;
        }
        RingSocketFactories.Installed installed = RingSocketFactories.install();
        hookFields.clientFactory().setVolatile(installed.client());
        hookFields.serverFactory().setVolatile(installed.server());
        hookFields.onReplaced().setVolatile((java.util.function.Consumer<String>) which -> System.getLogger("io.ringloom").log(
                System.Logger.Level.INFO, "Ringloom: the application set its own " + which
                        + " factory, which replaces Ringloom's: new " + which + "s stay off the rings"));
        if (installed.client() == null && installed.server() == null) return;
        SocketFactoryTransformer transformer = new SocketFactoryTransformer();
        inst.addTransformer(transformer, true);
        try {
            inst.retransformClasses(java.net.Socket.class, java.net.ServerSocket.class);
        } catch (Throwable e) {
            transformer.refusals().put("java/net/Socket", e.toString());
        }
        if (!transformer.refusals().isEmpty()) {
            System.getLogger("io.ringloom").log(System.Logger.Level.WARNING, "Ringloom: an application that sets its own java.net socket"
                    + " factory will get 'factory already defined': " + transformer.refusals());
        }
    }

    /**
     * What {@code --add-opens java.base/java.lang=...} (and {@code java.net},
     * for {@link SocketFactoryHook}) and
     * {@code --add-exports java.base/sun.nio.ch=...} would do (the second for
     * the drop-in channels, {@code io.ringloom.net.JdkChannels}), for this
     * package (the hook's definition) and carrier-rings (the custom-scheduler
     * builder), whether they are on the class path or the module path.
     */
    private static void openJavaLang(Instrumentation inst) {
        Set<Module> ringloom = new HashSet<>();
        ringloom.add(RingloomAgent.class.getModule());
        ringloom.add(CarrierScheduler.class.getModule());   // the same module on the class path
        inst.redefineModule(Object.class.getModule(), Set.of(), Map.of("sun.nio.ch", ringloom),
                Map.of("java.lang", ringloom, "java.net", ringloom), Set.of(), Map.of());
    }
}
