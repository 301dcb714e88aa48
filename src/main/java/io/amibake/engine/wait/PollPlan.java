package io.amibake.engine.wait;

import java.time.Duration;

/**
 * When to look next at something slow: few looks while completion is unlikely, most of them
 * where the wait is expected to end, and an overshoot that stays a bounded share of the wait
 * when the expectation is wrong (docs/bake.md, "Waiting: fast and cheap at once").
 *
 * <p>With an expectation whose likely range is [L, H] ({@link Expectation#low()},
 * {@link Expectation#high()}), looks begin in earnest at F ({@link #firstLook(Expectation)}): for
 * a learned wait {@code leadSpreads} spreads before its expected duration E, {@code E * e^-leadσ}
 * (by default one: before it a learned wait ends about once in six times, so looks there would
 * mostly be wasted), or as many after it, {@code E * e^leadσ}, for one off the bake's path (the
 * build instance's termination, which only the bake's end waits for, beside the copies); for a
 * guess at L. When F is long, at most {@link #PRE_RANGE_LOOKS} looks come before it, spaced
 * P = max(maxDelay, F / 4) apart. From F each delay is {@code g}, the near growth, times the
 * time waited so far, where g is chosen so that crossing the likely range would take
 * {@code looksAcross} looks: {@code (1 + g)^looksAcross = H / L}, so a narrow range (a learned,
 * steady wait) is looked at densely and a wide one (a guess) sparsely, but no more sparsely than
 * {@code growth}. Past H the expectation was wrong: the share doubles with every g-step of time
 * past H ({@code g * 2^(log_{1+g}(t / H))}), back up to {@code growth}, so a wait that ends a
 * little after its range is still seen soon. With no expectation the first look comes after
 * {@code minDelay} and delays are {@code growth} times the time waited. Every delay is clamped to
 * [d, maxDelay], where d is minDelay or, when longer, the expectation's
 * {@link Expectation#shortestLook() shortest useful look} on its cloud.
 *
 * <p>So a resource that settles T after its wait began is seen by T plus at most
 * {@code max(min(F - T, P), g_T * T) + d}, where g_T is g while T ≤ H and {@code growth}
 * after (with no expectation, {@code growth * T + minDelay}); and it is looked at at most
 * {@code 1 + ⌈min(T, F) / P⌉ + ⌈log_{1+g}(min(T, H) / F)⌉ + ⌈log_{1+growth}(T / H)⌉
 * + ⌈log_2(growth / g)⌉ + ⌈max(T - F, 0) / maxDelay⌉} times (the term in log_2 counted once
 * T > H), logarithms counted when positive (with no expectation,
 * {@code 1 + ⌈log_{1+growth}(T / minDelay)⌉ + ⌈T / maxDelay⌉}). A learned wait that ends at its
 * expectation costs about {@code 1 + looksAcross / 4} looks from F, whatever its length. The
 * tests state these bounds themselves (DocumentedBounds), from docs/bake.md.
 *
 * @param minDelay    the shortest delay between two looks
 * @param maxDelay    the longest delay between two looks
 * @param growth      share of the time waited between looks when nothing better is known: with no
 *                    expectation, and past its likely range; also the most the near growth may be
 * @param looksAcross looks it would take to cross an expectation's likely range
 * @param leadSpreads how many spreads before a learned wait's expected duration looks begin in earnest
 */
public record PollPlan(Duration minDelay, Duration maxDelay, double growth, int looksAcross, double leadSpreads)
        implements Pacing {

    /** The most looks before an expectation's likely range begins. */
    public static final int PRE_RANGE_LOOKS = 4;

    public static final PollPlan DEFAULT = new PollPlan(Duration.ofMillis(50), Duration.ofMinutes(2), 0.25, 8, 1);

    public PollPlan {
        if (minDelay.isNegative() || minDelay.isZero() || maxDelay.compareTo(minDelay) < 0) {
            throw new IllegalArgumentException("poll delays must satisfy 0 < min <= max, got " + minDelay
                    + " and " + maxDelay);
        }
        if (growth <= 0 || looksAcross < 1 || leadSpreads < 0 || leadSpreads > Expectation.RANGE_SPREADS) {
            throw new IllegalArgumentException("growth must be positive, looksAcross at least 1 and leadSpreads"
                    + " between 0 and " + Expectation.RANGE_SPREADS);
        }
    }

    /** A plan whose learned waits are looked at in earnest from one spread before their expected duration. */
    public PollPlan(Duration minDelay, Duration maxDelay, double growth, int looksAcross) {
        this(minDelay, maxDelay, growth, looksAcross, 1);
    }

    /** This plan with other delay limits. */
    public PollPlan withDelays(Duration min, Duration max) {
        return new PollPlan(min, max, growth, looksAcross, leadSpreads);
    }

    @Override
    public Duration nextDelay(Duration elapsed, Expectation expected) {
        long t = elapsed.toNanos();
        if (expected == null) {
            return clamp(t * growth);
        }
        long first = firstLook(expected).toNanos();
        if (t < first) {
            // Few looks while completion is unlikely: at most PRE_RANGE_LOOKS before the first,
            // however much longer than maxDelay it is (the longest delay bounds them otherwise).
            long spacing = Math.max(maxDelay.toNanos(), (first + PRE_RANGE_LOOKS - 1) / PRE_RANGE_LOOKS);
            return Duration.ofNanos(Math.max(shortest(expected), Math.min(first - t, spacing)));
        }
        double near = nearGrowth(expected);
        long high = expected.high().toNanos();
        if (t < high) {
            return clamp(t * near, expected);
        }
        // Just past the range the expectation is likely only a little short: the share doubles
        // with every near step's worth of time past it, back up to growth.
        double steps = Math.log((double) t / high) / Math.log1p(near);
        return clamp(t * Math.min(growth, near * Math.pow(2, steps)), expected);
    }

    /**
     * Where looks at a wait begin in earnest: a learned wait's {@code leadSpreads} spreads before
     * its expected duration, or as many after it when nothing the bake does next waits for it
     * ({@link Expectation#offPath()}); a guess's where its likely range begins, since a guess may
     * be wrong by more than its spread says.
     */
    public Duration firstLook(Expectation expected) {
        double lead = expected.offPath() ? -leadSpreads : leadSpreads;
        return expected.trusted()
                ? Duration.ofNanos((long) (expected.duration().toNanos() * Math.exp(-lead * expected.spread())))
                : expected.low();
    }

    /** The share of the time waited between two looks from the first look on. */
    public double nearGrowth(Expectation expected) {
        double across = 2 * Expectation.RANGE_SPREADS * expected.spread();
        return Math.min(growth, Math.expm1(across / looksAcross));
    }

    private Duration clamp(double nanos) {
        return Duration.ofNanos((long) Math.max(minDelay.toNanos(), Math.min(maxDelay.toNanos(), nanos)));
    }

    private Duration clamp(double nanos, Expectation expected) {
        return Duration.ofNanos((long) Math.max(shortest(expected), Math.min(maxDelay.toNanos(), nanos)));
    }

    /** The shortest delay for a wait with this expectation: the cloud's shortest useful look, within the plan's limits. */
    private long shortest(Expectation expected) {
        return Math.min(maxDelay.toNanos(), Math.max(minDelay.toNanos(), expected.shortestLook().toNanos()));
    }
}
