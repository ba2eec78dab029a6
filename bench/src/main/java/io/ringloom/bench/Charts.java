package io.ringloom.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;

/**
 * A benchmark's chart: where it goes ({@code bench/results/NAME.svg}, beside
 * the results file NAME.md, unless the run says {@code --chart PATH}), and the
 * caption every chart carries, the machine line the run printed and the date.
 */
final class Charts {
    private Charts() {}

    /** {@code bench/results/NAME.svg}, from the repository root the launcher runs benchmarks in. */
    static Path defaultFile(String name) {
        return Path.of("bench", "results", name + ".svg");
    }

    /** A chart titled {@code title}, {@code setup} (what the run printed about itself) under it, the machine and today under all. */
    static SvgChart forRun(String title, String setup, String machine) {
        return forRun(title, machine).setup(setup);
    }

    /**
     * The same without a setup line yet, for a run of several tables, each adding the line it
     * printed about itself ({@link SvgChart#setup}) as it starts.
     */
    static SvgChart forRun(String title, String machine) {
        return new SvgChart(title).caption(machine + "; run on " + LocalDate.now());
    }

    /** Writes {@code chart} to {@code file} and says where. */
    static void write(SvgChart chart, Path file) throws IOException {
        System.out.println("chart: " + chart.write(file));
    }
}
