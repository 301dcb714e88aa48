package io.amibake.report;

import io.amibake.engine.api.BakeDetail;
import io.amibake.engine.api.BakeSummary;
import io.amibake.engine.api.CommandOutput;
import io.amibake.engine.api.RegionDeployment;
import io.amibake.recipe.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * What the page of one bake shows, computed once for its template ({@code templates/bake.html}):
 * the report file that {@code amibake report} writes and the bake's page in {@code amibake serve}'s
 * console render the same page from it. The timeline has one lane per run of the bake, each on its
 * own time axis, so a resume the next morning does not squeeze the first run to a sliver.
 *
 * @param links how the page links to other bakes: report files beside it, or the console's pages
 * @param now   when the page is drawn: where a running step's bar ends; never before the latest
 *              instant the bake holds
 */
public record BakePage(BakeDetail bake, List<BakeSummary> history, Links links, Instant now) {

    public BakePage {
        // The repository's clock (another host's) may run ahead of this one: a step that just began
        // has run for nothing yet, never for less.
        for (Instant seen : instants(bake)) {
            now = later(now, seen);
        }
    }

    private static List<Instant> instants(BakeDetail bake) {
        List<Instant> seen = new ArrayList<>();
        seen.add(bake.started());
        bake.runs().forEach(r -> seen.addAll(java.util.Arrays.asList(r.started(), r.ended())));
        bake.steps().forEach(s -> seen.addAll(java.util.Arrays.asList(s.start(), s.end())));
        bake.regions().forEach(r -> seen.addAll(java.util.Arrays.asList(r.start(), r.end())));
        seen.removeIf(java.util.Objects::isNull);
        return seen;
    }

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final int LABEL = 200;
    private static final int CHART = 720;
    private static final int ROW = 24;
    /** Room right of the chart for the last bar's durations. */
    private static final int NOTES = 240;

    /** How a page names other pages. */
    public interface Links {

        /** The page of a bake. */
        String bake(String bakeId, long execution);

        /** The page of a recipe, or null where there is none (a report file). */
        String recipe(String name);

        /** Whether the page is served live (its script follows a running bake), or a file that stands alone. */
        boolean live();
    }

    /** Report files side by side in one directory: {@code BAKE-ID.html}. */
    public static final Links FILES = new Links() {
        @Override
        public String bake(String bakeId, long execution) {
            return fileName(bakeId);
        }

        @Override
        public String recipe(String name) {
            return null;
        }

        @Override
        public boolean live() {
            return false;
        }
    };

    /** The report's file name for a bake: how reports link to each other. */
    public static String fileName(String bakeId) {
        return bakeId + ".html";
    }

    /** An instant as every page writes it: {@code 2026-03-01 01:20:00 UTC}. */
    public static String time(Instant at) {
        return TIME.format(at);
    }

    // ---- header ----

    public String started() {
        return bake.started() == null ? "-" : TIME.format(bake.started());
    }

    /** The time the runs took, added up, and the wall time when a resume came later. */
    public String took() {
        if (bake.started() == null) {
            return "-";
        }
        Duration active = Duration.ZERO;
        for (BakeDetail.Run run : bake.runs()) {
            if (run.started() != null) {
                active = active.plus(Duration.between(run.started(), run.ended() == null ? now : run.ended()));
            }
        }
        String text = Durations.human(active) + (bake.running() ? " so far" : "");
        if (bake.runs().size() > 1) {
            Instant end = bake.ended() == null ? now : bake.ended();
            text += " in " + bake.runs().size() + " runs, " + Durations.human(Duration.between(bake.started(), end))
                    + " from first start to " + (bake.running() ? "now" : "end");
        }
        return text;
    }

    public String statusClass() {
        return statusClass(bake.status());
    }

    /** The bake's status in words: a run that is still going says so. */
    public String statusText() {
        return switch (bake.status()) {
            case "STARTED", "STARTING" -> "RUNNING";
            default -> bake.status();
        };
    }

    // ---- timeline: one lane per run ----

    /** One run's lane: its bars on its own time axis. */
    public record Lane(long execution, int number, String title, List<Bar> bars, List<Tick> ticks, int width,
                       int height) {
    }

    /** A step, or a region's part, in a lane. */
    public record Bar(String label, String name, String kind, String status, String statusClass, String y,
                      String textY, String x, String width, String expectedWidth, String noteX, String note,
                      String tip, boolean started) {
    }

    /** A grid line of a lane and its time. */
    public record Tick(String x, String label) {
    }

