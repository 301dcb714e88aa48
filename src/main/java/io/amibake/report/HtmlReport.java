package io.amibake.report;

import io.amibake.engine.store.CommandOutputs;
import io.amibake.recipe.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * A bake's report as one HTML file that needs nothing else: styles inline, charts as inline SVG
 * drawn here, no script, no font, no image fetched. Reports of the same recipe link to each other
 * by file name ({@code BAKE-ID.html}), so a directory of reports can be browsed.
 */
public final class HtmlReport {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final int LABEL = 190;
    private static final int CHART = 760;
    private static final int ROW = 24;
    /** Room right of the chart for the last bar's durations. */
    private static final int NOTES = 230;

    private final BakeHistory bake;
    private final Instant now;
    private final StringBuilder html = new StringBuilder();

    private HtmlReport(BakeHistory bake, Instant now) {
        this.bake = bake;
        this.now = now;
    }

    /** The report's file name for a bake: how reports link to each other. */
    public static String fileName(String bakeId) {
        return bakeId + ".html";
    }

    /** @param now when the report is written: where a running step's bar ends */
    public static String render(BakeHistory bake, Instant now) {
        return new HtmlReport(bake, now).page();
    }

    private String page() {
        html.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>amibake ").append(esc(bake.recipe())).append(' ').append(esc(bake.bakeId()))
                .append(" ").append(esc(bake.status())).append("</title>\n<style>").append(STYLE)
                .append("</style></head>\n<body>\n");
        header();
        timeline();
        regions();
        requests();
        history();
        commands();
        html.append("<footer>Written ").append(TIME.format(now)).append(" by amibake report from the job repository."
                + " Expected durations are what earlier bakes against the same target took (their median).</footer>\n")
                .append("</body></html>\n");
        return html.toString();
    }

    private void header() {
        html.append("<header><h1>").append(esc(bake.recipe())).append(" <span class=\"badge ")
                .append(statusClass(bake.status())).append("\">").append(esc(bake.status())).append("</span></h1>\n")
                .append("<dl>");
        item("bake", bake.bakeId());
        item("latest execution", String.valueOf(bake.execution()));
        item("target", bake.target());
        item("started", bake.started() == null ? "-" : TIME.format(bake.started()));
        item("took", bake.started() == null ? "-"
                : Durations.human(Duration.between(bake.started(), bake.ended() == null ? now : bake.ended()))
                + (bake.ended() == null ? " so far" : ""));
        item("image name", bake.imageName());
        item("image", bake.imageId());
        html.append("</dl></header>\n");
        if (bake.failure() != null) {
            html.append("<section class=\"failure\" id=\"failure\"><h2>Why it did not complete</h2><pre>")
                    .append(esc(bake.failure())).append("</pre><p>Fix the cause, then run <code>amibake resume ")
                    .append(esc(bake.recipe())).append("</code>.</p></section>\n");
        }
    }

    private void item(String name, String value) {
        html.append("<dt>").append(esc(name)).append("</dt><dd>").append(esc(value == null ? "-" : value))
                .append("</dd>");
    }

