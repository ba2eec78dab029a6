package io.ringloom.bench;

import java.io.IOException;
import java.util.List;

/**
 * The options an unmodified application is started with to run on Ringloom,
 * for the {@code --unmodified} benchmarks. Asked of {@code ./ringloom jvm-flags}
 * at every run, so they are the launcher's current ones (its {@code JvmFlags}
 * and native backend), never a copy that could fall behind.
 */
final class DropInOptions {
    private DropInOptions() {}

    /** The options {@code ./ringloom jvm-flags} prints, one per element. */
    static List<String> fromLauncher() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("./ringloom", "jvm-flags").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0 || out.isEmpty()) throw new IllegalStateException("./ringloom jvm-flags failed");
        return List.of(out.split("\\s+"));
    }
}
