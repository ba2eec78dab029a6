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

    /**
     * Defines the hook class in {@code java.lang}; the caller's module must
     * already have {@code java.lang} opened to it.
     *
     * @return a handle on the hook's {@code supplier} field
     */
    static VarHandle define() throws ReflectiveOperationException {
        MethodHandles.Lookup inJavaLang = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup());
        Class<?> hook = inJavaLang.defineClass(bytes());
        return inJavaLang.findStaticVarHandle(hook, SUPPLIER_FIELD, Supplier.class);
    }

    static byte[] bytes() {
        return ClassFile.of().build(HOOK, cb -> cb
                .withFlags(AccessFlag.FINAL, AccessFlag.SYNTHETIC)
                .withField(SUPPLIER_FIELD, SUPPLIER, fb -> fb.withFlags(AccessFlag.STATIC, AccessFlag.VOLATILE))
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
