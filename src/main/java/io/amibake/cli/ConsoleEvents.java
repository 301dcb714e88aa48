package io.amibake.cli;

import io.amibake.bake.BakeEvents;
import io.amibake.bake.wait.Durations;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;

/** One line per step and per notable event, with the time since the bake began. */
final class ConsoleEvents implements BakeEvents {

    private final PrintWriter out;
    private final long start = System.nanoTime();

    ConsoleEvents(PrintWriter out) {
        this.out = out;
    }

    @Override
    public synchronized void stepStarted(String step) {
    }

    @Override
    public synchronized void stepFinished(String step, String status, Duration took, String detail) {
        String mark = "COMPLETED".equals(status) ? "ok" : status.toLowerCase();
        line(String.format("%-18s %-9s %s", step, mark, Durations.human(took)));
    }

    @Override
    public synchronized void note(String step, String message) {
        line(String.format("%-18s %s", step, message));
    }

    @Override
    public synchronized void bakeFinished(long execution, String status, Map<String, Object> summary) {
        line("bake " + summary.get("bake") + " (execution " + execution + ") " + status);
        if (summary.get("imageId") != null && "COMPLETED".equals(status)) {
            out.println("image:    " + summary.get("imageId") + "  " + summary.get("imageName"));
        }
        out.println("manifest: " + summary.get("manifest"));
        out.println("requests: " + summary.get("requests"));
        out.flush();
    }

    private void line(String text) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        out.printf("[%7s] %s%n", Durations.human(elapsed), text);
        out.flush();
    }
}
