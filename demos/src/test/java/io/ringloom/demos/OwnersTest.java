package io.ringloom.demos;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** cp -p's rule for a copy's owner, for root and for a process without the privilege to give files away. */
class OwnersTest {
    private static final Owners.Identity ROOT = new Owners.Identity(0, 0, new int[0], 022);
    /** uid 1000, group 1000, also in groups 20 and 30. */
    private static final Owners.Identity USER = new Owners.Identity(1000, 1000, new int[] {20, 30}, 022);

    private final List<String> calls = new ArrayList<>();
    private final Owners.Setter recording = (uid, gid) -> calls.add(uid + ":" + gid);

    @Test
    void nothingIsSetWhereTheCopyAlreadyHasTheOwnerAndGroup() throws IOException {
        assertTrue(Owners.keep(USER, 1000, 1000, 1000, 1000, recording));
        assertTrue(Owners.keep(ROOT, 0, 0, 0, 0, recording));
        assertEquals(List.of(), calls);
    }

    @Test
    void rootSetsBothInOneCall() throws IOException {
        assertTrue(Owners.keep(ROOT, 65534, 65533, 0, 0, recording));
        assertEquals(List.of("65534:65533"), calls);
    }

    @Test
    void aRefusalToRootIsAnError() {
        Owners.Setter refusing = (uid, gid) -> {
            throw new AccessDeniedException("/nfs/copy");   // root squashed by a server, say
        };
        assertThrows(AccessDeniedException.class, () -> Owners.keep(ROOT, 65534, 0, 0, 0, refusing));
    }

    @Test
    void aUserGivesNothingAwayButKeepsAGroupItIsIn() throws IOException {
        assertFalse(Owners.keep(USER, 0, 20, 1000, 1000, recording), "the owner could not be kept");
        assertEquals(List.of("-1:20"), calls);
    }

    @Test
    void aUserKeepsItsOwnFileInAGroupItIsIn() throws IOException {
        assertTrue(Owners.keep(USER, 1000, 30, 1000, 1000, recording));
        assertEquals(List.of("-1:30"), calls);
    }

    @Test
    void aUserMakesNoCallForAGroupItIsNotIn() throws IOException {
        assertFalse(Owners.keep(USER, 1000, 0, 1000, 1000, recording));
        assertFalse(Owners.keep(USER, 0, 0, 1000, 1000, recording));
        assertEquals(List.of(), calls);
    }

    @Test
    void aFailureOfACallThatShouldWorkIsAnError() {
        Owners.Setter failing = (uid, gid) -> {
            throw new IOException("Input/output error");
        };
        assertThrows(IOException.class, () -> Owners.keep(USER, 1000, 20, 1000, 1000, failing));
    }

    @Test
    void aCopyWhoseIdsWereNotKeptLosesOnlyItsSetIdBits() {
        assertEquals(07755, Owners.modeToKeep(07755, true));
        assertEquals(01755, Owners.modeToKeep(07755, false));
        assertEquals(0640, Owners.modeToKeep(0640, false));
    }

    @Test
    void thisProcessIsReadFromProcSelfStatus() throws IOException {
        Owners.Identity self = Owners.Identity.ofThisProcess();
        Path probe = Files.createTempFile("owners", ".probe");
        try {
            // a file this process makes is owned by its file system IDs
            assertEquals(Files.getAttribute(probe, "unix:uid"), self.uid());
            assertEquals(Files.getAttribute(probe, "unix:gid"), self.gid());
            assertTrue(self.inGroup(self.gid()));
            assertEquals(self.uid() == 0, self.privileged());
            // a file made with every permission bit gets those the umask leaves
            Path made = Files.createFile(probe.resolveSibling(probe.getFileName() + "-made"),
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx")));
            try {
                assertEquals(0777 & ~self.umask(), (Integer) Files.getAttribute(made, "unix:mode") & 0777,
                        "umask 0" + Integer.toOctalString(self.umask()));
            } finally {
                Files.delete(made);
            }
        } finally {
            Files.delete(probe);
        }
    }
}
