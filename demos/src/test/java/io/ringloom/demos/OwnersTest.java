package io.ringloom.demos;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** cp -p's rule for a copy's owner, for callers with and without the privilege to give files away. */
class OwnersTest {
    /** Records each call; refuses those whose uid is not -1 with {@code uidRefusal}, and group changes with {@code gidRefusal}. */
    private static final class FakeSetter implements Owners.Setter {
        final List<String> calls = new ArrayList<>();
        IOException uidRefusal, gidRefusal;

        @Override
        public void set(int uid, int gid) throws IOException {
            calls.add(uid + ":" + gid);
            if (uid != -1 && uidRefusal != null) throw uidRefusal;
            if (gid != -1 && gidRefusal != null) throw gidRefusal;
        }
    }

    @Test
    void nothingIsSetWhereTheCopyAlreadyHasTheOwnerAndGroup() throws IOException {
        FakeSetter set = new FakeSetter();
        assertTrue(Owners.keep(1000, 100, 1000, 100, set));
        assertEquals(List.of(), set.calls);
    }

    @Test
    void bothAreSetInOneCall() throws IOException {
        FakeSetter set = new FakeSetter();
        assertTrue(Owners.keep(65534, 65533, 0, 0, set));
        assertEquals(List.of("65534:65533"), set.calls);
    }

    @Test
    void withoutPrivilegeTheGroupAloneIsKeptAndTheSetIdBitsMustGo() throws IOException {
        FakeSetter set = new FakeSetter();
        set.uidRefusal = new AccessDeniedException("/copy");   // Ringloom's EPERM
        assertFalse(Owners.keep(0, 100, 1000, 1000, set));
        assertEquals(List.of("0:100", "-1:100"), set.calls);
    }

    @Test
    void withoutPrivilegeARefusedGroupIsNoErrorEither() throws IOException {
        FakeSetter set = new FakeSetter();
        set.uidRefusal = new FileSystemException("/link", null, "Operation not permitted");   // the JDK's EPERM
        set.gidRefusal = new FileSystemException("/link", null, "Invalid argument");          // an unmapped ID
        assertFalse(Owners.keep(0, 0, 1000, 1000, set));
        assertEquals(List.of("0:0", "-1:0"), set.calls);
    }

    @Test
    void withoutPrivilegeAndTheSameGroupNoSecondCall() throws IOException {
        FakeSetter set = new FakeSetter();
        set.uidRefusal = new AccessDeniedException("/copy");
        assertFalse(Owners.keep(0, 1000, 1000, 1000, set));
        assertEquals(List.of("0:1000"), set.calls);
    }

    @Test
    void aRefusalToRootIsAnError() {
        FakeSetter set = new FakeSetter();
        set.uidRefusal = new AccessDeniedException("/nfs/copy");   // root squashed by a server, say
        assertThrows(AccessDeniedException.class, () -> Owners.keep(65534, 0, 0, 0, set));
    }

    @Test
    void otherFailuresAreErrors() {
        FakeSetter set = new FakeSetter();
        set.uidRefusal = new FileSystemException("/copy", null, "Input/output error");
        assertThrows(FileSystemException.class, () -> Owners.keep(0, 0, 1000, 1000, set));
    }
}
