package io.ringloom.demos;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The paths ringcopy could not copy: each reported on the error stream as it
 * happens, as {@code cp} words it, and counted for the summary and the exit
 * status. Also whether the run is to stop: at the first failure with
 * --fail-fast, or when interrupted.
 */
final class PathFailures {
    private final PrintStream err;
    private final boolean failFast;
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicBoolean stopped = new AtomicBoolean();

    PathFailures(PrintStream err, boolean failFast) {
        this.err = err;
        this.failFast = failFast;
    }

    void fail(Path p, IOException e) {
        String reason = switch (e) {
            case NoSuchFileException x -> x.getReason() != null ? "no such file or directory (" + x.getReason() + ")"
                    : "no such file or directory";
            case FileAlreadyExistsException x -> x.getReason() != null ? x.getFile() + " " + x.getReason() : "already exists";
            case AccessDeniedException x -> "permission denied";
            case FileSystemException x -> x.getReason() != null ? x.getReason() : x.toString();
            default -> e.getMessage() != null ? e.getMessage() : e.toString();
        };
        fail(p, reason);
    }

    void fail(Path p, String reason) {
        count.incrementAndGet();
        err.println("ringcopy: " + p + ": " + reason);
        if (failFast) stop();
    }

    void stop() {
        stopped.set(true);
    }

    boolean stopped() {
        return stopped.get();
    }

    int count() {
        return count.get();
    }
}
