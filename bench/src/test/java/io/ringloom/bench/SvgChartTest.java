package io.ringloom.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chart writer on fixed numbers: well-formed SVG, every series and target drawn, values where the axis says. */
class SvgChartTest {
    private static final String SVG = "http://www.w3.org/2000/svg";
    /** Coordinates are written to two decimals. */
    private static final double PIXEL = 0.011;

    private static final String RING = "Ringloom & co <pool>", JDK = "JDK \"virtual\" threads", FIO = "fio io_uring";

    /** Two panels over three categories: bars with a target per category, lines with one across the panel. */
    private static SvgChart chart() {
        SvgChart chart = new SvgChart("file-read: 4 KiB random reads")
                .setup("1024 MiB file, 4.0 s per run")
                .caption("machine: 2 cores (AMD EPYC), kernel 6.18, JDK 25")
                .xAxis("case");
        chart.panel("Reads per second (higher is better)", "ops/s", SvgChart.Kind.BARS)
                .value(RING, "cold", 172_558).value(JDK, "cold", 31_959).value(FIO, "cold", 87_086)
                .value(RING, "cached", 506_542).value(JDK, "cached", 611_955).value(FIO, "cached", Double.NaN)
                .value(RING, "tmpfs", 674_445).value(JDK, "tmpfs", 615_240).value(FIO, "tmpfs", 231_882)
                .target("target 3x JDK", "cold", 3 * 31_959)
                .target("target 1.0x JDK", "cached", 611_955);
        chart.panel("IPIs per read (lower is better)", "IPIs/op", SvgChart.Kind.LINES)
                .value(RING, "cold", 0.0).value(JDK, "cold", 0.061).value(FIO, "cold", 0.001)
                .value(RING, "cached", 0.0).value(JDK, "cached", 0.0).value(FIO, "cached", 0.0)
                .value(RING, "tmpfs", 0.002).value(JDK, "tmpfs", 0.0).value(FIO, "tmpfs", 0.186)
                .target("at most 0.2", 0.2);
        return chart;
    }

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
    }

    @Test
    void isWellFormedSvg() throws Exception {
        Document doc = parse(chart().render());
        Element root = doc.getDocumentElement();
        assertEquals(SVG, root.getNamespaceURI());
        assertEquals("svg", root.getLocalName());
        assertEquals(String.valueOf(SvgChart.WIDTH), root.getAttribute("width"));
        assertEquals("0 0 " + root.getAttribute("width") + " " + root.getAttribute("height"), root.getAttribute("viewBox"));
        assertEquals(2, elements(doc, "g", e -> hasClass(e, "panel")).size());
        // the first drawn element is the opaque background over the whole chart
        Element bg = elements(doc, "rect", e -> true).get(0);
        assertTrue(hasClass(bg, "bg"));
        assertEquals(root.getAttribute("height"), bg.getAttribute("height"));
    }

    @Test
    void rendersTheSameBytesEveryTime() {
        assertEquals(chart().render(), chart().render());
    }

    @Test
    void everySeriesIsInTheLegendAndInEveryPanel() throws Exception {
        Document doc = parse(chart().render());
        List<String> legend = elements(doc, "g", e -> hasClass(e, "legend")).stream().map(e -> e.getTextContent().strip()).toList();
        assertEquals(List.of(RING, JDK, FIO), legend);
        Element bars = panel(doc, 0), lines = panel(doc, 1);
        assertEquals(3, elements(bars, "rect", e -> e.getAttribute("data-series").equals(RING)).size());
        assertEquals(3, elements(bars, "rect", e -> e.getAttribute("data-series").equals(JDK)).size());
        assertEquals(2, elements(bars, "rect", e -> e.getAttribute("data-series").equals(FIO)).size(), "NaN draws nothing");
        for (String s : List.of(RING, JDK, FIO)) {
            assertEquals(3, elements(lines, "circle", e -> e.getAttribute("data-series").equals(s)).size(), s);
            assertEquals(1, elements(lines, "polyline", e -> e.getAttribute("data-series").equals(s)).size(), s);
        }
        // a series keeps its colour class in the legend and in every panel
        String ringClass = elements(doc, "g", e -> hasClass(e, "legend")).get(0)
                .getElementsByTagNameNS(SVG, "rect").item(0).getAttributes().getNamedItem("class").getNodeValue();
        elements(doc, "rect", e -> e.getAttribute("data-series").equals(RING))
                .forEach(e -> assertEquals(ringClass, e.getAttribute("class")));
    }

    @Test
    void theAxisHasNiceTicksFromZero() throws Exception {
        // highest value 674,445, times the headroom: 714,912; 4 steps of 200k rather than 8 of 100k
        assertEquals(List.of(0.0, 200_000.0, 400_000.0, 600_000.0, 800_000.0), ticks(panel(parse(chart().render()), 0)));
        assertEquals(new SvgChart.Axis(0.05, 0.25), SvgChart.Axis.nice(0.212));
        assertEquals(new SvgChart.Axis(1, 6), SvgChart.Axis.nice(5.78));
        assertEquals(new SvgChart.Axis(0.25, 1.25), SvgChart.Axis.nice(1.2));
        assertEquals(new SvgChart.Axis(0.05, 0.3), SvgChart.Axis.nice(0.3));
        assertEquals(new SvgChart.Axis(20_000, 100_000), SvgChart.Axis.nice(95_877));
        assertEquals(new SvgChart.Axis(0.2, 1), SvgChart.Axis.nice(0));
        SvgChart.Axis axis = SvgChart.Axis.nice(714_912);
        assertEquals(List.of("0", "200k", "400k", "600k", "800k"),
                List.of(axis.label(0), axis.label(200_000), axis.label(400_000), axis.label(600_000), axis.label(800_000)));
        assertEquals("2.5M", SvgChart.Axis.nice(4e6).label(2.5e6));
        assertEquals("0.05", SvgChart.Axis.nice(0.212).label(0.05));
    }

    @Test
    void barsAreScaledToTheAxis() throws Exception {
        Element bars = panel(parse(chart().render()), 0);
        Line y = yOf(bars);
        Element tmpfs = one(bars, "rect", e -> e.getAttribute("data-series").equals(RING) && e.getAttribute("data-category").equals("tmpfs"));
        assertEquals("674445", tmpfs.getAttribute("data-value"));
        assertEquals(y.at(674_445), d(tmpfs, "y"), PIXEL);
        assertEquals(y.at(0) - y.at(674_445), d(tmpfs, "height"), PIXEL);
        assertEquals(y.at(0), d(one(bars, "line", e -> hasClass(e, "axis")), "y1"), PIXEL, "bars stand on the x axis");
        // heights are proportional to the values: 674,445 against 31,959
        Element cold = one(bars, "rect", e -> e.getAttribute("data-series").equals(JDK) && e.getAttribute("data-category").equals("cold"));
        assertEquals(674_445.0 / 31_959, d(tmpfs, "height") / d(cold, "height"), 0.01);
        // and the axis spans the plot: 800k is the top grid line, the value's bar 84% of it
        assertEquals(674_445.0 / 800_000, d(tmpfs, "height") / (y.at(0) - y.at(800_000)), 1e-4);
        // the categories are in the order first given, left to right
        List<Double> x = List.of("cold", "cached", "tmpfs").stream().map(c -> d(one(bars, "rect",
                e -> e.getAttribute("data-series").equals(RING) && e.getAttribute("data-category").equals(c)), "x")).toList();
        assertTrue(x.get(0) < x.get(1) && x.get(1) < x.get(2), x.toString());
    }

    @Test
    void pointsAreScaledToTheAxis() throws Exception {
        Element lines = panel(parse(chart().render()), 1);
        Line y = yOf(lines);
        Element p = one(lines, "circle", e -> e.getAttribute("data-series").equals(FIO) && e.getAttribute("data-category").equals("tmpfs"));
        assertEquals(y.at(0.186), d(p, "cy"), PIXEL);
    }

    @Test
    void targetsAreDrawnAtTheirValueWithTheirLabel() throws Exception {
        Document doc = parse(chart().render());
        Element bars = panel(doc, 0), lines = panel(doc, 1);
        Line y = yOf(bars);
        List<Element> targets = elements(bars, "line", e -> hasClass(e, "target"));
        assertEquals(2, targets.size());
        Element cold = targets.get(0);
        assertEquals("cold", cold.getAttribute("data-category"));
        assertEquals(y.at(95_877), d(cold, "y1"), PIXEL);
        assertEquals(d(cold, "y1"), d(cold, "y2"));
        // over its own category's bars only: from left of the first to right of the last
        List<Element> coldBars = elements(bars, "rect", e -> e.getAttribute("data-category").equals("cold"));
        assertTrue(d(cold, "x1") < d(coldBars.get(0), "x"));
        Element last = coldBars.get(coldBars.size() - 1);
        assertTrue(d(cold, "x2") > d(last, "x") + d(last, "width"));
        Element cachedBar = elements(bars, "rect", e -> e.getAttribute("data-category").equals("cached")).get(0);
        assertTrue(d(cold, "x2") < d(cachedBar, "x"));
        assertEquals(y.at(611_955), d(targets.get(1), "y1"), PIXEL);
        // two labels in the panel: each under its own category, below the plot
        List<Element> labels = elements(bars, "text", e -> hasClass(e, "target-label"));
        assertEquals(List.of("target 3x JDK", "target 1.0x JDK"), labels.stream().map(e -> e.getTextContent().strip()).toList());
        assertTrue(d(labels.get(0), "y") > y.at(0) && d(labels.get(0), "x") < d(cachedBar, "x"));
        assertTrue(d(labels.get(1), "x") > d(cachedBar, "x"));

        Element across = one(lines, "line", e -> hasClass(e, "target"));
        assertEquals(yOf(lines).at(0.2), d(across, "y1"), PIXEL);
        assertEquals(d(one(lines, "line", e -> hasClass(e, "grid") && e.getAttribute("data-value").equals("0")), "x1"),
                d(across, "x1"), PIXEL);
        // the panel's only label: in the heading's row, above the plot
        Element label = one(lines, "text", e -> hasClass(e, "target-label"));
        assertEquals("at most 0.2", label.getTextContent().strip());
        assertTrue(d(label, "y") < yOf(lines).at(yOf(lines).v1()));
    }

    @Test
    void captionAndSetupAreText() throws Exception {
        String text = parse(chart().render()).getDocumentElement().getTextContent();
        assertTrue(text.contains("machine: 2 cores (AMD EPYC), kernel 6.18, JDK 25"));
        assertTrue(text.contains("1024 MiB file, 4.0 s per run"));
        assertTrue(text.contains("ops/s") && text.contains("IPIs/op") && text.contains("case"));
    }

    @Test
    void aNegativeOrInfiniteValueIsRefused() {
        SvgChart.Panel p = new SvgChart("t").panel("h", "u", SvgChart.Kind.BARS);
        assertThrows(IllegalArgumentException.class, () -> p.value("s", "c", -1));
        assertThrows(IllegalArgumentException.class, () -> p.value("s", "c", Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> p.target("t", Double.NEGATIVE_INFINITY));
    }

    @Test
    void writesTheFileWithItsDirectory(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("results").resolve("chart.svg");
        assertEquals(file, chart().write(file));
        assertEquals(chart().render(), Files.readString(file));
    }

    @Test
    void valueLabelsAreShort() {
        assertEquals("173k", SvgChart.valueLabel(172_558));
        assertEquals("35.1k", SvgChart.valueLabel(35_149));
        assertEquals("5,781", SvgChart.valueLabel(5_781));
        assertEquals("1M", SvgChart.valueLabel(999_600));
        assertEquals("1.32M", SvgChart.valueLabel(1_317_785));
        assertEquals("0.31", SvgChart.valueLabel(0.310));
        assertEquals("0.001", SvgChart.valueLabel(0.001));
        assertEquals("5.78", SvgChart.valueLabel(5.78));
        assertEquals("0", SvgChart.valueLabel(0));
    }

    // ------------------------------------------------------------- helpers

    /** The panel's value-to-y mapping, read from two of its grid lines. */
    private record Line(double v0, double y0, double v1, double y1) {
        double at(double v) {
            return y0 + (v - v0) * (y1 - y0) / (v1 - v0);
        }
    }

    private static Line yOf(Element panel) {
        List<Element> grid = elements(panel, "line", e -> hasClass(e, "grid"));
        Element a = grid.get(0), b = grid.get(grid.size() - 1);
        return new Line(d(a, "data-value"), d(a, "y1"), d(b, "data-value"), d(b, "y1"));
    }

    private static List<Double> ticks(Element panel) {
        return elements(panel, "line", e -> hasClass(e, "grid")).stream().map(e -> d(e, "data-value")).toList();
    }

    private static Element panel(Document doc, int index) {
        return one(doc.getDocumentElement(), "g", e -> hasClass(e, "panel") && e.getAttribute("data-panel").equals(String.valueOf(index)));
    }

    private static boolean hasClass(Element e, String cls) {
        return List.of(e.getAttribute("class").split(" ")).contains(cls);
    }

    private static double d(Element e, String attribute) {
        return Double.parseDouble(e.getAttribute(attribute));
    }

    private static List<Element> elements(Document doc, String tag, Predicate<Element> filter) {
        return elements(doc.getDocumentElement(), tag, filter);
    }

    private static List<Element> elements(Element under, String tag, Predicate<Element> filter) {
        NodeList nodes = under.getElementsByTagNameNS(SVG, tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (filter.test(e)) out.add(e);
        }
        return out;
    }

    private static Element one(Element under, String tag, Predicate<Element> filter) {
        List<Element> found = elements(under, tag, filter);
        assertEquals(1, found.size(), "elements <" + tag + "> matching");
        return found.get(0);
    }
}
