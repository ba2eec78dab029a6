package io.ringloom;

import io.ringloom.rings.sys.ProcFds;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Pipe;
import java.util.Map;

/** fd snapshots for leak checks in tests that use the JDK's channels too. */
public final class FdSnapshots {
    private FdSnapshots() {}

    /**
     * This process's fds, taken after the JDK has made the one socket it keeps
     * for good once its first channel closes (the target of its pre-close
     * dup2), so that socket is not taken for a leak.
     */
    public static Map<Integer, String> afterJdkWarmUp() {
        try {
            Pipe p = Pipe.open();
            p.source().close();
            p.sink().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ProcFds.snapshot();
    }
}
