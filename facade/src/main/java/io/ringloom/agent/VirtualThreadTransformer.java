package io.ringloom.agent;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeElement;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;

/**
 * Rewrites {@code java.lang.VirtualThread}'s constructor so that the JDK's
 * default-scheduler choice goes through {@link SchedulerHook}. In JDK 25 the
 * constructor reads (docs/DESIGN.md, "Drop-in"):
 *
 * <pre>
 * if (scheduler == null) {
 *     Thread parent = Thread.currentThread();
 *     if (parent instanceof VirtualThread vparent) scheduler = vparent.scheduler;
 *     else scheduler = DEFAULT_SCHEDULER;      // getstatic; astore_1
 * }
 * </pre>
 *
 * and becomes {@code scheduler = RingloomSchedulerHook.choose(DEFAULT_SCHEDULER)}:
 * one {@code invokestatic} after the {@code getstatic}. A given scheduler and a
 * parent virtual thread's scheduler are left as they are. Anything but exactly
 * one such {@code getstatic} (another agent's rewrite, a different JDK) leaves
 * the class untouched and {@link #refusal()} says why.
 *
 * <p>It stays registered after the retransformation so that a later
 * retransformation of the class by another agent keeps the hook.
 */
final class VirtualThreadTransformer implements ClassFileTransformer {
    static final String VIRTUAL_THREAD = "java/lang/VirtualThread";
    private static final String CONSTRUCTOR = "<init>";
    private static final String CONSTRUCTOR_TYPE =
            "(Ljava/util/concurrent/Executor;Ljava/lang/String;ILjava/lang/Runnable;)V";
    private static final String DEFAULT_SCHEDULER = "DEFAULT_SCHEDULER";

    /** Null after a successful rewrite; set by the thread that runs retransformClasses. */
    private volatile String refusal = "VirtualThread was not retransformed";

    String refusal() {
        return refusal;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (loader != null || !VIRTUAL_THREAD.equals(className)) return null;
        try {
            byte[] rewritten = rewrite(classfileBuffer);
            refusal = null;
            return rewritten;
        } catch (Throwable e) {
            // The JVM ignores what a transformer throws: keep it for the agent to report.
            refusal = e instanceof Refusal ? e.getMessage() : "cannot rewrite VirtualThread: " + e;
            return null;
        }
    }

    /** The rewritten class, or a {@link Refusal} naming what differs from JDK 25's VirtualThread. */
    static byte[] rewrite(byte[] virtualThread) {
        ClassFile cf = ClassFile.of();
        ClassModel model = cf.parse(virtualThread);
        MethodModel ctor = model.methods().stream()
                .filter(VirtualThreadTransformer::isHookedConstructor)
                .findFirst()
                .orElseThrow(() -> new Refusal("this JDK's VirtualThread has no constructor " + CONSTRUCTOR_TYPE));
        var code = ctor.code().orElseThrow(() -> new Refusal("VirtualThread's constructor has no code"));
        int defaults = 0;
        for (CodeElement e : code) {
            if (isDefaultSchedulerRead(e)) defaults++;
            if (e instanceof InvokeInstruction i && i.owner().asSymbol().equals(SchedulerHook.HOOK)) {
                throw new Refusal("VirtualThread already calls " + SchedulerHook.HOOK.displayName()
                        + " (the agent was loaded twice?)");
            }
        }
        if (defaults != 1) {
            throw new Refusal("expected one read of DEFAULT_SCHEDULER in VirtualThread's constructor, found "
                    + defaults + " (another agent rewrote it, or this JDK differs from JDK 25)");
        }
        return cf.transformClass(model, ClassTransform.transformingMethodBodies(
                VirtualThreadTransformer::isHookedConstructor,
                (cob, e) -> {
                    cob.with(e);
                    if (isDefaultSchedulerRead(e)) {
                        cob.invokestatic(SchedulerHook.HOOK, SchedulerHook.CHOOSE, SchedulerHook.CHOOSE_TYPE);
                    }
                }));
    }

    private static boolean isHookedConstructor(MethodModel m) {
        return m.methodName().equalsString(CONSTRUCTOR) && m.methodType().equalsString(CONSTRUCTOR_TYPE);
    }

    private static boolean isDefaultSchedulerRead(CodeElement e) {
        return e instanceof FieldInstruction f
                && f.opcode() == Opcode.GETSTATIC
                && f.owner().asInternalName().equals(VIRTUAL_THREAD)
                && f.name().equalsString(DEFAULT_SCHEDULER);
    }

    /** The class is not the one this agent knows how to rewrite. */
    static final class Refusal extends RuntimeException {
        Refusal(String message) {
            super(message, null, false, false);
        }
    }
}
