package io.ringloom.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A chart of one benchmark run, written as a standalone SVG document. Panels
 * are stacked top to bottom over the same categories (a case, a connection
 * count); each draws every series (a contender) as grouped bars or as lines
 * against a y axis from zero, with targets as dashed reference lines, each
 * labelled. One legend serves every panel; the caption says what ran where.
 *
 * <pre>{@code
 * SvgChart chart = new SvgChart("http").setup("wrk -t2 -d10s").caption(machine).xAxis("connections");
 * SvgChart.Panel rate = chart.panel("Requests per second (higher is better)", "req/s", SvgChart.Kind.LINES);
 * rate.value("ringhttp, Ringloom", "64", 63_824).target("target 1.3x JDK", "64", 1.3 * 60_127);
 * chart.write(Path.of("bench/results/http.svg"));
 * }</pre>
 *
 * <p>Light and dark backgrounds: the chart paints an opaque background of its
 * own and draws on that, so it reads on any page; a
 * {@code prefers-color-scheme: dark} rule swaps the background and the colours
 * for dark ones. The rule alone would not do: an SVG shown through
 * {@code <img>} sees the browser's preference, which need not be the page's
 * theme (GitHub's theme is a setting of its own), and transparent text drawn
 * for one would vanish on the other. Light colours are presentation
 * attributes, so a renderer without CSS still draws the light chart.
 *
 * <p>The output depends on the values given and nothing else: no clock, no
 * locale, no hash order. Text widths are estimated from the character count;
 * there are no font metrics without a GUI toolkit.
 *
 * <p>Elements a reader of the SVG (or a test) can find: each panel is a
 * {@code <g class="panel">}; a grid line is {@code class="grid"} with the tick's
 * {@code data-value}; a bar ({@code rect}) or point ({@code circle}) carries
 * {@code data-series}, {@code data-category} and {@code data-value}; a target
 * is a {@code line class="target"} with its {@code data-value} (and
 * {@code data-category} unless it spans the panel), its label a
 * {@code text class="target-label"} beside a {@code line class="target-key"}
 * (in the panel's heading row if it is the panel's only label, else under its
 * category); legend entries are {@code class="legend"}.
 */
final class SvgChart {

    /** How a panel draws its series. */
    enum Kind {
        /** Side by side within each category. */
        BARS,
        /** One line per series through the categories, a point at each. */
        LINES
    }

    static final int WIDTH = 880;
    /** Left edge of titles, legend and caption. */
    private static final int MARGIN = 20;
    /** Left edge of a panel's plot: room for the tick labels and the rotated y-axis label. */
    private static final int PLOT_LEFT = 88;
    private static final int PLOT_RIGHT = WIDTH - 24;
    private static final int PLOT_HEIGHT = 220;
    /** A bar is never wider than this, so one category of few series does not fill the panel; nor half a target over a point. */
    private static final double MAX_BAR_WIDTH = 56;
    /** Share of a category's band its bars take; the rest separates the categories. */
    private static final double GROUP_SHARE = 0.8;
    /** The axis reaches at least this much above the highest value or target, for the labels over it. */
    private static final double HEADROOM = 1.06;
    /** Length of the dashed sample before a target's label. */
    private static final double KEY_LINE = 22;
    /** Tick intervals the axis aims for. */
    private static final int TICKS = 5;
    /** Average advance of a character of the sans-serif font, in ems: the width estimate. */
    private static final double CHAR_EM = 0.6;

    private static final String FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

    /** Light colours (presentation attributes) and their dark counterparts (the CSS rule). */
    private static final String BACKGROUND = "#ffffff", BACKGROUND_DARK = "#0d1117";
    private static final String TEXT = "#1f2328", TEXT_DARK = "#e6edf3";
    private static final String MUTED = "#59636e", MUTED_DARK = "#9198a1";
    private static final String GRID = "#d1d9e0", GRID_DARK = "#30363d";
    /**
     * Series colours, after Okabe and Ito's palette for colour-blind readers;
     * each light one has at least 3:1 contrast on white, its dark twin on the
     * dark background. The targets are drawn in the text colour, unlike any series.
     */
    private static final String[] SERIES = {"#0072b2", "#c98500", "#009e73", "#cc79a7", "#d55e00", "#6a5acd", "#767676"};
    private static final String[] SERIES_DARK = {"#56b4e9", "#f0b53c", "#34c89d", "#e09cc4", "#ff8f4d", "#a99cf0", "#b0b0b0"};

    private final String title;
    private final List<String> setup = new ArrayList<>();
    private final List<String> caption = new ArrayList<>();
    private String xAxis = "";
    /** Every category and series any panel has, in the order first given: the x order and the legend's. */
    private final List<String> categories = new ArrayList<>();
    private final List<String> series = new ArrayList<>();
    private final List<Panel> panels = new ArrayList<>();

    SvgChart(String title) {
        this.title = title;
    }

    /** A line under the title saying what ran (the benchmark's parameters). */
    SvgChart setup(String line) {
        setup.add(line);
        return this;
    }

    /** A line at the bottom: the machine, the date. */
    SvgChart caption(String line) {
        caption.add(line);
        return this;
    }

    /** The label under every panel's categories (e.g. "connections"); none by default. */
    SvgChart xAxis(String label) {
        xAxis = label;
        return this;
    }

    /** A new panel under the last one. */
    Panel panel(String heading, String yAxis, Kind kind) {
        Panel p = new Panel(heading, yAxis, kind);
        panels.add(p);
        return p;
    }

    /** One plot: a heading, a y axis with its unit, the values of the series and the targets. */
    final class Panel {
        private final String heading;
        private final String yAxis;
        private final Kind kind;
        /** series, then category, to value. */
        private final Map<String, Map<String, Double>> values = new LinkedHashMap<>();
        private final List<Target> targets = new ArrayList<>();

        private Panel(String heading, String yAxis, Kind kind) {
            this.heading = heading;
            this.yAxis = yAxis;
            this.kind = kind;
        }

        /** The value of {@code series} in {@code category}; NaN is "not measured" and draws nothing. */
        Panel value(String series, String category, double value) {
            checkValue(value);
            register(SvgChart.this.series, series);
            register(categories, category);
            values.computeIfAbsent(series, s -> new LinkedHashMap<>()).put(category, value);
            return this;
        }

        /** A target for {@code category} alone, drawn over its bars or point and labelled {@code label}. */
        Panel target(String label, String category, double value) {
            checkValue(value);
            register(categories, category);
            targets.add(new Target(label, category, value));
            return this;
        }

        /** A target across the whole panel. */
        Panel target(String label, double value) {
            checkValue(value);
            targets.add(new Target(label, null, value));
            return this;
        }

        private double value(String series, String category) {
            Map<String, Double> bySeries = values.get(series);
            Double v = bySeries == null ? null : bySeries.get(category);
            return v == null ? Double.NaN : v;
        }

        private double max() {
            double max = 0;
            for (Map<String, Double> m : values.values()) {
                for (double v : m.values()) if (!Double.isNaN(v)) max = Math.max(max, v);
            }
            for (Target t : targets) if (!Double.isNaN(t.value)) max = Math.max(max, t.value);
            return max;
        }
    }

    /** A reference value; {@code category} null: across the panel. */
    private record Target(String label, String category, double value) {}

    private static void checkValue(double v) {
        // The axis starts at zero: every figure a benchmark charts is a rate, a time or a ratio.
        if (v < 0 || Double.isInfinite(v)) throw new IllegalArgumentException("a chart value must be finite and >= 0: " + v);
    }

    private static void register(List<String> names, String name) {
        if (!names.contains(name)) names.add(name);
    }

    /** Writes the chart to {@code file} (its directory created if need be) and returns the file. */
    Path write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        Files.writeString(file, render(), StandardCharsets.UTF_8);
        return file;
    }

    // ------------------------------------------------------------ rendering

    /** The SVG document. */
    String render() {
        StringBuilder body = new StringBuilder();
        double y = 30;
        text(body, MARGIN, y, "fg", "start", 17, true, title);
        y += 8;
        for (String line : wrap(setup, 12, WIDTH - 2 * MARGIN)) {
            y += 16;
            text(body, MARGIN, y, "muted", "start", 12, false, line);
        }
        y = legend(body, y + 14);
        for (int i = 0; i < panels.size(); i++) {
            y = panel(body, panels.get(i), i, y + 14);
        }
        y += 4;
        for (String line : wrap(caption, 11, WIDTH - 2 * MARGIN)) {
            y += 15;
            text(body, MARGIN, y, "muted", "start", 11, false, line);
        }
        int height = (int) Math.ceil(y + 14);

        StringBuilder svg = new StringBuilder();
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height).append("\" font-family=\"")
                .append(escape(FONT)).append("\" role=\"img\">\n");
        svg.append("<title>").append(escape(title)).append("</title>\n");
        svg.append(darkStyle());
        svg.append("<rect class=\"bg\" x=\"0\" y=\"0\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" rx=\"6\" fill=\"").append(BACKGROUND).append("\"/>\n");
        svg.append(body);
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static String darkStyle() {
        StringBuilder css = new StringBuilder("<style>\n@media (prefers-color-scheme: dark) {\n");
        css.append("  .bg { fill: ").append(BACKGROUND_DARK).append(" }\n");
        css.append("  .fg { fill: ").append(TEXT_DARK).append(" }\n");
        css.append("  .muted { fill: ").append(MUTED_DARK).append(" }\n");
        css.append("  .grid { stroke: ").append(GRID_DARK).append(" }\n");
        css.append("  .axis { stroke: ").append(MUTED_DARK).append(" }\n");
        css.append("  .target, .target-key { stroke: ").append(TEXT_DARK).append(" }\n");
        css.append("  .halo { stroke: ").append(BACKGROUND_DARK).append(" }\n");
        for (int i = 0; i < SERIES_DARK.length; i++) {
            css.append("  rect.s").append(i).append(", circle.s").append(i).append(" { fill: ").append(SERIES_DARK[i])
                    .append(" }\n");
            css.append("  polyline.s").append(i).append(" { stroke: ").append(SERIES_DARK[i]).append(" }\n");
        }
        return css.append("}\n</style>\n").toString();
    }

    /** The legend, wrapped into rows; returns the y under it. */
    private double legend(StringBuilder out, double top) {
        double x = MARGIN, y = top;
        out.append("<g class=\"legend-box\">\n");
        for (int s = 0; s < series.size(); s++) {
            String name = series.get(s);
            double w = 12 + 6 + textWidth(name, 12) + 16;
            if (x > MARGIN && x + w > WIDTH - MARGIN) {
                x = MARGIN;
                y += 20;
            }
            out.append("<g class=\"legend\" data-series=\"").append(escape(name)).append("\">");
            out.append("<rect class=\"").append(seriesClass(s)).append("\" x=\"").append(num(x)).append("\" y=\"")
                    .append(num(y)).append("\" width=\"12\" height=\"12\" rx=\"2\" fill=\"").append(color(s)).append("\"/>");
            text(out, x + 18, y + 10.5, "fg", "start", 12, false, name);
            out.append("</g>\n");
            x += w;
        }
        out.append("</g>\n");
        return y + 12;
    }

    /** One panel from {@code top}; returns the y under it. */
    private double panel(StringBuilder out, Panel p, int index, double top) {
        out.append("<g class=\"panel\" data-panel=\"").append(index).append("\">\n");
        text(out, MARGIN, top + 14, "fg", "start", 13, true, p.heading);
        double plotTop = top + 30, plotBottom = plotTop + PLOT_HEIGHT;
        Axis axis = Axis.nice(p.max() * HEADROOM);
        Scale scale = new Scale(axis, plotTop, plotBottom);

        for (int i = 0; i <= axis.intervals(); i++) {
            double v = axis.tick(i);
            double ty = scale.y(v);
            out.append("<line class=\"grid\" data-value=\"").append(plain(v)).append("\" x1=\"").append(PLOT_LEFT)
                    .append("\" x2=\"").append(PLOT_RIGHT).append("\" y1=\"").append(num(ty)).append("\" y2=\"")
                    .append(num(ty)).append("\" stroke=\"").append(GRID).append("\" stroke-width=\"1\"/>\n");
            text(out, PLOT_LEFT - 8, ty + 4, "muted", "end", 11, false, axis.label(v));
        }
        double mid = (plotTop + plotBottom) / 2;
        out.append("<text class=\"muted\" x=\"").append(MARGIN + 4).append("\" y=\"").append(num(mid))
                .append("\" text-anchor=\"middle\" font-size=\"12\" fill=\"").append(MUTED)
                .append("\" transform=\"rotate(-90 ").append(MARGIN + 4).append(' ').append(num(mid)).append(")\">")
                .append(escape(p.yAxis)).append("</text>\n");
        out.append("<line class=\"axis\" x1=\"").append(PLOT_LEFT).append("\" x2=\"").append(PLOT_RIGHT).append("\" y1=\"")
                .append(num(plotBottom)).append("\" y2=\"").append(num(plotBottom)).append("\" stroke=\"").append(MUTED)
                .append("\" stroke-width=\"1\"/>\n");

        double band = (double) (PLOT_RIGHT - PLOT_LEFT) / Math.max(1, categories.size());
        // A target's label goes in the heading's row when it is the panel's only one, else under its category.
        boolean keysInHeading = p.targets.stream().map(Target::label).distinct().count() <= 1;
        double keyRight = PLOT_RIGHT;
        int labelLines = 1;
        for (int c = 0; c < categories.size(); c++) {
            String category = categories.get(c);
            double centre = PLOT_LEFT + (c + 0.5) * band;
            List<String> lines = wrapCategory(category, band - 8);
            for (int l = 0; l < lines.size(); l++) {
                text(out, centre, plotBottom + 18 + 14 * l, "fg", "middle", 12, false, lines.get(l));
            }
            int line = lines.size();
            for (Target t : p.targets) {
                if (keysInHeading || !category.equals(t.category)) continue;
                targetKey(out, centre - keyWidth(t.label) / 2, plotBottom + 18 + 14 * line++, t.label);
            }
            labelLines = Math.max(labelLines, line);
        }
        double[][] extents = p.kind == Kind.BARS ? bars(out, p, scale, band) : lines(out, p, scale, band);
        List<String> keyed = new ArrayList<>();
        for (Target t : p.targets) {
            target(out, t, scale, extents);
            if ((keysInHeading || t.category == null) && !keyed.contains(t.label)) {
                keyed.add(t.label);
                keyRight -= keyWidth(t.label);
                targetKey(out, keyRight, top + 14, t.label);
                keyRight -= 16;
            }
        }
        double bottom = plotBottom + 18 + 14 * (labelLines - 1);
        if (!xAxis.isEmpty()) {
            bottom += 18;
            text(out, (PLOT_LEFT + PLOT_RIGHT) / 2.0, bottom, "muted", "middle", 12, false, xAxis);
        }
        out.append("</g>\n");
        return bottom + 6;
    }

    /** Grouped bars; returns each category's horizontal extent {left, right}, for its targets. */
    private double[][] bars(StringBuilder out, Panel p, Scale scale, double band) {
        int n = Math.max(1, series.size());
        double barWidth = Math.min(MAX_BAR_WIDTH, band * GROUP_SHARE / n);
        double[][] extents = new double[categories.size()][];
        // value labels over the bars only where every one fits over its bar
        boolean labels = true;
        for (String s : series) {
            for (String c : categories) {
                double v = p.value(s, c);
                if (!Double.isNaN(v) && textWidth(valueLabel(v), 10) > barWidth + 2) labels = false;
            }
        }
        for (int c = 0; c < categories.size(); c++) {
            String category = categories.get(c);
            double left = PLOT_LEFT + (c + 0.5) * band - barWidth * n / 2;
            extents[c] = new double[] {left, left + barWidth * n};
            for (int s = 0; s < series.size(); s++) {
                double v = p.value(series.get(s), category);
                if (Double.isNaN(v)) continue;
                double x = left + s * barWidth + 1, y = scale.y(v), h = scale.y(0) - y;
                out.append("<rect class=\"").append(seriesClass(s)).append("\" data-series=\"").append(escape(series.get(s)))
                        .append("\" data-category=\"").append(escape(category)).append("\" data-value=\"").append(plain(v))
                        .append("\" x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"")
                        .append(num(barWidth - 2)).append("\" height=\"").append(num(h)).append("\" fill=\"")
                        .append(color(s)).append("\">");
                out.append("<title>").append(escape(series.get(s) + ", " + category + ": " + valueLabel(v) + " " + p.yAxis))
                        .append("</title></rect>\n");
                if (labels) text(out, x + (barWidth - 2) / 2, y - 4, "fg halo", "middle", 10, false, valueLabel(v));
            }
        }
        return extents;
    }

    /** A line per series through the categories' centres, broken where a value is missing. */
    private double[][] lines(StringBuilder out, Panel p, Scale scale, double band) {
        double[][] extents = new double[categories.size()][];
        for (int c = 0; c < categories.size(); c++) {
            double centre = PLOT_LEFT + (c + 0.5) * band;
            double half = Math.min(band * 0.3, MAX_BAR_WIDTH);
            extents[c] = new double[] {centre - half, centre + half};
        }
        for (int s = 0; s < series.size(); s++) {
            String name = series.get(s);
            List<String> run = new ArrayList<>();
            for (int c = 0; c <= categories.size(); c++) {
                double v = c < categories.size() ? p.value(name, categories.get(c)) : Double.NaN;
                if (!Double.isNaN(v)) {
                    run.add(num(PLOT_LEFT + (c + 0.5) * band) + "," + num(scale.y(v)));
                    continue;
                }
                if (run.size() > 1) {
                    out.append("<polyline class=\"").append(seriesClass(s)).append("\" data-series=\"").append(escape(name))
                            .append("\" points=\"").append(String.join(" ", run)).append("\" fill=\"none\" stroke=\"")
                            .append(color(s)).append("\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>\n");
                }
                run.clear();
            }
            for (int c = 0; c < categories.size(); c++) {
                double v = p.value(name, categories.get(c));
                if (Double.isNaN(v)) continue;
                out.append("<circle class=\"").append(seriesClass(s)).append("\" data-series=\"").append(escape(name))
                        .append("\" data-category=\"").append(escape(categories.get(c))).append("\" data-value=\"").append(plain(v))
                        .append("\" cx=\"").append(num(PLOT_LEFT + (c + 0.5) * band)).append("\" cy=\"")
                        .append(num(scale.y(v))).append("\" r=\"4\" fill=\"").append(color(s)).append("\">");
                out.append("<title>").append(escape(name + ", " + categories.get(c) + ": " + valueLabel(v) + " " + p.yAxis))
                        .append("</title></circle>\n");
            }
        }
        return extents;
    }

    /** A dashed line at the target's value over its category (or the whole panel); {@link #targetKey} labels it. */
    private void target(StringBuilder out, Target t, Scale scale, double[][] extents) {
        if (Double.isNaN(t.value)) return;
        double x1 = PLOT_LEFT, x2 = PLOT_RIGHT;
        if (t.category != null) {
            double[] e = extents[categories.indexOf(t.category)];
            x1 = e[0] - 4;
            x2 = e[1] + 4;
        }
        double y = scale.y(t.value);
        out.append("<line class=\"target\"");
        if (t.category != null) out.append(" data-category=\"").append(escape(t.category)).append('"');
        out.append(" data-value=\"").append(plain(t.value)).append("\" x1=\"").append(num(x1)).append("\" x2=\"").append(num(x2))
                .append("\" y1=\"").append(num(y)).append("\" y2=\"").append(num(y)).append("\" stroke=\"").append(TEXT)
                .append("\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n");
    }

    /** A dashed line's sample and a target's label, from {@code x} on the baseline {@code y}. */
    private static void targetKey(StringBuilder out, double x, double y, String label) {
        out.append("<line class=\"target-key\" x1=\"").append(num(x)).append("\" x2=\"").append(num(x + KEY_LINE))
                .append("\" y1=\"").append(num(y - 4)).append("\" y2=\"").append(num(y - 4)).append("\" stroke=\"")
                .append(TEXT).append("\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n");
        text(out, x + KEY_LINE + 5, y, "fg target-label", "start", 11, false, label);
    }

    private static double keyWidth(String label) {
        return KEY_LINE + 5 + textWidth(label, 11);
    }

    // ---------------------------------------------------------------- axis

    /**
     * A y axis from 0 to {@code top} in {@code step}s of 1, 2, 2.5 or 5 times a
     * power of ten: of those, the step whose number of intervals is nearest
     * {@link #TICKS} (the fewer on a tie).
     */
    record Axis(double step, double top) {
        private static final double[] NICE = {1, 2, 2.5, 5, 10};

        static Axis nice(double max) {
            if (!(max > 0)) return new Axis(0.2, 1);
            double magnitude = Math.pow(10, Math.floor(Math.log10(max / TICKS)));
            Axis best = null;
            for (double n : NICE) {
                double step = round(n * magnitude, n * magnitude);
                // a whole number of steps; the epsilon keeps 0.3 / 0.1 from counting as 4 steps
                long intervals = (long) Math.ceil(max / step - 1e-9);
                Axis axis = new Axis(step, round(intervals * step, step));
                if (best == null || Math.abs(intervals - TICKS) <= Math.abs(best.intervals() - TICKS)) best = axis;
            }
            return best;
        }

        int intervals() {
            return (int) Math.round(top / step);
        }

        double tick(int i) {
            return round(i * step, step);
        }

        /** A tick's label: thousands as k and millions as M once the axis reaches 10,000. */
        String label(double v) {
            if (v == 0) return "0";
            if (top >= 1e6) return plain(round(v / 1e6, step / 1e6)) + "M";
            if (top >= 1e4) return plain(round(v / 1e3, step / 1e3)) + "k";
            return top >= 1000 ? String.format(Locale.ROOT, "%,d", Math.round(v)) : plain(v);
        }

        /** {@code v} to the decimals {@code step} has, and one more (for steps of 2.5). */
        private static double round(double v, double step) {
            int decimals = Math.max(0, 1 - (int) Math.floor(Math.log10(step)));
            return BigDecimal.valueOf(v).setScale(decimals, RoundingMode.HALF_UP).doubleValue();
        }
    }

    /** Maps a value to the y of the panel's plot. */
    private record Scale(Axis axis, double plotTop, double plotBottom) {
        double y(double v) {
            return plotBottom - v / axis.top() * (plotBottom - plotTop);
        }
    }

    // ---------------------------------------------------------------- text

    /** A value as a bar's label: three significant digits (four from 1,000 to 9,999), k and M for thousands and millions. */
    static String valueLabel(double v) {
        if (v == 0) return "0";
        if (v >= 1000 && v < 1e4) return String.format(Locale.ROOT, "%,.0f", v);
        double r = new BigDecimal(v).round(new MathContext(3)).doubleValue();
        if (r >= 1e6) return plain(r / 1e6) + "M";
        if (r >= 1e4) return plain(r / 1e3) + "k";
        return plain(r);
    }

    private static void text(StringBuilder out, double x, double y, String cls, String anchor, int size, boolean bold,
                             String content) {
        boolean halo = cls.contains("halo");
        String fill = cls.startsWith("muted") ? MUTED : TEXT;
        out.append("<text class=\"").append(cls).append("\" x=\"").append(num(x)).append("\" y=\"").append(num(y))
                .append('"');
        if (!anchor.equals("start")) out.append(" text-anchor=\"").append(anchor).append('"');
        out.append(" font-size=\"").append(size).append('"');
        if (bold) out.append(" font-weight=\"600\"");
        out.append(" fill=\"").append(fill).append('"');
        if (halo) {
            // the background's colour around the glyphs keeps a label legible over a bar or grid line
            out.append(" stroke=\"").append(BACKGROUND).append("\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\"");
        }
        out.append('>').append(escape(content)).append("</text>\n");
    }

    private static double textWidth(String s, double size) {
        return s.codePointCount(0, s.length()) * size * CHAR_EM;
    }

    /** Greedy word wrap of each line to {@code width} pixels. */
    private static List<String> wrap(List<String> lines, double size, double width) {
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            StringBuilder current = new StringBuilder();
            for (String word : line.split(" ")) {
                if (current.length() > 0 && textWidth(current + " " + word, size) > width) {
                    out.add(current.toString());
                    current.setLength(0);
                }
                if (current.length() > 0) current.append(' ');
                current.append(word);
            }
            out.add(current.toString());
        }
        return out;
    }

    /** A category label on one line, or on two split at the space nearest its middle if it is wider than its band. */
    private static List<String> wrapCategory(String label, double width) {
        if (textWidth(label, 12) <= width) return List.of(label);
        int best = -1;
        for (int i = label.indexOf(' '); i >= 0; i = label.indexOf(' ', i + 1)) {
            if (best < 0 || Math.abs(i - label.length() / 2) < Math.abs(best - label.length() / 2)) best = i;
        }
        return best < 0 ? List.of(label) : List.of(label.substring(0, best), label.substring(best + 1));
    }

    private static String seriesClass(int s) {
        return "s" + s % SERIES.length;
    }

    private static String color(int s) {
        return SERIES[s % SERIES.length];
    }

    /** A coordinate: at most two decimals, no trailing zeros. */
    private static String num(double v) {
        return plain(BigDecimal.valueOf(v).setScale(2, RoundingMode.HALF_UP).doubleValue());
    }

    /** A number without exponent or trailing zeros. */
    private static String plain(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
