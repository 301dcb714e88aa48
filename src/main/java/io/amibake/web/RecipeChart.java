package io.amibake.web;

import io.amibake.engine.api.BakeSummary;
import io.amibake.recipe.Durations;
import io.amibake.report.BakePage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A recipe's bakes night by night, oldest left: a bar per bake, its height the time its runs took,
 * its colour the outcome; a dot per bake for the requests it sent, on the right-hand scale.
 */
public record RecipeChart(List<Night> nights, int width, int height, String longest, long mostRequests) {

    /** One bake in the chart. */
    public record Night(BakeSummary bake, String href, String x, String y, String barHeight, String dotY,
                        String statusClass, String tip, String labelX, String label) {
    }

    private static final int HEIGHT = 160;
    private static final int STEP = 26;

    static RecipeChart of(List<BakeSummary> newestFirst, BakePage.Links links) {
        List<BakeSummary> bakes = new ArrayList<>(newestFirst);
        Collections.reverse(bakes);
        long longest = Math.max(1, bakes.stream().filter(b -> b.took() != null)
                .mapToLong(b -> b.took().toMillis()).max().orElse(1));
        long requests = Math.max(1, bakes.stream().mapToLong(BakeSummary::requests).max().orElse(1));
        List<Night> nights = new ArrayList<>();
        int i = 0;
        for (BakeSummary b : bakes) {
            double h = b.took() == null ? 3 : Math.max(3, HEIGHT * (double) b.took().toMillis() / longest);
            double x = 50 + i++ * STEP;
            String took = b.took() == null ? "running" : Durations.human(b.took());
            nights.add(new Night(b, links.bake(b.bakeId(), b.execution()), fmt(x), fmt(10 + HEIGHT - h), fmt(h),
                    fmt(10 + HEIGHT - HEIGHT * (double) b.requests() / requests),
                    BakePage.statusClass(b.status()), b.bakeId() + ": " + BakePage.statusWord(b.status()) + ", "
                    + took + ", " + b.requests() + " requests" + (b.runs() > 1 ? ", " + b.runs() + " runs" : ""),
                    fmt(x + 10), b.started() == null ? "" : b.started().toString().substring(5, 10)));
        }
        return new RecipeChart(nights, Math.max(400, 50 + bakes.size() * STEP + 60), HEIGHT + 40,
                Durations.human(java.time.Duration.ofMillis(longest)), requests);
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