    public List<Lane> lanes() {
        List<Lane> lanes = new ArrayList<>();
        int number = 0;
        for (BakeDetail.Run run : bake.runs()) {
            number++;
            List<Row> rows = new ArrayList<>();
            for (BakeDetail.Step s : bake.steps()) {
                if (s.execution() == run.execution()) {
                    rows.add(new Row(s.name(), s.name(), "step", s.status(), s.start(), s.end(), s.expected(),
                            s.error()));
                }
            }
            boolean last = number == bake.runs().size();
            for (BakeDetail.Region r : bake.regions()) {
                if (r.execution() == run.execution() || last && r.execution() == 0) {
                    rows.add(new Row((r.source() ? "publish " : "copy ") + r.region()
                            + (r.source() ? " (source)" : ""), r.region(), r.source() ? "region source" : "region",
                            r.status(), r.start(), r.end(), r.expected(), r.error()));
                }
            }
            lanes.add(lane(run, number, rows));
        }
        return lanes;
    }

    private record Row(String label, String name, String kind, String status, Instant start, Instant end,
                       Duration expected, String error) {
    }

    private Lane lane(BakeDetail.Run run, int number, List<Row> rows) {
        Instant origin = run.started() != null ? run.started() : now;
        Instant end = origin;
        for (Row row : rows) {
            if (row.start() != null) {
                end = later(end, row.end() == null ? now : row.end());
                origin = row.start().isBefore(origin) ? row.start() : origin;
            }
        }
        long span = Math.max(1, Duration.between(origin, end).toMillis());
        List<Tick> ticks = new ArrayList<>();
        for (int tick = 0; tick <= 4; tick++) {
            ticks.add(new Tick(fmt(LABEL + CHART * tick / 4.0), Durations.human(Duration.ofMillis(span * tick / 4))));
        }
        List<Bar> bars = new ArrayList<>();
        int i = 0;
        for (Row row : rows) {
            bars.add(bar(i++, row, origin, span));
        }
        Instant runEnd = run.ended() == null ? now : run.ended();
        String title = "Run " + number + " (execution " + run.execution() + "): " + statusWord(run.status())
                + (run.started() == null ? "" : ", started " + TIME.format(run.started()) + ", took "
                + Durations.human(Duration.between(run.started(), runEnd)) + (run.ended() == null ? " so far" : ""));
        return new Lane(run.execution(), number, title, bars, ticks, LABEL + CHART + NOTES,
                Math.max(1, rows.size()) * ROW + 30);
    }

    private Bar bar(int row, Row r, Instant origin, long span) {
        double y = row * ROW + 4;
        if (r.start() == null) {
            return new Bar(r.label(), r.name(), r.kind(), r.status(), statusClass(r.status()), fmt(y + 3),
                    fmt(y + 13), fmt(LABEL), "0", null, fmt(LABEL + 4), "not started", r.label() + ": not started",
                    false);
        }
        Instant stop = r.end() == null ? now : r.end();
        double x = LABEL + CHART * (double) Duration.between(origin, r.start()).toMillis() / span;
        double width = Math.max(2, CHART * (double) Duration.between(r.start(), stop).toMillis() / span);
        Duration took = Duration.between(r.start(), stop);
        // An expectation past the end of the chart is drawn to its edge; the note gives the figure.
        double ew = r.expected() == null ? 0 : Math.min(Math.max(2, CHART * (double) r.expected().toMillis() / span),
                LABEL + CHART - x);
        String note = Durations.human(took) + (r.end() == null ? " so far" : "")
                + (r.expected() == null ? "" : " / expected " + Durations.human(r.expected()))
                + ("FAILED".equals(r.status()) ? "  ✕ FAILED" : "");
        String tip = r.label() + ": " + statusWord(r.status()) + ", took " + Durations.human(took)
                + (r.expected() == null ? "" : ", expected " + Durations.human(r.expected()))
                + (r.error() == null ? "" : "\n" + r.error());
        return new Bar(r.label(), r.name(), r.kind(), r.status(), statusClass(r.status()), fmt(y + 3), fmt(y + 13),
                fmt(x), fmt(width), r.expected() == null ? null : fmt(ew), fmt(x + Math.max(width, ew) + 4), note, tip,
                true);
    }

    // ---- regions ----

    /** The deploy columns only for a recipe that tests copies in their regions or deploys. */
    public boolean deploys() {
        return bake.regions().stream().anyMatch(r -> r.deployment() != null);
    }

    /** A region's row in the table. */
    public record RegionRow(BakeDetail.Region region, String what, String statusClass, String took,
                            String expected, String test, String template, String instances, List<String> ids) {

        /** The instances' summary cut around each instance id, so that an id is set in code and never broken. */
        public List<Part> instanceParts() {
            List<Part> parts = new ArrayList<>();
            String rest = instances;
            for (String id : ids) {
                int at = rest.indexOf(id);
                if (at < 0) {
                    continue;
                }
                if (at > 0) {
                    parts.add(new Part(rest.substring(0, at), false));
                }
                parts.add(new Part(id, true));
                rest = rest.substring(at + id.length());
            }
            if (!rest.isEmpty()) {
                parts.add(new Part(rest, false));
            }
            return parts;
        }
    }

    /** A piece of a cell's text: an id or the words around it. */
    public record Part(String text, boolean id) {
    }

