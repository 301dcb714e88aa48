package io.amibake.engine.store;

import java.util.Arrays;
import java.util.List;

/**
 * How long a wait took, as its looks saw it: it settled between the last look that saw it
 * pending and the first that saw it settled, so it took the middle of that interval, give or
 * take half its length. Looks close together measure a wait precisely; a first look that already
 * finds it settled says only that it took less than that look's time.
 *
 * @param millis   the middle of the interval, in milliseconds since the wait began
 * @param interval the interval's length in milliseconds; 0 when the duration is exact or its
 *                 interval was not kept (history stored before intervals were)
 */
public record Observed(long millis, long interval) {

    public Observed {
        if (millis < 0 || interval < 0) {
            throw new IllegalArgumentException("a negative duration or interval: " + millis + ", " + interval);
        }
    }

    /** Durations known exactly, in milliseconds. */
    public static List<Observed> exactly(Long... millis) {
        return Arrays.stream(millis).map(m -> new Observed(m, 0)).toList();
    }

    /**
     * How far the duration's logarithm may be off, as a variance: a duration anywhere in the
     * interval is off from its middle by (interval / √12) on average, relative to the middle.
     */
    public double variance() {
        double relative = interval / (double) Math.max(millis, 1);
        return relative * relative / 12;
    }
}
