package io.ringloom.agent;

import java.lang.classfile.ClassFile;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.AccessFlag;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The class that {@code VirtualThread}'s transformed constructor calls:
 * {@code java.lang.RingloomSchedulerHook}, built here with the JDK's
 * {@code java.lang.classfile} API and defined in package {@code java.lang} of
 * the boot loader. It links only to java.base types, so it needs no
 * boot-class-path entry (which would cost the JVM its class-data-sharing
 * archive and print a warning). Its one method, in Java:
 *
 * <pre>
 * static volatile Supplier&lt;Executor&gt; supplier;     // set once by the agent
 *
 * static Executor choose(Executor jdkDefault) {        // jdkDefault: VirtualThread.DEFAULT_SCHEDULER
 *     Supplier&lt;Executor&gt; s = supplier;
 *     if (s != null) { Executor e = s.get(); if (e != null) return e; }
 *     return jdkDefault;
 * }
 *
 * static volatile Object clientFactory, serverFactory;  // Ringloom's java.net socket factories
 * static volatile Consumer&lt;String&gt; onReplaced;       // told when the application replaced one
 *
 * static void replaced(String which) {                  // called by SocketFactoryTransformer's code
 *     Consumer&lt;String&gt; c = onReplaced;
 *     if (c != null) c.accept(which);
 * }
 * </pre>
 */
final class SchedulerHook {
    private SchedulerHook() {}

    static final ClassDesc HOOK = ClassDesc.of("java.lang.RingloomSchedulerHook");
    static final ClassDesc EXECUTOR = ClassDesc.of(Executor.class.getName());
    static final String CHOOSE = "choose";
    static final MethodTypeDesc CHOOSE_TYPE = MethodTypeDesc.of(EXECUTOR, EXECUTOR);
    private static final ClassDesc SUPPLIER = ClassDesc.of(Supplier.class.getName());
    private static final String SUPPLIER_FIELD = "supplier";
    static final String CLIENT_FACTORY = "clientFactory";
    static final String SERVER_FACTORY = "serverFactory";
    private static final ClassDesc CONSUMER = ClassDesc.of(Consumer.class.getName());
    private static final String ON_REPLACED = "onReplaced";
    static final String REPLACED = "replaced";
    static final MethodTypeDesc REPLACED_TYPE = MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_String);

    /** Handles on the defined hook's fields. */
    record Fields(VarHandle supplier, VarHandle clientFactory, VarHandle serverFactory, VarHandle onReplaced) {}

    /**
     * Defines the hook class in {@code java.lang}; the caller's module must
     * already have {@code java.lang} opened to it.
     *
     * @return handles on the hook's fields
     */
    static Fields define() throws ReflectiveOperationException {
        MethodHandles.Lookup inJavaLang = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup());
        Class<?> hook = inJavaLang.defineClass(bytes());
        return new Fields(inJavaLang.findStaticVarHandle(hook, SUPPLIER_FIELD, Supplier.class),
                inJavaLang.findStaticVarHandle(hook, CLIENT_FACTORY, Object.class),
                inJavaLang.findStaticVarHandle(hook, SERVER_FACTORY, Object.class),
                inJavaLang.findStaticVarHandle(hook, ON_REPLACED, Consumer.class));
    }

    static byte[] bytes() {
        return ClassFile.of().build(HOOK, cb -> cb
                .withFlags(AccessFlag.FINAL, AccessFlag.SYNTHETIC)
                .withField(SUPPLIER_FIELD, SUPPLIER, fb -> fb.withFlags(AccessFlag.STATIC, AccessFlag.VOLATILE))
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
                })
                .withMethodBody(CHOOSE, CHOOSE_TYPE, ClassFile.ACC_STATIC, code -> {
                    Label jdkDefault = code.newLabel();
                    int supplier = 1;
                    int chosen = 2;
                    code.getstatic(HOOK, SUPPLIER_FIELD, SUPPLIER)
                            .astore(supplier)
                            .aload(supplier)
                            .ifnull(jdkDefault)
                            .aload(supplier)
                            .invokeinterface(SUPPLIER, "get", MethodTypeDesc.of(ConstantDescs.CD_Object))
                            .checkcast(EXECUTOR)
                            .astore(chosen)
                            .aload(chosen)
                            .ifnull(jdkDefault)
                            .aload(chosen)
                            .areturn()
                            .labelBinding(jdkDefault)
                            .aload(0)
                            .areturn();
                }));
    }
}
