package io.ringloom.demos;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * ringhttp's command line, parsed and checked. {@link #help} set means
 * {@code -h}/{@code --help} was given and nothing after it was looked at.
 */
record HttpOptions(int port, Backend backend, Path dir, InetSocketAddress upstream, boolean help) {
    static final int DEFAULT_PORT = 8080;
    static final String USAGE_TEXT = "usage: ringloom http [--port N] [--backend ringloom|jdk] [--dir DIR] [--upstream HOST:PORT]";

    /** Which sockets and threads serve: Ringloom's on the carrier pool, or the JDK's defaults. */
    enum Backend { RINGLOOM, JDK }

    /** Parses {@code args}; an IllegalArgumentException says what is wrong. */
    static HttpOptions parse(String[] args) {
        int port = DEFAULT_PORT;
        Backend backend = Backend.RINGLOOM;
        Path dir = null;
        InetSocketAddress upstream = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = port(value(args, ++i, "--port"), "--port");
                case "--backend" -> backend = backend(value(args, ++i, "--backend"));
                case "--dir" -> dir = Path.of(value(args, ++i, "--dir"));
                case "--upstream" -> upstream = hostPort(value(args, ++i, "--upstream"));
                case "-h", "--help" -> { return new HttpOptions(port, backend, dir, upstream, true); }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (dir != null && !Files.isDirectory(dir)) throw new IllegalArgumentException("--dir " + dir + " is not a directory");
        return new HttpOptions(port, backend, dir, upstream, false);
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) throw new IllegalArgumentException(name + " needs a value");
        return args[i];
    }

    private static int port(String value, String option) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) return port;
        } catch (NumberFormatException e) {
            // said below, as for a number out of range
        }
        throw new IllegalArgumentException(option + " needs a number from 0 to 65535, not '" + value + "'");
    }

    /** HOST:PORT, the host resolved now (a name or an address; an IPv6 address in brackets). */
    private static InetSocketAddress hostPort(String value) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("--upstream needs HOST:PORT, not '" + value + "'");
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        InetSocketAddress a = new InetSocketAddress(host, port(value.substring(colon + 1), "--upstream's port"));
        if (a.isUnresolved()) throw new IllegalArgumentException("--upstream: unknown host '" + host + "'");
        return a;
    }

    private static Backend backend(String value) {
        return switch (value) {
            case "ringloom" -> Backend.RINGLOOM;
            case "jdk" -> Backend.JDK;
            default -> throw new IllegalArgumentException("--backend must be ringloom or jdk");
        };
    }
}
