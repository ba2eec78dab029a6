package io.ringloom.demos;

import java.io.File;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The training run that makes ringcopy's AOT cache (the launcher's
 * {@code make_aot_cache}): a copy as {@code ringloom copy} makes it, then every
 * class of Ringloom's own jars (the benchmarks' aside) loaded. A class that a copy needs only now and then
 * (a timed wait's, a rare path's) is in the cache too; loaded from its jar instead,
 * it would cost a command the opening of that jar, ~3 ms (docs/DESIGN.md, "Start-up").
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] args) throws Exception {
        int status = RingCopy.run(args, System.out, System.err);
        if (status != ExitStatus.OK) System.exit(status);
        ClassLoader loader = AotTraining.class.getClassLoader();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String file = Path.of(entry).getFileName().toString();
            boolean own = file.startsWith("ringloom-") && !file.startsWith("ringloom-bench") && file.endsWith(".jar");
            if (own) loadAll(entry, loader);
        }
    }

    private static void loadAll(String jarPath, ClassLoader loader) throws Exception {
        try (JarFile jar = new JarFile(jarPath)) {
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (!name.endsWith(".class") || name.endsWith("module-info.class")
                        || name.endsWith("package-info.class")) continue;
                try {
                    Class.forName(name.substring(0, name.length() - ".class".length()).replace('/', '.'), false, loader);
                } catch (ClassNotFoundException | LinkageError notLoadable) {
                    // a class whose optional dependency is missing: it stays out of the cache
                }
            }
        }
    }
}
