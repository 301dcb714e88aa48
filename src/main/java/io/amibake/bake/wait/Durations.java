package io.amibake.bake.wait;

import java.time.Duration;

/** Durations as people read them: {@code 850ms}, {@code 12.4s}, {@code 3m05s}, {@code 1h02m}. */
public final class Durations {

    private Durations() {
    }

    public static String human(Duration d) {
        long millis = d.toMillis();
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return String.format("%.1fs", millis / 1000.0);
        }
        long seconds = d.toSeconds();
        if (seconds < 3600) {
            return String.format("%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format("%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
    }
}
