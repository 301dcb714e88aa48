package io.amibake.engine.wait;

import java.time.Duration;

/**
 * The pacing guarantee of docs/bake.md ("Waiting: fast and cheap at once"), stated here from the
 * document rather than taken from {@link PollPlan}, so that the tests that use it check the code
 * against the promise: the default plan's shortest and longest delay (50 ms, 2 min), its growth
 * (25 % of the time waited), a share of the time waited between looks such that 8 looks would
 * cross an expectation's likely range, which runs from e^-2σ to e^2σ times the expected
 * duration; looks in earnest from one spread before a learned expectation (e^-σ times it; one
 * spread after it, e^σ times it, for a wait off the bake's path, the build instance's termination) and
 * from where a guess's likely range begins, before that looks at least a quarter of that point
 * apart (or the longest delay, when that is more), and past the range delays that grow back
 * from the near growth to 25 %, doubling their share with each near step; and no two looks
 * closer than half a second of the cloud's time when its tempo is known ({@link Expectation#shortestLook()}).
 */
final class DocumentedBounds {

    static final Duration MIN_DELAY = Duration.ofMillis(50);
    static final Duration MAX_DELAY = Duration.ofMinutes(2);
    static final double GROWTH = 0.25;
    static final int LOOKS_ACROSS = 8;
    static final int PRE_RANGE_LOOKS = 4;

    private DocumentedBounds() {
    }

    /** L: where the likely range begins. */
    static double low(Expectation e) {
        return e.duration().toNanos() * Math.exp(-2 * e.spread());
    }

    /** H: where the likely range ends. */
    static double high(Expectation e) {
        return e.duration().toNanos() * Math.exp(2 * e.spread());
    }

    /** g: the share of the time waited between two looks inside the likely range. */
    static double near(Expectation e) {
        return Math.min(GROWTH, Math.exp(4 * e.spread() / LOOKS_ACROSS) - 1);
    }

    /**
     * F: where looks begin in earnest, one spread before a learned expectation (one spread after
     * it for a wait off the bake's path), where a guess's likely range begins.
     */
    static double first(Expectation e) {
        return e.trusted() ? e.duration().toNanos() * Math.exp((e.offPath() ? 1 : -1) * e.spread()) : low(e);
    }

    /** P: the spacing of looks before F. */
    static double preRange(Expectation e) {
        return Math.max(MAX_DELAY.toNanos(), first(e) / PRE_RANGE_LOOKS);
    }

    /** The most a resource that settles {@code settles} after its wait began may be seen late. */
    static Duration overshoot(Duration settles, Expectation e) {
        double t = settles.toNanos();
        if (e == null) {
            return Duration.ofNanos((long) (GROWTH * t)).plus(MIN_DELAY);
        }
        double share = t <= high(e) ? near(e) : GROWTH;
        double early = Math.min(first(e) - t, preRange(e));
        return Duration.ofNanos((long) Math.ceil(Math.max(early, share * t))).plus(shortest(e));
    }

    /** d: the shortest delay, or the cloud's shortest useful look (a second of its time) when that is longer. */
    static Duration shortest(Expectation e) {
        return e.shortestLook().compareTo(MIN_DELAY) > 0 ? e.shortestLook() : MIN_DELAY;
    }

    /** The most looks a wait on a resource that settles {@code settles} after it began may take. */
    static long looks(Duration settles, Expectation e) {
        double t = Math.max(1, settles.toNanos());
        if (e == null) {
            return 1 + logCeil(t / MIN_DELAY.toNanos(), GROWTH) + (long) Math.ceil(t / MAX_DELAY.toNanos());
        }
        double first = first(e);
        double high = high(e);
        long backToGrowth = t > high ? (long) Math.ceil(Math.log(GROWTH / near(e)) / Math.log(2)) : 0;
        return 1 + (long) Math.ceil(Math.min(t, first) / preRange(e)) + logCeil(Math.min(t, high) / first, near(e))
                + logCeil(t / high, GROWTH) + backToGrowth + (long) Math.ceil(Math.max(0, t - first) / MAX_DELAY.toNanos());
    }

    /** ⌈log_{1+growth}(ratio)⌉ when the ratio exceeds 1, else 0. */
    private static long logCeil(double ratio, double growth) {
        return ratio <= 1 ? 0 : (long) Math.ceil(Math.log(ratio) / Math.log(1 + growth));
    }
}