    /** A Gantt chart: one bar per run of each step and one per region, on one time axis. */
    private void timeline() {
        html.append("<section id=\"timeline\"><h2>Timeline</h2>\n");
        Instant origin = bake.started();
        if (origin == null) {
            html.append("<p>No step has started yet.</p></section>\n");
            return;
        }
        Instant end = origin;
        for (BakeHistory.Step s : bake.steps()) {
            end = later(end, s.end() == null ? now : s.end());
        }
        for (BakeHistory.Region r : bake.regions()) {
            if (r.start() != null) {
                end = later(end, r.end() == null ? now : r.end());
            }
        }
        long span = Math.max(1, Duration.between(origin, end).toMillis());
        int rows = bake.steps().size() + bake.regions().size();
        int height = rows * ROW + 30;
        html.append("<svg class=\"gantt\" role=\"img\" aria-label=\"timeline of bake ").append(esc(bake.bakeId()))
                .append("\" viewBox=\"0 0 ").append(LABEL + CHART + NOTES).append(' ').append(height)
                .append("\" width=\"").append(LABEL + CHART + NOTES).append("\" height=\"").append(height).append("\">\n");
        for (int tick = 0; tick <= 4; tick++) {
            double x = LABEL + CHART * tick / 4.0;
            html.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\"/>"
                            + "<text class=\"tick\" x=\"%.1f\" y=\"%d\">%s</text>\n", x, x, rows * ROW, x,
                    rows * ROW + 16, esc(Durations.human(Duration.ofMillis(span * tick / 4)))));
        }
        int row = 0;
        long lastExecution = -1;
        for (BakeHistory.Step s : bake.steps()) {
            String label = s.name() + (s.execution() != lastExecution && lastExecution != -1
                    ? " (run " + s.execution() + ")" : "");
            lastExecution = s.execution();
            bar(row++, "step", label, s.name(), s.status(), s.start(), s.end(), s.expected(), s.error(), origin, span);
        }
        for (BakeHistory.Region r : bake.regions()) {
            bar(row++, "region", "copy " + r.region(), r.region(), r.status(), r.start(), r.end(), r.expected(),
                    r.error(), origin, span);
        }
        html.append("</svg>\n<p class=\"legend\"><span class=\"key completed\"></span> completed "
                + "<span class=\"key failed\"></span> failed <span class=\"key started\"></span> running or stopped "
                + "<span class=\"key expected\"></span> expected duration of the step's wait</p></section>\n");
    }

    private void bar(int row, String kind, String label, String name, String status, Instant start, Instant end,
                     Duration expected, String error, Instant origin, long span) {
        double y = row * ROW + 4;
        html.append("<g class=\"row\"><text class=\"label\" x=\"").append(LABEL - 8).append("\" y=\"")
                .append(fmt(y + 13)).append("\">").append(esc(label)).append("</text>");
        if (start == null) {
            html.append("<text class=\"note\" x=\"").append(LABEL + 4).append("\" y=\"").append(fmt(y + 13))
                    .append("\">not started</text></g>\n");
            return;
        }
        Instant stop = end == null ? now : end;
        double x = LABEL + CHART * (double) Duration.between(origin, start).toMillis() / span;
        double width = Math.max(2, CHART * (double) Duration.between(start, stop).toMillis() / span);
        Duration took = Duration.between(start, stop);
        String tip = label + ": " + status + ", took " + Durations.human(took)
                + (expected == null ? "" : ", expected " + Durations.human(expected))
                + (error == null ? "" : "\n" + error);
        // An expectation past the end of the chart is drawn to its edge; the note gives the figure.
        double ew = expected == null ? 0 : Math.min(Math.max(2, CHART * (double) expected.toMillis() / span),
                LABEL + CHART - x);
        if (expected != null) {
            html.append("<rect class=\"expected\" x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y + 1))
                    .append("\" width=\"").append(fmt(ew)).append("\" height=\"14\"/>");
        }
        html.append("<rect class=\"bar ").append(kind).append(' ').append(statusClass(status))
                .append("\" data-name=\"").append(esc(name)).append("\" data-status=\"").append(esc(status))
                .append("\" x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y + 3)).append("\" width=\"")
                .append(fmt(width)).append("\" height=\"10\"><title>").append(esc(tip)).append("</title></rect>");
        String text = Durations.human(took) + (expected == null ? "" : " / expected " + Durations.human(expected))
                + ("FAILED".equals(status) ? "  ✕ FAILED" : "");
        double textX = x + Math.max(width, ew) + 4;
        html.append("<text class=\"note").append("FAILED".equals(status) ? " failed-text" : "").append("\" x=\"")
                .append(fmt(textX)).append("\" y=\"").append(fmt(y + 13)).append("\">").append(esc(text))
                .append("</text></g>\n");
    }

    private void regions() {
        // The deploy columns only for a recipe that tests copies in their regions or deploys.
        boolean deploys = bake.regions().stream().anyMatch(r -> r.deployment() != null);
        html.append("<section id=\"regions\"><h2>Regions</h2><table><thead><tr><th>region</th><th>outcome</th>"
                + "<th>image</th><th>took</th><th>expected</th>")
                .append(deploys ? "<th>test in region</th><th>launch template</th><th>instances</th>" : "")
                .append("<th>error</th></tr></thead><tbody>\n");
        for (BakeHistory.Region r : bake.regions()) {
            html.append("<tr class=\"").append(statusClass(r.status())).append("\" data-region=\"")
                    .append(esc(r.region())).append("\"><td>").append(esc(r.region()))
                    .append("</td><td>").append(esc(r.status())).append("</td><td><code>")
                    .append(esc(r.imageId() == null ? "-" : r.imageId())).append("</code></td><td>")
                    .append(r.start() == null ? "-" : esc(Durations.human(Duration.between(r.start(),
                            r.end() == null ? now : r.end())))).append("</td><td>")
                    .append(r.expected() == null ? "-" : esc(Durations.human(r.expected()))).append("</td><td>");
            if (deploys) {
                deployment(r);
            }
            html.append(esc(r.error() == null ? "" : r.error())).append("</td></tr>\n");
        }
        html.append("</tbody></table></section>\n");
    }

    /** The region's test, launch template and instance cells; each ends where the next cell starts. */
    private void deployment(BakeHistory.Region r) {
        RegionDeployment d = r.deployment();
        String test = d == null ? null : d.test();
        String template = d == null ? null : d.templateSummary();
        String instances = d == null ? null : d.instancesSummary();
        html.append("<span class=\"test ").append(esc(test == null ? "none" : test)).append("\">")
                .append(esc(test == null ? "-" : test)).append("</span></td><td class=\"template\">")
                .append(esc(template == null ? "-" : template)).append("</td><td class=\"instances\">");
        String cell = esc(instances == null ? "-" : instances);
        // Each id on one line: a browser would break one after its dash.
        for (String id : instances == null ? List.<String>of() : d.instances().ids()) {
            cell = cell.replace(esc(id), "<code>" + esc(id) + "</code>");
        }
        html.append(cell).append("</td><td>");
    }

    private void requests() {
        html.append("<section id=\"requests\"><h2>Requests</h2><table><thead><tr><th>operation</th>"
                + "<th>requests</th><th>retried (throttling, transient errors)</th></tr></thead><tbody>\n");
        long total = 0;
        long retried = 0;
        for (String operation : new TreeSet<>(bake.requests().keySet())) {
            long count = number(bake.requests().get(operation));
            long retries = number(bake.retries().get(operation));
            total += count;
            retried += retries;
            html.append("<tr><td>").append(esc(operation)).append("</td><td class=\"n\">").append(count)
                    .append("</td><td class=\"n").append(retries > 0 ? " warn" : "").append("\">").append(retries)
                    .append("</td></tr>\n");
        }
        html.append("<tr class=\"total\"><td>all</td><td class=\"n\">").append(total).append("</td><td class=\"n\">")
                .append(retried).append("</td></tr></tbody></table></section>\n");
    }

    /** The recipe's last bakes as bars of their duration, coloured by outcome, each a link to its report. */
    private void history() {
        List<BakeHistory.PastBake> past = new ArrayList<>(bake.recipeHistory());
        java.util.Collections.reverse(past);
        html.append("<section id=\"history\"><h2>Recent bakes of ").append(esc(bake.recipe())).append("</h2>\n");
        if (past.isEmpty()) {
            html.append("<p>No other bake.</p></section>\n");
            return;
        }
        long longest = Math.max(1, past.stream().filter(p -> p.took() != null)
                .mapToLong(p -> p.took().toMillis()).max().orElse(1));
        int barWidth = 34;
        int height = 150;
        int width = Math.max(300, past.size() * (barWidth + 8) + 20);
        html.append("<svg class=\"history\" role=\"img\" aria-label=\"recent bakes\" width=\"").append(width)
                .append("\" height=\"").append(height + 20).append("\" viewBox=\"0 0 ").append(width).append(' ')
                .append(height + 20).append("\">\n");
        int i = 0;
        for (BakeHistory.PastBake p : past) {
            double h = p.took() == null ? 4 : Math.max(4, (height - 20) * (double) p.took().toMillis() / longest);
            double x = 10 + i++ * (barWidth + 8);
            boolean self = p.bakeId().equals(bake.bakeId());
            String tip = p.bakeId() + ": " + p.status() + (p.took() == null ? "" : ", " + Durations.human(p.took()))
                    + (p.started() == null ? "" : ", started " + TIME.format(p.started()));
            String rect = "<rect class=\"past " + statusClass(p.status()) + (self ? " self" : "") + "\" x=\""
                    + fmt(x) + "\" y=\"" + fmt(height - h) + "\" width=\"" + barWidth + "\" height=\"" + fmt(h)
                    + "\"><title>" + esc(tip) + "</title></rect>";
            html.append(self ? rect : "<a href=\"" + esc(fileName(p.bakeId())) + "\">" + rect + "</a>")
                    .append("<text class=\"tick\" x=\"").append(fmt(x + barWidth / 2.0)).append("\" y=\"")
                    .append(height + 14).append("\">").append(p.execution()).append("</text>\n");
        }
        html.append("</svg>\n<table><thead><tr><th>bake</th><th>execution</th><th>outcome</th><th>started</th>"
                + "<th>took</th></tr></thead><tbody>\n");
        for (BakeHistory.PastBake p : bake.recipeHistory()) {
            boolean self = p.bakeId().equals(bake.bakeId());
            html.append("<tr class=\"").append(statusClass(p.status())).append("\"><td>")
                    .append(self ? "<strong>" + esc(p.bakeId()) + "</strong> (this report)"
                            : "<a href=\"" + esc(fileName(p.bakeId())) + "\">" + esc(p.bakeId()) + "</a>")
                    .append("</td><td>").append(p.execution()).append("</td><td>").append(esc(p.status()))
                    .append("</td><td>").append(p.started() == null ? "-" : TIME.format(p.started()))
                    .append("</td><td>").append(p.took() == null ? "-" : esc(Durations.human(p.took())))
                    .append("</td></tr>\n");
        }
        html.append("</tbody></table></section>\n");
    }

    private void commands() {
        html.append("<section id=\"commands\"><h2>Command output</h2>\n");
        if (bake.commands().isEmpty()) {
            html.append("<p>No command has ended yet.</p>");
        }
        for (CommandOutputs.Output o : bake.commands()) {
            html.append("<details class=\"command ").append(o.succeeded() ? "completed" : "failed").append("\">")
                    .append("<summary><strong>").append(esc(o.step())).append(" / ").append(esc(o.name()))
                    .append("</strong> ").append(esc(o.status())).append(", exit code ").append(o.exitCode())
                    .append(", ended ").append(TIME.format(o.finishedAt())).append(" <small>(")
                    .append(esc(o.commandId())).append(" on ").append(esc(o.instanceId())).append(")</small>")
                    .append("</summary>\n<h3>stdout</h3><pre>").append(esc(emptyAs(o.stdout())))
                    .append("</pre><h3>stderr</h3><pre>").append(esc(emptyAs(o.stderr()))).append("</pre></details>\n");
        }
        html.append("</section>\n");
    }

    private static String emptyAs(String text) {
        return text == null || text.isEmpty() ? "(empty)" : text;
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }

    private static String statusClass(String status) {
        return switch (status == null ? "" : status) {
            case "COMPLETED" -> "completed";
            case "FAILED" -> "failed";
            case "ABANDONED" -> "abandoned";
            case "NOT STARTED" -> "pending";
            default -> "started";
        };
    }

    private static Instant later(Instant a, Instant b) {
        return b.isAfter(a) ? b : a;
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    static String esc(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c < 0x20 && c != '\n' && c != '\t' ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }

    private static final String STYLE = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d232a;max-width:1240px}
            h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dee4}
            h3{font-size:13px;margin:8px 0 2px;color:#57606a}
            dl{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:0}dt{color:#57606a}dd{margin:0}
            .badge{font-size:13px;padding:2px 8px;border-radius:10px;vertical-align:middle;color:#fff}
            .badge.completed{background:#1a7f37}.badge.failed{background:#cf222e}.badge.started{background:#9a6700}
            .badge.abandoned{background:#57606a}
            .failure{border:1px solid #cf222e;background:#fff5f5;padding:4px 14px;border-radius:6px}
            pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:420px;white-space:pre-wrap;margin:0}
            table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #eaeef2;text-align:left}
            td.n{text-align:right;font-variant-numeric:tabular-nums}td.warn{color:#9a6700;font-weight:600}
            tr.failed td{color:#cf222e}tr.total td{font-weight:600}.test.passed{color:#1a7f37}
            .test.failed{color:#cf222e;font-weight:600}#regions td:first-child,#regions code{white-space:nowrap}
            svg text{font:12px system-ui,sans-serif}.label{text-anchor:end;fill:#1d232a}.note{fill:#57606a}
            .failed-text{fill:#cf222e;font-weight:600}.tick{fill:#57606a;text-anchor:middle}
            .grid{stroke:#eaeef2}.bar.completed,.past.completed{fill:#2da44e}.bar.failed,.past.failed{fill:#cf222e}
            .bar.started,.past.started{fill:#bf8700}.past.abandoned{fill:#8c959f}.past.self{stroke:#1d232a;stroke-width:2}
            rect.expected{fill:none;stroke:#57606a;stroke-dasharray:3 2}
            .legend .key{display:inline-block;width:14px;height:10px;margin:0 4px 0 12px}
            .key.completed{background:#2da44e}.key.failed{background:#cf222e}.key.started{background:#bf8700}
            .key.expected{border:1px dashed #57606a}
            details{border:1px solid #d8dee4;border-radius:6px;margin:6px 0;padding:4px 10px}
            details.failed{border-color:#cf222e}details.failed summary strong{color:#cf222e}
            summary{cursor:pointer}footer{margin-top:30px;color:#57606a;font-size:12px}
            """;
}
