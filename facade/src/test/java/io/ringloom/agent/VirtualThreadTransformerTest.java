package io.ringloom.agent;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeElement;
import java.lang.classfile.Instruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The rewrite of this JDK's own {@code java.lang.VirtualThread}, checked without loading it. */
class VirtualThreadTransformerTest {

    private static byte[] jdkVirtualThread() throws IOException {
        return Files.readAllBytes(FileSystems.getFileSystem(URI.create("jrt:/"))
                .getPath("modules", "java.base", "java", "lang", "VirtualThread.class"));
    }

    private static List<CodeElement> constructorCode(byte[] virtualThread) {
        MethodModel ctor = ClassFile.of().parse(virtualThread).methods().stream()
                .filter(m -> m.methodName().equalsString("<init>"))
                .findFirst().orElseThrow();
        return ctor.code().orElseThrow().elementList();
    }

    @Test
    void theDefaultSchedulerReadIsFollowedByTheHookAndNothingElseMoves() throws IOException {
        byte[] original = jdkVirtualThread();
        List<CodeElement> before = constructorCode(original);
        List<CodeElement> after = constructorCode(VirtualThreadTransformer.rewrite(original));
        int read = -1;
        for (int i = 0; i < after.size(); i++) {
            if (after.get(i) instanceof FieldInstruction f && f.name().equalsString("DEFAULT_SCHEDULER")) read = i;
        }
        assertTrue(read >= 0, "DEFAULT_SCHEDULER is still read");
        InvokeInstruction hook = assertInstanceOf(InvokeInstruction.class, after.get(read + 1));
        assertEquals(SchedulerHook.HOOK, hook.owner().asSymbol());
        assertEquals(SchedulerHook.CHOOSE, hook.name().stringValue());
        assertEquals(SchedulerHook.CHOOSE_TYPE, hook.typeSymbol());
        long instructions = before.stream().filter(e -> e instanceof Instruction).count();
        assertEquals(instructions + 1, after.stream().filter(e -> e instanceof Instruction).count());
    }

    @Test
    void aClassThatAlreadyCallsTheHookIsRefused() throws IOException {
        byte[] once = VirtualThreadTransformer.rewrite(jdkVirtualThread());
        var e = assertThrows(VirtualThreadTransformer.Refusal.class, () -> VirtualThreadTransformer.rewrite(once));
        assertTrue(e.getMessage().contains("already calls"), e.getMessage());
    }

    @Test
    void aClassWithoutTheJdk25ConstructorIsRefused() throws IOException {
        byte[] other = Files.readAllBytes(FileSystems.getFileSystem(URI.create("jrt:/"))
                .getPath("modules", "java.base", "java", "lang", "Thread.class"));
        var e = assertThrows(VirtualThreadTransformer.Refusal.class, () -> VirtualThreadTransformer.rewrite(other));
        assertTrue(e.getMessage().contains("no constructor"), e.getMessage());
    }

    @Test
    void theHookClassIsInJavaLangAndLinksOnlyToJavaBase() {
        var model = ClassFile.of().parse(SchedulerHook.bytes());
        assertEquals("java/lang/RingloomSchedulerHook", model.thisClass().asInternalName());
        model.constantPool().forEach(entry -> {
            if (entry instanceof ClassEntry c) {
                assertTrue(c.asInternalName().startsWith("java/"), c.asInternalName());
            }
        });
    }
}
