package io.ringloom.demos;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** ringhttp's command line: --port, --backend, --dir, --upstream, --help, and what bad input says. */
class HttpOptionsTest {
    @TempDir
    Path dir;

    @Test
    void defaults() {
        HttpOptions o = HttpOptions.parse(new String[0]);
        assertEquals(new HttpOptions(HttpOptions.DEFAULT_PORT, HttpOptions.Backend.RINGLOOM, null, null, false), o);
        assertEquals(8080, o.port());
    }

    @Test
    void everyOptionTogether() {
        HttpOptions o = HttpOptions.parse(new String[] {"--dir", dir.toString(), "--backend", "jdk", "--port", "0",
                "--upstream", "127.0.0.1:9000"});
        assertEquals(new HttpOptions(0, HttpOptions.Backend.JDK, dir,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 9000), false), o);
        assertEquals(HttpOptions.Backend.RINGLOOM, HttpOptions.parse(new String[] {"--backend", "ringloom"}).backend());
        assertEquals(65535, HttpOptions.parse(new String[] {"--port", "65535"}).port());
    }

    @Test
    void theLastOfARepeatedOptionWins() {
        assertEquals(9000, HttpOptions.parse(new String[] {"--port", "1", "--port", "9000"}).port());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-h", "--help"})
    void help(String flag) {
        assertTrue(HttpOptions.parse(new String[] {flag}).help());
        assertTrue(HttpOptions.parse(new String[] {"--port", "1", flag, "--nope"}).help());
        assertEquals("usage: ringloom http [--port N] [--backend ringloom|jdk] [--dir DIR] [--upstream HOST:PORT]",
                HttpOptions.USAGE_TEXT);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--nope|unknown option --nope",
            "8080|unknown option 8080",
            "--port|--port needs a value",
            "--backend|--backend needs a value",
            "--dir|--dir needs a value",
            "--port http|--port needs a number from 0 to 65535, not 'http'",
            "--port -1|--port needs a number from 0 to 65535, not '-1'",
            "--port 65536|--port needs a number from 0 to 65535, not '65536'",
            "--backend netty|--backend must be ringloom or jdk",
            "--backend JDK|--backend must be ringloom or jdk",
            "--upstream|--upstream needs a value",
            "--upstream 9000|--upstream needs HOST:PORT, not '9000'",
            "--upstream :9000|--upstream needs HOST:PORT, not ':9000'",
            "--upstream localhost:http|--upstream's port needs a number from 0 to 65535, not 'http'"})
    void badInputSaysWhatIsWrong(String line, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HttpOptions.parse(line.split(" ")));
        assertEquals(message, e.getMessage());
    }

    @Test
    void upstreamTakesNamesAndBracketedAddresses() {
        InetSocketAddress v6 = HttpOptions.parse(new String[] {"--upstream", "[::1]:80"}).upstream();
        assertTrue(v6.getAddress().isLoopbackAddress());
        assertEquals(80, v6.getPort());
        assertTrue(HttpOptions.parse(new String[] {"--upstream", "localhost:1"}).upstream().getAddress().isLoopbackAddress());
    }

    @Test
    void dirMustBeADirectory() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        for (Path p : new Path[] {file, dir.resolve("missing")}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HttpOptions.parse(new String[] {"--dir", p.toString()}));
            assertEquals("--dir " + p + " is not a directory", e.getMessage());
        }
    }
}
