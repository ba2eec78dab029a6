package io.ringloom.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.Instruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The rewrite of this JDK's own {@code Socket} and {@code ServerSocket} factory setters, checked without loading them. */
class SocketFactoryTransformerTest {

    private static byte[] jdkClass(String simpleName) throws IOException {
        return Files.readAllBytes(FileSystems.getFileSystem(URI.create("jrt:/"))
                .getPath("modules", "java.base", "java", "net", simpleName + ".class"));
    }

    private static List<Instruction> setter(byte[] bytes, String name) {
        MethodModel m = ClassFile.of().parse(bytes).methods().stream()
                .filter(x -> x.methodName().equalsString(name))
                .findFirst().orElseThrow();
        return m.code().orElseThrow().elementList().stream()
                .filter(e -> e instanceof Instruction).map(e -> (Instruction) e).toList();
    }

    @ParameterizedTest
    @CsvSource({"Socket, setSocketImplFactory, clientFactory", "ServerSocket, setSocketFactory, serverFactory"})
    void theSetterFirstDropsRingloomsFactoryThenRunsTheJdksBody(String cls, String setter, String hookField)
            throws IOException {
        byte[] original = jdkClass(cls);
        List<Instruction> before = setter(original, setter);
        List<Instruction> after = setter(SocketFactoryTransformer.rewrite("java/net/" + cls, original), setter);

        assertEquals(Opcode.ALOAD_0, after.get(0).opcode());   // fac: a null one is the JDK's business
        assertEquals(Opcode.IFNULL, after.get(1).opcode());
        after = after.subList(2, after.size());
        FieldInstruction factory = assertInstanceOf(FieldInstruction.class, after.get(0));
        assertEquals(Opcode.GETSTATIC, factory.opcode());
        assertEquals("java/net/" + cls, factory.owner().asInternalName());
        assertEquals("factory", factory.name().stringValue());
        FieldInstruction ours = assertInstanceOf(FieldInstruction.class, after.get(1));
        assertEquals(SocketFactoryHook.HOOK, ours.owner().asSymbol());
        assertEquals(hookField, ours.name().stringValue());
        assertEquals(Opcode.IF_ACMPNE, after.get(2).opcode());
        assertEquals(Opcode.ACONST_NULL, after.get(3).opcode());
        FieldInstruction cleared = assertInstanceOf(FieldInstruction.class, after.get(4));
        assertEquals(Opcode.PUTSTATIC, cleared.opcode());
        assertEquals("factory", cleared.name().stringValue());
        InvokeInstruction told = assertInstanceOf(InvokeInstruction.class, after.get(6));
        assertEquals(SocketFactoryHook.REPLACED, told.name().stringValue());
        assertEquals(before.stream().map(Instruction::opcode).toList(),
                after.subList(7, after.size()).stream().map(Instruction::opcode).toList(),
                "the JDK's body follows unchanged");
    }

    @Test
    void aClassWithoutTheSetterIsRefused() throws IOException {
        byte[] other = jdkClass("Socket");
        var e = assertThrows(IllegalStateException.class,
                () -> SocketFactoryTransformer.rewrite("java/net/ServerSocket", other));
        assertTrue(e.getMessage().contains("setSocketFactory"), e.getMessage());
    }

    @Test
    void theHookClassHasTheFactoryFieldsAndTheReplacedMethod() {
        var model = ClassFile.of().parse(SocketFactoryHook.bytes());
        assertEquals("java/net/RingloomSocketFactoryHook", model.thisClass().asInternalName());
        assertTrue(model.fields().stream().anyMatch(f -> f.fieldName().equalsString(SocketFactoryHook.CLIENT_FACTORY)));
        assertTrue(model.fields().stream().anyMatch(f -> f.fieldName().equalsString(SocketFactoryHook.SERVER_FACTORY)));
        assertTrue(model.methods().stream().anyMatch(m -> m.methodName().equalsString(SocketFactoryHook.REPLACED)
                && m.methodTypeSymbol().equals(SocketFactoryHook.REPLACED_TYPE)));
    }
}
