package io.ringloom.agent;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.FieldModel;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.instrument.ClassFileTransformer;
import java.net.SocketImplFactory;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets an application replace the agent's JVM-wide {@code java.net} socket
 * factories (docs/DESIGN.md, "Drop-in sockets"). Each factory can be set once
 * per JVM, and the agent sets both before {@code main}; an application that
 * sets its own afterwards would get "factory already defined". So
 * {@code Socket.setSocketImplFactory} and {@code ServerSocket.setSocketFactory}
 * are rewritten to begin with
 *
 * <pre>
 * if (fac != null && factory == RingloomSocketFactoryHook.clientFactory) {   // serverFactory for ServerSocket
 *     factory = null;
 *     RingloomSocketFactoryHook.replaced("Socket");          // one log line
 * }
 * </pre>
 *
 * after which the JDK's own body installs the application's factory. A null
 * {@code fac} is left to the JDK's body, which then answers "factory already
 * defined", as it does whenever a factory is set. A class
 * that does not have the expected static field and method is left untouched,
 * and {@link #refusals()} says so.
 */
final class SocketFactoryTransformer implements ClassFileTransformer {
    private static final ClassDesc FACTORY_TYPE = ClassDesc.of(SocketImplFactory.class.getName());
    private static final String FACTORY_FIELD = "factory";
    private static final String SETTER_TYPE = "(Ljava/net/SocketImplFactory;)V";

    /** The two classes: internal name, the setter's name, the hook field holding Ringloom's factory. */
    private record Target(String setter, String hookField, String label) {}

    private static final Map<String, Target> TARGETS = Map.of(
            "java/net/Socket", new Target("setSocketImplFactory", SocketFactoryHook.CLIENT_FACTORY, "Socket"),
            "java/net/ServerSocket", new Target("setSocketFactory", SocketFactoryHook.SERVER_FACTORY, "ServerSocket"));

    /** Why a class was left untouched, by internal name; written by the thread that retransforms. */
    private final Map<String, String> refusals = new ConcurrentHashMap<>();

    Map<String, String> refusals() {
        return refusals;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        Target t = loader == null ? TARGETS.get(className) : null;
        if (t == null) return null;
        try {
            byte[] rewritten = rewrite(className, t, classfileBuffer);
            refusals.remove(className);
            return rewritten;
        } catch (Throwable e) {
            // The JVM ignores what a transformer throws: keep it for the agent to report.
            refusals.put(className, e.toString());
            return null;
        }
    }

    static byte[] rewrite(String className, byte[] classBytes) {
        Target t = TARGETS.get(className);
        if (t == null) throw new IllegalArgumentException(className);
        return rewrite(className, t, classBytes);
    }

    private static byte[] rewrite(String className, Target t, byte[] classBytes) {
        ClassFile cf = ClassFile.of();
        ClassModel model = cf.parse(classBytes);
        ClassDesc owner = ClassDesc.ofInternalName(className);
        boolean hasField = model.fields().stream().anyMatch(SocketFactoryTransformer::isFactoryField);
        boolean hasSetter = model.methods().stream().anyMatch(m -> isSetter(m, t));
        if (!hasField || !hasSetter) {
            throw new IllegalStateException(className + " has no static field " + FACTORY_FIELD + " or no method "
                    + t.setter() + SETTER_TYPE + " (this JDK differs from JDK 25)");
        }
        CodeTransform prologue = new CodeTransform() {
            @Override
            public void atStart(CodeBuilder cob) {
                Label keep = cob.newLabel();
                cob.aload(0)
                        .ifnull(keep)
                        .getstatic(owner, FACTORY_FIELD, FACTORY_TYPE)
                        .getstatic(SocketFactoryHook.HOOK, t.hookField(), ConstantDescs.CD_Object)
                        .if_acmpne(keep)
                        .aconst_null()
                        .putstatic(owner, FACTORY_FIELD, FACTORY_TYPE)
                        .ldc(t.label())
                        .invokestatic(SocketFactoryHook.HOOK, SocketFactoryHook.REPLACED, SocketFactoryHook.REPLACED_TYPE)
                        .labelBinding(keep);
            }

            @Override
            public void accept(CodeBuilder cob, CodeElement e) {
                cob.with(e);
            }
        };
        return cf.transformClass(model, ClassTransform.transformingMethodBodies(m -> isSetter(m, t), prologue));
    }

    private static boolean isFactoryField(FieldModel f) {
        return f.fieldName().equalsString(FACTORY_FIELD) && f.fieldType().equalsString(FACTORY_TYPE.descriptorString());
    }

    private static boolean isSetter(MethodModel m, Target t) {
        return m.methodName().equalsString(t.setter()) && m.methodType().equalsString(SETTER_TYPE);
    }
}
