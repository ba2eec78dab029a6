package io.ringloom.agent;

import java.lang.classfile.ClassFile;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.AccessFlag;
import java.net.Socket;
import java.util.function.Consumer;

/**
 * The class that the rewritten {@code Socket.setSocketImplFactory} and
 * {@code ServerSocket.setSocketFactory} consult ({@link SocketFactoryTransformer}):
 * {@code java.net.RingloomSocketFactoryHook}, built with {@code java.lang.classfile}
 * and defined, package-private, in {@code java.net} of the boot loader, linking
 * only to java.base types (as {@link SchedulerHook}). In Java:
 *
 * <pre>
 * static volatile Object clientFactory, serverFactory;  // Ringloom's factories, set once by the agent
 * static volatile Consumer&lt;String&gt; onReplaced;       // told when the application replaced one
 *
 * static void replaced(String which) {
 *     Consumer&lt;String&gt; c = onReplaced;
 *     if (c != null) c.accept(which);
 * }
 * </pre>
 */
final class SocketFactoryHook {
    private SocketFactoryHook() {}

    static final ClassDesc HOOK = ClassDesc.of("java.net.RingloomSocketFactoryHook");
    static final String CLIENT_FACTORY = "clientFactory";
    static final String SERVER_FACTORY = "serverFactory";
    static final String REPLACED = "replaced";
    static final MethodTypeDesc REPLACED_TYPE = MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_String);
    private static final ClassDesc CONSUMER = ClassDesc.of(Consumer.class.getName());
    private static final String ON_REPLACED = "onReplaced";

    /** Handles on the defined hook's fields. */
    record Fields(VarHandle clientFactory, VarHandle serverFactory, VarHandle onReplaced) {}

    /** Defines the hook in {@code java.net}; the caller's module must already have {@code java.net} opened to it. */
    static Fields define() throws ReflectiveOperationException {
        MethodHandles.Lookup inJavaNet = MethodHandles.privateLookupIn(Socket.class, MethodHandles.lookup());
        Class<?> hook = inJavaNet.defineClass(bytes());
        return new Fields(inJavaNet.findStaticVarHandle(hook, CLIENT_FACTORY, Object.class),
                inJavaNet.findStaticVarHandle(hook, SERVER_FACTORY, Object.class),
                inJavaNet.findStaticVarHandle(hook, ON_REPLACED, Consumer.class));
    }

    static byte[] bytes() {
        return ClassFile.of().build(HOOK, cb -> cb
                .withFlags(AccessFlag.FINAL, AccessFlag.SYNTHETIC)
                .withField(CLIENT_FACTORY, ConstantDescs.CD_Object,
                        fb -> fb.withFlags(AccessFlag.STATIC, AccessFlag.VOLATILE))
                .withField(SERVER_FACTORY, ConstantDescs.CD_Object,
                        fb -> fb.withFlags(AccessFlag.STATIC, AccessFlag.VOLATILE))
                .withField(ON_REPLACED, CONSUMER, fb -> fb.withFlags(AccessFlag.STATIC, AccessFlag.VOLATILE))
                .withMethodBody(REPLACED, REPLACED_TYPE, ClassFile.ACC_STATIC, code -> {
                    Label done = code.newLabel();
                    int consumer = 1;
                    code.getstatic(HOOK, ON_REPLACED, CONSUMER)
                            .astore(consumer)
                            .aload(consumer)
                            .ifnull(done)
                            .aload(consumer)
                            .aload(0)
                            .invokeinterface(CONSUMER, "accept",
                                    MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_Object))
                            .labelBinding(done)
                            .return_();
                }));
    }
}
