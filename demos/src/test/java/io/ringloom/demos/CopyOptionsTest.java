package io.ringloom.demos;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** ringcopy's command line: each option, their combinations, and what bad input says. */
class CopyOptionsTest {
    private static CopyOptions parse(String... args) {
        return CopyOptions.parse(args);
    }

    record Run(int status, String out, String err) {}

    /** The command line as main runs it, short of copying: usage errors and --help never reach the pool. */
    private static Run run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = RingCopy.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Short options written together, as cp takes them: {@code -rf} is {@code -r -f}. */
    @Test
    void shortOptionsGoTogether() {
        CopyOptions o = parse("-rfq", "-L", "a", "b");
        assertTrue(o.recursive() && o.force() && o.quiet() && o.dereference());
        assertFalse(o.preserve() || o.hardLinks(), "-r keeps no modes and no hard links");
        CopyOptions archive = parse("-aL", "--jobs", "3", "a", "b");
        assertTrue(archive.recursive() && archive.preserve() && archive.hardLinks() && archive.dereference());
        assertFalse(parse("-rp", "a", "b").hardLinks(), "-p alone keeps no hard links, as cp -p");
        assertEquals(3, archive.jobs());
        // after -- a dash group is a path
        assertEquals(List.of(Path.of("-rf")), parse("--", "-rf", "b").sources());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("-rx", "a", "b"));
        assertEquals("unknown option -x", e.getMessage());
    }

    @Test
    void defaults() {
        CopyOptions o = parse("a", "b");
        assertFalse(o.recursive() || o.preserve() || o.dereference() || o.force() || o.sync() || o.verify()
                || o.failFast() || o.progress() || o.quiet() || o.help());
        assertEquals(CopyOptions.DEFAULT_JOBS, o.jobs());
        assertEquals(CopyOptions.DEFAULT_DEPTH, o.depth());
        assertEquals(List.of(Path.of("a")), o.sources());
        assertEquals(Path.of("b"), o.destination());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-r", "-R", "--recursive"})
    void recursive(String flag) {
        assertTrue(parse(flag, "a", "b").recursive());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-a", "--archive"})
    void archiveIsRecursiveAndPreserve(String flag) {
        CopyOptions o = parse(flag, "a", "b");
        assertTrue(o.recursive() && o.preserve());
        assertFalse(o.dereference(), "-a copies links as links");
    }

    @Test
    void eachFlagSetsItsOwnOption() {
        assertTrue(parse("-p", "a", "b").preserve());
        assertTrue(parse("--preserve", "a", "b").preserve());
        assertTrue(parse("-L", "a", "b").dereference());
        assertTrue(parse("--dereference", "a", "b").dereference());
        assertTrue(parse("-f", "a", "b").force());
        assertTrue(parse("--force", "a", "b").force());
        assertTrue(parse("--sync", "a", "b").sync());
        assertTrue(parse("--verify", "a", "b").verify());
        assertTrue(parse("--fail-fast", "a", "b").failFast());
        assertTrue(parse("--progress", "a", "b").progress());
        assertTrue(parse("-q", "a", "b").quiet());
        assertTrue(parse("--quiet", "a", "b").quiet());
        CopyOptions onlyP = parse("-p", "a", "b");
        assertFalse(onlyP.recursive() || onlyP.force() || onlyP.verify());
    }

    @Test
    void jobsAndDepthTakeAPositiveNumber() {
        CopyOptions o = parse("--jobs", "3", "--depth", "1", "a", "b");
        assertEquals(3, o.jobs());
        assertEquals(1, o.depth());
    }

    @Test
    void optionsMixWithPathsAndTheLastPathIsTheDestination() {
        CopyOptions o = parse("x", "-a", "y", "-L", "--verify", "--jobs", "2", "z", "--force", "dst");
        assertTrue(o.recursive() && o.preserve() && o.dereference() && o.verify() && o.force());
        assertEquals(2, o.jobs());
        assertEquals(List.of(Path.of("x"), Path.of("y"), Path.of("z")), o.sources());
        assertEquals(Path.of("dst"), o.destination());
    }

    @Test
    void doubleDashAndLoneDashAreNotOptions() {
        CopyOptions o = parse("-r", "--", "-f", "--jobs", "dst");
        assertTrue(o.recursive());
        assertFalse(o.force());
        assertEquals(List.of(Path.of("-f"), Path.of("--jobs")), o.sources());
        assertEquals(Path.of("dst"), o.destination());
        assertEquals(List.of(Path.of("-")), parse("-", "dst").sources());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "only-one|needs a source and a destination",
            "|needs a source and a destination",
            "-r a|needs a source and a destination",
            "--nope a b|unknown option --nope",
            "-x a b|unknown option -x",
            "a b --jobs|--jobs needs a number",
            "--jobs 0 a b|--jobs needs a positive number, not '0'",
            "--jobs -3 a b|--jobs needs a positive number, not '-3'",
            "--depth many a b|--depth needs a positive number, not 'many'",
            "--depth 99999999999 a b|--depth needs a positive number, not '99999999999'"})
    void badInputSaysWhatIsWrongAndExitsWithTheUsageStatus(String line, String message) throws Exception {
        String[] args = line == null ? new String[0] : line.split(" ");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CopyOptions.parse(args));
        assertEquals(message, e.getMessage());
        Run run = run(args);
        assertEquals(ExitStatus.USAGE, run.status());
        assertEquals(2, run.status(), "the usage text documents 2");
        assertTrue(run.err().startsWith("ringcopy: " + message + "\n" + "usage: ringloom copy"), run.err());
        assertEquals("", run.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-h", "--help"})
    void helpPrintsTheUsageAndSucceedsWhateverElseIsThere(String flag) throws Exception {
        assertTrue(parse(flag).help());
        assertTrue(parse("a", flag, "--nope").help(), "nothing after --help is looked at");
        Run run = run("-r", flag);
        assertEquals(0, run.status());
        assertEquals(CopyOptions.USAGE_TEXT + "\n", run.out());
        assertEquals("", run.err());
    }

    @Test
    void usageTextDocumentsEveryOptionDefaultAndStatus() {
        for (String option : List.of("--recursive", "--preserve", "--archive", "--dereference", "--force", "--sync",
                "--verify", "--fail-fast", "--progress", "--jobs N", "--depth N", "--quiet")) {
            assertTrue(CopyOptions.USAGE_TEXT.contains(option), option);
        }
        assertTrue(CopyOptions.USAGE_TEXT.contains("(default 64)"));
        assertTrue(CopyOptions.USAGE_TEXT.contains("(default 8)"));
        assertTrue(CopyOptions.USAGE_TEXT.contains("Exit status: 0 all copied, 1 some path failed, 2 usage."));
    }
}
