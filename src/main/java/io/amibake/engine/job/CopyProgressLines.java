package io.amibake.engine.job;

import io.amibake.recipe.Durations;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A line about a region's copy at least every quarter of its expected time, so a long copy is
 * never silent: the snapshot's progress when AWS has reported one, else an estimate from the time
 * elapsed against the expected duration, marked as one. Snapshot progress often sits at 0 % for
 * minutes and then jumps, which is why time, not progress, sets the pace.
 */
final class CopyProgressLines implements AutoCloseable {

    /** Without any expectation, a line every two minutes. */
    static final Duration FALLBACK_PERIOD = Duration.ofMinutes(2);

    private final String region;
    private final Duration expected;
    private final long start = System.nanoTime();
    private final AtomicInteger percent = new AtomicInteger(-1);
    private final ScheduledExecutorService ticker;

    CopyProgressLines(String region, Duration expected, Consumer<String> lines) {
        this.region = region;
        this.expected = expected;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "amibake-copy-progress-" + region);
            thread.setDaemon(true);
            return thread;
        });
        long period = period(expected).toMillis();
        ticker.scheduleAtFixedRate(() -> lines.accept(line(Duration.ofNanos(System.nanoTime() - start),
                percent.get(), this.region, this.expected)), period, period, TimeUnit.MILLISECONDS);
    }

    /** The snapshot's progress, as the copy's wait last read it. */
    void progress(int percent) {
        this.percent.set(percent);
    }

    static Duration period(Duration expected) {
        if (expected == null || expected.isZero() || expected.isNegative()) {
            return FALLBACK_PERIOD;
        }
        return Duration.ofMillis(Math.max(1, expected.toMillis() / 4));
    }

    static String line(Duration elapsed, int percent, String region, Duration expected) {
        String time = Durations.human(elapsed) + (expected == null ? "" : " of ~" + Durations.human(expected)
                + " expected");
        if (percent >= 0) {
            return region + ": " + percent + "% (snapshot progress), " + time;
        }
        if (expected == null) {
            return region + ": copying, " + time + " (no progress reported yet)";
        }
        long estimate = Math.min(99, elapsed.toMillis() * 100 / Math.max(1, expected.toMillis()));
        return region + ": ~" + estimate + "% (estimate from time elapsed; no snapshot progress yet), " + time;
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
