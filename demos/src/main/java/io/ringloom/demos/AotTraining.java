package io.ringloom.demos;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The training run that makes ringcopy's AOT cache (the launcher's
 * {@code make_aot_cache}): a copy as {@code ringloom copy} makes it, then every
 * class of Ringloom's own jars (the benchmarks' aside) loaded. A class that a copy
 * needs only now and then (a timed wait's, a rare path's) is in the cache too;
 * loaded from its jar instead, it would cost a command the opening of that jar,
 * ~3 ms (docs/DESIGN.md, "Start-up"). JFR's event classes stay out: no AOT cache
 * holds them.
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] args) throws Exception {
        int status = RingCopy.run(args, System.out, System.err);
        if (status != ExitStatus.OK) System.exit(status);
        ClassLoader loader = AotTraining.class.getClassLoader();
        int skipped = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path name = Path.of(entry).getFileName();
            String file = name == null ? "" : name.toString();
            if (file.startsWith("ringloom-") && !file.startsWith("ringloom-bench") && file.endsWith(".jar")) {
                skipped += loadAll(entry, loader);
            }
        }
        // what is not loaded here is only read from its jar later: the cache is still worth making
        if (skipped > 0) System.err.println("AOT training: " + skipped + " classes or jars could not be loaded");
    }

    /** Loads every class of the jar at {@code jarPath}; returns how many could not be. */
    private static int loadAll(String jarPath, ClassLoader loader) {
        int failed = 0;
        try (JarFile jar = new JarFile(jarPath)) {
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (!name.endsWith(".class") || name.endsWith("module-info.class")
                        || name.endsWith("package-info.class")) continue;
                try {
                    Class.forName(name.substring(0, name.length() - ".class".length()).replace('/', '.'), false, loader);
                } catch (ClassNotFoundException | LinkageError | RuntimeException notLoadable) {
                    failed++;   // a class whose optional dependency is missing, say
                }
            }
        } catch (IOException e) {
            failed++;
        }
        return failed;
    }
}
