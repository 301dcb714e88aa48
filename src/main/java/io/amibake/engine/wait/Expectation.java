package io.amibake.engine.wait;

import java.time.Duration;

/**
 * What a wait expects: how long it should last (the median), how uncertain that is, and whether
 * it was learned on this kind of wait and target (or predicted by a copy's own progress) rather
 * than guessed from AWS's ranges, a default or other targets.
 *
 * <p>The uncertainty is a spread σ on a logarithmic scale: the wait very likely ends between
 * {@link #low()}, the duration divided by e^2σ, and {@link #high()}, the duration times e^2σ
 * (two spreads either side). {@link PollPlan} places its looks by that range.
 *
 * @param duration the expected duration
 * @param spread   σ, the standard deviation of the logarithm of the duration; at least 0.01
 * @param trusted  learned on this kind and target, or predicted; false for a guess
 * @param shortestLook the least delay between two looks that can pay on this cloud: half a
 *                 second of its time ({@link Expectations#SHORTEST_LOOK}); zero when its tempo is unknown
 * @param offPath  nothing the bake does next waits for it ({@link WaitKind#onPath()}), so a look
 *                 before it has very likely ended seldom pays
 */
public record Expectation(Duration duration, double spread, boolean trusted, Duration shortestLook, boolean offPath) {

    /** How many spreads either side of the expected duration the likely range covers. */
    public static final double RANGE_SPREADS = 2;

    public Expectation {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a negative expected duration: " + duration);
        }
        spread = Math.max(0.01, spread);
    }

    public Expectation(Duration duration, double spread, boolean trusted) {
        this(duration, spread, trusted, Duration.ZERO, false);
    }

    public static Expectation learned(Duration duration, double spread) {
        return new Expectation(duration, spread, true);
    }

    public static Expectation guess(Duration duration, double spread) {
        return new Expectation(duration, spread, false);
    }

    /** This expectation on a cloud where a look sooner than {@code shortest} after the last cannot pay. */
    public Expectation withShortestLook(Duration shortest) {
        return new Expectation(duration, spread, trusted, shortest, offPath);
    }

    /** This expectation of a wait that nothing the bake does next waits for. */
    public Expectation offThePath() {
        return new Expectation(duration, spread, trusted, shortestLook, true);
    }

    /** The early end of the likely range: before it, completion is unlikely. */
    public Duration low() {
        return scaled(Math.exp(-RANGE_SPREADS * spread));
    }

    /** The late end of the likely range: past it, the expectation was wrong. */
    public Duration high() {
        return scaled(Math.exp(RANGE_SPREADS * spread));
    }

    private Duration scaled(double factor) {
        return Duration.ofNanos((long) (duration.toNanos() * factor));
    }
}
