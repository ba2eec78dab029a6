package io.ringloom.demos;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every {@link RingCopyIT} case with each copy written under a temporary name and
 * renamed into place, the way ringcopy takes where a file system has no unnamed files.
 */
class RingCopyNamedTempIT extends RingCopyIT {
    @BeforeAll
    static void namedTemporaries() {
        System.setProperty(FileCopier.UNNAMED_PROPERTY, "false");
    }

    @AfterAll
    static void back() {
        System.clearProperty(FileCopier.UNNAMED_PROPERTY);
    }
}
