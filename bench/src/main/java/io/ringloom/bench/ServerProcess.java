package io.ringloom.bench;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A server under test in its own process, listening on a loopback port it was given;
 * its output goes to a temporary file. {@link #close} stops it (SIGTERM) and waits.
 */
final class ServerProcess implements AutoCloseable {
    /** How long a server may take from its start to accepting a connection. */
    private static final long START_TIMEOUT_NANOS = 30_000_000_000L;

    final String name;
    final int port;
    private final Process process;
    private final File log;

    private ServerProcess(String name, int port, Process process, File log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command.apply(port)} for a free port and returns once it accepts connections there. */
    static ServerProcess start(String name, IntFunction<ProcessBuilder> command) throws IOException, InterruptedException {
        int port = Tools.freePort();
        File log = File.createTempFile("ringloom-bench-server", ".log");
        log.deleteOnExit();
        Process p = command.apply(port).redirectErrorStream(true).redirectOutput(log).start();
        ServerProcess server = new ServerProcess(name, port, p, log);
        try {
            server.awaitListening();
        } catch (RuntimeException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** Starts {@code command} (whose last element is the port) for a free port; see {@link #start(String, IntFunction)}. */
    static ServerProcess start(String name, List<String> commandBeforePort) throws IOException, InterruptedException {
        return start(name, port -> {
            List<String> cmd = new java.util.ArrayList<>(commandBeforePort);
            cmd.add(Integer.toString(port));
            return new ProcessBuilder(cmd);
        });
    }

    long pid() {
        return process.pid();
    }

    /** What the server printed so far. */
    String output() {
        try {
            return Files.readString(log.toPath());
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited (" + process.exitValue() + ") before listening; it said:\n" + output());
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException(name + " did not listen on port " + port + " within 30 s; it said:\n" + output());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
