package io.amibake.cli;

import io.amibake.engine.api.BakeEvents;
import io.amibake.recipe.Durations;
import io.amibake.text.TerminalText;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One line per step and per notable event, each starting with the date and time (for a log read
 * the next morning) and the time since the bake began; the first names the bake and its recipe.
 * On a terminal, a status line below them shows the steps running now and for how long, redrawn
 * in place, unless {@code NO_COLOR} is set or {@code TERM} is {@code dumb}.
 */
final class ConsoleEvents implements BakeEvents {

    private static final String CLEAR_LINE = "\r\033[K";
    private static final java.time.format.DateTimeFormatter STAMP =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ssXXX");

    private final PrintWriter out;
    private final long start = System.nanoTime();
    private final Map<String, Long> running = new LinkedHashMap<>();
    private final ScheduledExecutorService ticker;
    private final String recipe;
    private boolean statusShown;

    /**
     * @param live   redraw a status line in place: only when the output is a terminal that wants it
     * @param recipe the recipe's name, for the first line
     */
    ConsoleEvents(PrintWriter out, boolean live, String recipe) {
        this.out = out;
        this.recipe = recipe;
        if (live) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "amibake-progress");
                thread.setDaemon(true);
                return thread;
            });
            ticker.scheduleAtFixedRate(this::drawStatus, 500, 500, TimeUnit.MILLISECONDS);
        } else {
            ticker = null;
        }
    }

    /**
     * Whether a status line may be redrawn in place: on a terminal, unless the user asked for
     * plain output ({@code NO_COLOR}, any value: no-color.org) or the terminal cannot move the
     * cursor ({@code TERM=dumb}).
     */
    static boolean live(java.util.Map<String, String> env, boolean terminal) {
        String noColor = env.get("NO_COLOR");
        return terminal && (noColor == null || noColor.isEmpty()) && !"dumb".equals(env.get("TERM"));
    }

    @Override
    public synchronized void bakeStarted(long execution, String bakeId) {
        line("bake " + bakeId + " of recipe " + recipe + " (execution " + execution + ") started");
    }

    @Override
    public synchronized void stepStarted(String step) {
        running.put(step, System.nanoTime());
    }

    @Override
    public synchronized void stepFinished(String step, String status, Duration took, String detail) {
        running.remove(step);
        String mark = "COMPLETED".equals(status) ? "ok" : status.toLowerCase();
        line(String.format("%-18s %-9s %s", step, mark, Durations.human(took)));
    }

    @Override
    public synchronized void note(String step, String message) {
        line(String.format("%-18s %s", step, message));
    }

    @Override
    public synchronized void bakeFinished(long execution, String status, Map<String, Object> summary) {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        running.clear();
        line("bake " + summary.get("bake") + " (execution " + execution + ") " + status);
        if (summary.get("imageId") != null && "COMPLETED".equals(status)) {
            out.println("image:    " + summary.get("imageId") + "  " + summary.get("imageName"));
        }
        out.println("manifest: " + summary.get("manifest"));
        out.println("requests: " + summary.get("requests"));
        out.flush();
    }

    private void line(String text) {
        if (statusShown) {
            out.print(CLEAR_LINE);
            statusShown = false;
        }
        out.printf("%s [%7s] %s%n", STAMP.format(java.time.ZonedDateTime.now()),
                Durations.human(elapsedSince(start)), TerminalText.safe(text));
        out.flush();
    }

    private synchronized void drawStatus() {
        if (running.isEmpty()) {
            return;
        }
        StringBuilder status = new StringBuilder(CLEAR_LINE).append(String.format("[%7s] ",
                Durations.human(elapsedSince(start))));
        running.forEach((step, since) -> status.append(step).append(' ')
                .append(Durations.human(elapsedSince(since))).append("  "));
        out.print(status);
        out.flush();
        statusShown = true;
    }

    private static Duration elapsedSince(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }
}
