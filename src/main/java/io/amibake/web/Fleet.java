package io.amibake.web;

import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeSummary;
import io.amibake.engine.api.Lease;
import io.amibake.engine.api.Target;
import io.amibake.recipe.Durations;
import io.amibake.report.BakePage;
import io.amibake.schedule.RecipeFiles;
import io.amibake.schedule.ScheduleStore;
import io.amibake.schedule.Scheduler;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The scheduler that {@code serve} runs, as its console reads and drives it: every scheduled
 * recipe with its schedule, its state and its bakes (read through {@link BakeService} only). The
 * command attaches the scheduler once the console's context is up, before its first look.
 */
@Component
public class Fleet {

    /** How many bakes a recipe's sparkline and chart show. */
    static final int NIGHTS = 30;
    static final DateTimeFormatter SLOT = DateTimeFormatter.ofPattern("EEE d MMM HH:mm z", Locale.ENGLISH);

    private final BakeService bakes;
    private volatile Scheduler scheduler;
    private volatile ScheduleStore store;
    private volatile Target target;

    public Fleet(BakeService bakes) {
        this.bakes = bakes;
    }

    /** Hands the console the scheduler it shows; until then it says it is starting. */
    public void attach(Scheduler scheduler, ScheduleStore store, Target target) {
        this.store = store;
        this.target = target;
        this.scheduler = scheduler;
    }

    public boolean attached() {
        return scheduler != null;
    }

    Scheduler scheduler() {
        if (scheduler == null) {
            throw new IllegalStateException("the scheduler is starting");
        }
        return scheduler;
    }

    ScheduleStore store() {
        return store;
    }

    Target target() {
        return target;
    }

    BakeService bakes() {
        return bakes;
    }

    /** The scheduled recipe of that name. */
    Optional<RecipeFiles.Version> recipe(String name) {
        return scheduler().recipes().stream().filter(r -> r.name().equals(name)).findFirst();
    }

    /** One recipe as the fleet page shows it. */
    public record Row(String name, String schedule, String next, boolean paused, int failuresInARow,
                      Long running, BakeSummary last, Map<String, String> images, List<Spark> sparks,
                      String sparkWidth, java.time.ZoneId zone) {

        public String lastClass() {
            return last == null ? "" : BakePage.statusClass(last.status());
        }

        public String lastWord() {
            return last == null ? "" : BakePage.statusWord(last.status()) + (last.runs() > 1 ? " (" + last.runs()
                    + " runs)" : "");
        }

        /** When the last bake started, in the recipe's zone as its slots are, and how long it took. */
        public String lastStarted() {
            if (last == null || last.started() == null) {
                return "";
            }
            return SLOT.format(last.started().atZone(zone)) + (last.took() == null ? ""
                    : ", took " + Durations.human(last.took()));
        }
    }

    /** A bar of a sparkline: one bake's duration. */
    public record Spark(String x, String y, String height, String statusClass, String tip, long execution) {
    }

    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (RecipeFiles.Version recipe : scheduler().recipes()) {
            rows.add(row(recipe));
        }
        rows.sort(java.util.Comparator.comparing(Row::name));
        return rows;
    }

    Row row(RecipeFiles.Version recipe) {
        String name = recipe.name();
        ScheduleStore.State state = store.state(name);
        Long running = bakes.running(name).map(Lease::executionId).orElse(null);
        List<BakeSummary> history = bakes.history(name, NIGHTS);
        BakeSummary last = history.isEmpty() ? null : history.get(0);
        Map<String, String> images = history.stream().filter(BakeSummary::completed).findFirst()
                .map(BakeSummary::images).orElse(Map.of());
        String next = state.paused() ? "paused" : running != null ? "running now"
                : scheduler().next(name).map(n -> n.format(SLOT)).orElse("-");
        return new Row(name, "cron '" + recipe.recipe().schedule().cron() + "' in "
                + recipe.recipe().schedule().zone().getId(), next, state.paused(), state.failuresInARow(), running,
                last, images, sparks(history, 3, 22), String.valueOf(NIGHTS * 4 + 2),
                recipe.recipe().schedule().zone());
    }

    /** The bakes' durations as bars, oldest first, {@code width} wide each and at most {@code height} high. */
    static List<Spark> sparks(List<BakeSummary> newestFirst, int width, int height) {
        List<BakeSummary> bakes = new ArrayList<>(newestFirst);
        Collections.reverse(bakes);
        long longest = Math.max(1, bakes.stream().filter(b -> b.took() != null)
                .mapToLong(b -> b.took().toMillis()).max().orElse(1));
        List<Spark> sparks = new ArrayList<>();
        int i = 0;
        for (BakeSummary b : bakes) {
            double h = b.took() == null ? 2 : Math.max(2, height * (double) b.took().toMillis() / longest);
            sparks.add(new Spark(String.valueOf(i++ * (width + 1)), fmt(height - h), fmt(h),
                    BakePage.statusClass(b.status()), b.bakeId() + ": " + BakePage.statusWord(b.status()) + ", "
                    + (b.took() == null ? "running" : Durations.human(b.took())), b.execution()));
        }
        return sparks;
    }

    /** When a slot was, in the recipe's zone. */
    static String at(ScheduleStore.Slot slot, RecipeFiles.Version recipe) {
        return ZonedDateTime.ofInstant(slot.at(), recipe.recipe().schedule().zone()).format(SLOT);
    }

    static String took(Duration took) {
        return took == null ? "-" : Durations.human(took);
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
