package io.ringloom.agent;

import io.ringloom.fs.RingFileSystemProvider;
import io.ringloom.net.RingSelectorProvider;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options that put an unmodified application on Ringloom: what
 * {@code ./ringloom jvm-flags} prints (it runs {@link #main}) and what the
 * agent's tests start their child JVMs with.
 *
 * <ul>
 * <li>{@code -javaagent}: every virtual thread on the JVM-wide carrier pool;</li>
 * <li>{@code --enable-native-access}: the FFM downcalls and ring memory;</li>
 * <li>{@code -Djava.nio.file.spi.DefaultFileSystemProvider}: {@code FileChannel.open}
 *     and {@code Files.*} through Ringloom's file channels
 *     ({@link io.ringloom.fs.RingFileSystemProvider});</li>
 * <li>{@code -Djava.nio.channels.spi.SelectorProvider}: {@code SocketChannel.open}
 *     and {@code ServerSocketChannel.open} through the rings, selectors the JDK's
 *     ({@link io.ringloom.net.RingSelectorProvider});</li>
 * <li>{@code --add-exports java.base/sun.nio.ch}: the JDK's own provider and
 *     channels, which that provider stands on (the agent exports the package
 *     too, but the provider may be loaded without it).</li>
 * </ul>
 * The agent also installs the JVM-wide {@code java.net} socket factories
 * ({@link io.ringloom.net.RingSocketFactories}).
 *
 * <p>{@code --add-opens java.base/java.lang} is not among them: the agent
 * opens {@code java.lang} to Ringloom's classes itself
 * ({@code Instrumentation.redefineModule}).
 */
public final class JvmFlags {
    private JvmFlags() {}

    /** The JDK's property naming the default file-system provider (see {@code FileSystems.getDefault}). */
    public static final String FILE_SYSTEM_PROVIDER_PROPERTY = "java.nio.file.spi.DefaultFileSystemProvider";
    /** The JDK's property naming the selector provider (see {@code SelectorProvider.provider}). */
    public static final String SELECTOR_PROVIDER_PROPERTY = "java.nio.channels.spi.SelectorProvider";

    /** The options for the shaded agent jar, with the given native backend ({@code ffm} or {@code jnr}). */
    public static List<String> forAgentJar(Path agentJar, String nativeBackend) {
        List<String> flags = new ArrayList<>();
        flags.add("-javaagent:" + agentJar.toAbsolutePath().normalize());
        flags.add("--enable-native-access=ALL-UNNAMED");
        flags.add("-D" + FILE_SYSTEM_PROVIDER_PROPERTY + "=" + RingFileSystemProvider.class.getName());
        flags.add("-D" + SELECTOR_PROVIDER_PROPERTY + "=" + RingSelectorProvider.class.getName());
        flags.add("--add-exports");
        flags.add("java.base/sun.nio.ch=ALL-UNNAMED");
        if (nativeBackend.equals("jnr")) {
            flags.add("-Dringloom.native=jnr");
            flags.add("--sun-misc-unsafe-memory-access=allow");
        } else if (!nativeBackend.equals("ffm")) {
            throw new IllegalArgumentException("the native backend must be ffm or jnr, not '" + nativeBackend + "'");
        }
        return flags;
    }

    /**
     * Prints the options on one line for the jar this class was loaded from.
     * Arguments: {@code [--native ffm|jnr]}.
     */
    public static void main(String[] args) throws URISyntaxException {
        String nativeBackend = "ffm";
        if (args.length == 2 && args[0].equals("--native")) {
            nativeBackend = args[1];
        } else if (args.length != 0) {
            System.err.println("usage: JvmFlags [--native ffm|jnr]");
            System.exit(2);
        }
        Path jar = Path.of(JvmFlags.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!Files.isRegularFile(jar)) {
            System.err.println("JvmFlags must run from the agent jar, not " + jar);
            System.exit(1);
        }
        System.out.println(String.join(" ", forAgentJar(jar, nativeBackend)));
    }
}
