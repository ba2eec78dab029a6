package io.ringloom.internal;

import org.junit.jupiter.api.Test;

import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every permission mode, each way, against the JDK's own reading of its {@code ls -l} string. */
class PermissionsTest {
    @Test
    void everyModeEachWay() {
        for (int mode = 0; mode <= 0777; mode++) {
            StringBuilder rwx = new StringBuilder();
            for (int bit = 8; bit >= 0; bit--) {
                rwx.append((mode & (1 << bit)) == 0 ? '-' : "rwx".charAt((8 - bit) % 3));
            }
            var expected = PosixFilePermissions.fromString(rwx.toString());
            assertEquals(expected, Permissions.of(mode), rwx::toString);
            assertEquals(mode, Permissions.mode(expected), rwx::toString);
        }
        assertEquals(Permissions.of(0755), Permissions.of(04755), "set-id and sticky bits are not permissions");
    }
}
