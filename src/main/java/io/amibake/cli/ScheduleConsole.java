package io.amibake.cli;

import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeResult;
import io.amibake.recipe.Durations;
import io.amibake.schedule.ScheduleEvents;
import io.amibake.text.TerminalText;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * What {@code amibake schedule} prints: one dated line per event, each naming its recipe, since
 * the bakes of many recipes interleave. Never a live status line.
 */
final class ScheduleConsole implements ScheduleEvents {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ssXXX");
    static final DateTimeFormatter SLOT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");

    private final PrintWriter out;

    ScheduleConsole(PrintWriter out) {
        this.out = out;
    }

    /** A line of its own, dated. */
    synchronized void line(String text) {
        out.println(ZonedDateTime.now().format(STAMP) + " " + TerminalText.safe(text));
        out.flush();
    }

    @Override
    public void slotStarted(String recipe, ZonedDateTime slot, boolean resumed) {
        line(recipe + ": slot " + slot.format(SLOT) + ": " + (resumed ? "resuming its failed or stopped bake"
                : "starting a new bake"));
    }

    @Override
    public void slotSkipped(String recipe, ZonedDateTime slot, Skip why, String detail) {
        line(recipe + ": slot " + slot.format(SLOT) + ": skipped: " + detail);
    }

    @Override
    public void bakeFinished(String recipe, BakeResult result, Duration took) {
        String what = result.bakeId() == null ? "the slot" : "bake " + result.bakeId();
        if (result.completed()) {
            line(recipe + ": " + what + " completed in " + Durations.human(took) + ", image " + result.imageId());
        } else {
            String error = result.error() == null ? "" : ": " + result.error().lines().findFirst().orElse("");
            String status = result.timedOut() ? "timed out" : result.status().toLowerCase();
            line(recipe + ": " + what + " " + status + " after " + Durations.human(took) + error);
        }
    }

    @Override
    public void paused(String recipe, int failuresInARow, String lastError) {
        line(recipe + ": schedule paused after " + failuresInARow + " failed slots in a row; 'amibake schedule"
                + " resume " + recipe + "' or an edit of the recipe resumes it");
    }

    @Override
    public void nextRun(String recipe, ZonedDateTime next) {
        line(recipe + ": next run " + (next == null ? "none (paused)" : next.format(SLOT)));
    }

    /** The steps of one recipe's bake, each line naming the recipe. */
    BakeEvents bakeEvents(String recipe) {
        return new BakeEvents() {
            @Override
            public void bakeStarted(long execution, String bakeId) {
                line(recipe + ": bake " + bakeId + " (execution " + execution + ") running");
            }

            @Override
            public void stepStarted(String step) {
            }

            @Override
            public void stepFinished(String step, String status, Duration took, String detail) {
                line(recipe + ": " + step + " " + ("COMPLETED".equals(status) ? "ok" : status.toLowerCase()) + " "
                        + Durations.human(took) + (detail == null || detail.isEmpty() ? "" : " " + detail));
            }

            @Override
            public void note(String step, String message) {
            }

            @Override
            public void bakeFinished(long execution, String status, Map<String, Object> summary) {
            }
        };
    }
}
