package io.ringloom.internal;

import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** Permission bits ({@code st_mode & 0777}) and {@link PosixFilePermission} sets, either way. */
public final class Permissions {
    private Permissions() {}

    /** The permission of each bit, 0400 first. */
    private static final PosixFilePermission[] BY_BIT = {
        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
        PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE,
    };

    /** The bits of {@code perms}, 0 to 0777. */
    public static int mode(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (int i = 0; i < BY_BIT.length; i++) {
            if (perms.contains(BY_BIT[i])) mode |= 0400 >>> i;
        }
        return mode;
    }

    /** The permissions of the bits of {@code mode} (others ignored), as {@code PosixFileAttributes.permissions()} gives them. */
    public static Set<PosixFilePermission> of(int mode) {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < BY_BIT.length; i++) {
            if ((mode & (0400 >>> i)) != 0) perms.add(BY_BIT[i]);
        }
        return perms;
    }
}