    public List<RegionRow> regionRows() {
        List<RegionRow> rows = new ArrayList<>();
        for (BakeDetail.Region r : bake.regions()) {
            RegionDeployment d = r.deployment();
            rows.add(new RegionRow(r, r.source() ? "built here" : "copy", statusClass(r.status()),
                    r.start() == null ? "-" : Durations.human(Duration.between(r.start(), r.end() == null ? now
                            : r.end())), r.expected() == null ? "-" : Durations.human(r.expected()),
                    d == null || d.test() == null ? "-" : d.test(),
                    d == null || d.templateSummary() == null ? "-" : d.templateSummary(),
                    d == null || d.instancesSummary() == null ? "-" : d.instancesSummary(),
                    d == null || d.instances() == null ? List.of() : d.instances().ids()));
        }
        return rows;
    }

    // ---- requests ----

    /** One operation's requests, and how many of them were retries. */
    public record RequestRow(String operation, long count, long retried) {
    }

    public List<RequestRow> requestRows() {
        List<RequestRow> rows = new ArrayList<>();
        for (String operation : new TreeSet<>(bake.requests().keySet())) {
            rows.add(new RequestRow(operation, number(bake.requests().get(operation)),
                    number(bake.retries().get(operation))));
        }
        return rows;
    }

    public RequestRow requestTotal() {
        return new RequestRow("all", requestRows().stream().mapToLong(RequestRow::count).sum(),
                requestRows().stream().mapToLong(RequestRow::retried).sum());
    }

    // ---- the recipe's recent bakes ----

    /** A bar of the history chart: one bake, height its duration. */
    public record PastBar(BakeSummary bake, String href, boolean self, String x, String y, String height,
                          String labelX, String statusClass, String tip, String took, String started) {
    }

    /** Whether the recipe has bakes besides this one: else the chart and table would show this one alone. */
    public boolean otherBakes() {
        return history.stream().anyMatch(p -> !p.bakeId().equals(bake.bakeId()));
    }

    /** The chart's height, bars included. */
    private static final int HISTORY_HEIGHT = 150;

    public int historyHeight() {
        return HISTORY_HEIGHT;
    }

    public int historyWidth() {
        return Math.max(300, history.size() * 42 + 20);
    }

    /** The recipe's bakes, oldest first, as bars. */
    public List<PastBar> pastBars() {
        List<BakeSummary> oldestFirst = new ArrayList<>(history);
        java.util.Collections.reverse(oldestFirst);
        long longest = Math.max(1, oldestFirst.stream().filter(p -> p.took() != null)
                .mapToLong(p -> p.took().toMillis()).max().orElse(1));
        List<PastBar> bars = new ArrayList<>();
        int i = 0;
        for (BakeSummary p : oldestFirst) {
            double h = p.took() == null ? 4 : Math.max(4, (HISTORY_HEIGHT - 20) * (double) p.took().toMillis()
                    / longest);
            double x = 10 + i++ * 42;
            String took = p.took() == null ? "running" : Durations.human(p.took());
            String started = p.started() == null ? "-" : TIME.format(p.started());
            bars.add(new PastBar(p, links.bake(p.bakeId(), p.execution()), p.bakeId().equals(bake.bakeId()), fmt(x),
                    fmt(HISTORY_HEIGHT - h), fmt(h), fmt(x + 17), statusClass(p.status()),
                    p.bakeId() + ": " + statusWord(p.status()) + ", " + took + ", started " + started
                            + (p.runs() > 1 ? ", " + p.runs() + " runs" : ""), took, started));
        }
        return bars;
    }

    /** The same bakes, newest first, for the table. */
    public List<PastBar> pastRows() {
        List<PastBar> rows = new ArrayList<>(pastBars());
        java.util.Collections.reverse(rows);
        return rows;
    }

    // ---- commands ----

    public String ended(CommandOutput o) {
        return o.finishedAt() == null ? "-" : TIME.format(o.finishedAt());
    }

    public String emptyAs(String text) {
        return text == null || text.isEmpty() ? "(empty)" : text;
    }

    public String written() {
        return TIME.format(now);
    }

    // ---- helpers the templates share ----

    /** The CSS class of a status: completed, failed, abandoned, pending or started. */
    public static String statusClass(String status) {
        return switch (status == null ? "" : status) {
            case "COMPLETED" -> "completed";
            case "FAILED" -> "failed";
            case "ABANDONED" -> "abandoned";
            case "NOT STARTED" -> "pending";
            case "STOPPED" -> "stopped";
            default -> "started";
        };
    }

    /** A status as people read it. */
    public static String statusWord(String status) {
        return switch (status == null ? "" : status) {
            case "STARTED", "STARTING" -> "running";
            case "NOT STARTED" -> "not started";
            default -> status.toLowerCase(Locale.ROOT);
        };
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }

    private static Instant later(Instant a, Instant b) {
        return b.isAfter(a) ? b : a;
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
