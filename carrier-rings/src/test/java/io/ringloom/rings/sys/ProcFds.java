package io.ringloom.rings.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * This process's open fds as {@code /proc/self/fd} shows them, for leak
 * checks. The JVM opens jars and its module image lazily as classes load; those
 * are not ours and are left out, and so is the directory fd of the listing
 * itself. So are epoll fds: Ringloom uses none, and the JDK's socket poller
 * (started once per JVM when the first pool starts) holds several for good.
 * So are {@code /dev/random} and {@code /dev/urandom}: the JDK's NativePRNG opens
 * them on the first {@code SecureRandom} (a temporary file's name, for one) and
 * keeps them for the JVM's life.
 */
public final class ProcFds {
    private ProcFds() {}

    /** fd to link target, without the JVM's own class-loading files. */
    public static Map<Integer, String> snapshot() {
        Map<Integer, String> fds = new TreeMap<>();
        try (var entries = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (IOException e) {
                    continue;   // the fd of the listing itself, already closed
                }
                if (target.endsWith(".jar") || target.endsWith(".jmod") || target.endsWith("/lib/modules")
                        || target.endsWith(".so") || (target.startsWith("/proc/") && target.endsWith("/fd"))
                        || target.equals("anon_inode:[eventpoll]")
                        || target.equals("/dev/random") || target.equals("/dev/urandom")) {
                    continue;
                }
                fds.put(Integer.parseInt(p.getFileName().toString()), target);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd", e);
        }
        return fds;
    }

    /** The fds open now that were not in {@code before}, described; empty when none leaked. */
    public static Map<Integer, String> leakedSince(Map<Integer, String> before) {
        Map<Integer, String> now = snapshot();
        now.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
        return now;
    }
}
