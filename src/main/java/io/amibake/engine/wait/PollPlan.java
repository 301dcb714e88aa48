package io.amibake.engine.wait;

import java.time.Duration;

/**
 * When to look next at something slow, so that a wait overshoots the moment its resource
 * settles by a bounded share of the time it took, whatever the expectation said, and makes few
 * requests when the expectation is right.
 *
 * <p>With an expectation E, the first look comes at {@code a·E}, where a is
 * {@link #GUESS_FIRST_LOOK} for a guess and {@link #TRUSTED_FIRST_LOOK} for a learned
 * expectation. After that, each delay is a share of the time waited so far: {@code blindGrowth}
 * before {@code b·E} (b is {@link #GUESS_CLOSE_IN} or {@link #TRUSTED_CLOSE_IN}), and the
 * smaller {@code lateGrowth} from then on, so looks thicken around the expected time and stay
 * dense after it. With no expectation the first look comes after {@code minDelay} and delays
 * grow by {@code blindGrowth}. Every delay is clamped to [minDelay, maxDelay].
 *
 * <p>The bound (docs/bake.md): a resource that settles T after the wait began is seen by
 * {@code T + max(a·E − T, s·T) + minDelay}, where s is lateGrowth once
 * {@code T ≥ (1 + blindGrowth)·b·E} and blindGrowth before. The first term is the only one that
 * trusts E; a wait whose first look already finds its resource settled teaches
 * {@link Expectations} a much shorter time, so it shrinks bake by bake.
 *
 * @param minDelay    the shortest delay between two looks
 * @param maxDelay    the longest delay between two looks
 * @param blindGrowth share of the elapsed time to wait while far from the expected time, or when nothing is expected
 * @param lateGrowth  share of the elapsed time to wait once close to or past the expected time
 */
public record PollPlan(Duration minDelay, Duration maxDelay, double blindGrowth, double lateGrowth) {

    public static final PollPlan DEFAULT = new PollPlan(Duration.ofMillis(50), Duration.ofSeconds(30), 0.25, 0.03);

    /** First look, as a share of a guessed expectation: a default or another target's history. */
    public static final double GUESS_FIRST_LOOK = 0.1;
    /** First look, as a share of an expectation learned on this kind of wait and target. */
    public static final double TRUSTED_FIRST_LOOK = 0.6;
    /** From this share of a guessed expectation on, delays are lateGrowth of the elapsed time. */
    public static final double GUESS_CLOSE_IN = 0.6;
    /** From this share of a learned expectation on, delays are lateGrowth of the elapsed time. */
    public static final double TRUSTED_CLOSE_IN = 0.85;

    /**
     * The delay before the next look.
     *
     * @param elapsed  time since the wait began, at the last look (zero before the first)
     * @param expected how long the wait is expected to last, or {@code null} when unknown
     */
    public Duration nextDelay(Duration elapsed, Expectation expected) {
        if (expected == null) {
            return clamp(share(elapsed, blindGrowth));
        }
        long e = expected.duration().toNanos();
        long first = (long) (e * (expected.trusted() ? TRUSTED_FIRST_LOOK : GUESS_FIRST_LOOK));
        if (elapsed.toNanos() < first) {
            return clamp(Duration.ofNanos(first - elapsed.toNanos()));
        }
        double closeIn = expected.trusted() ? TRUSTED_CLOSE_IN : GUESS_CLOSE_IN;
        return clamp(share(elapsed, elapsed.toNanos() < e * closeIn ? blindGrowth : lateGrowth));
    }

    /** The worst overshoot past a settle time T that this plan allows, as documented above. */
    public Duration overshootBound(Duration settledAfter, Expectation expected) {
        long t = settledAfter.toNanos();
        if (expected == null) {
            return Duration.ofNanos((long) (t * blindGrowth)).plus(minDelay);
        }
        long e = expected.duration().toNanos();
        double a = expected.trusted() ? TRUSTED_FIRST_LOOK : GUESS_FIRST_LOOK;
        double b = expected.trusted() ? TRUSTED_CLOSE_IN : GUESS_CLOSE_IN;
        double s = t >= e * b * (1 + blindGrowth) ? lateGrowth : blindGrowth;
        return Duration.ofNanos(Math.max((long) (a * e) - t, (long) (s * t))).plus(minDelay);
    }

    /**
     * The most looks this plan makes at a resource that settles T after its wait began (docs/bake.md):
     * {@code 3 + ⌈log_{1+blindGrowth}(min(T, b·E) / t1)⌉ + ⌈log_{1+lateGrowth}(T / max(b·E, t1))⌉
     * + ⌈T / maxDelay⌉}, each logarithm counted only when positive, where t1 is the first look's
     * time; with no expectation, {@code 2 + ⌈log_{1+blindGrowth}(T / minDelay)⌉ + ⌈T / maxDelay⌉}.
     */
    public long lookBudget(Duration settledAfter, Expectation expected) {
        double t = Math.max(1, settledAfter.toNanos());
        long capped = (long) Math.ceil(t / maxDelay.toNanos());
        if (expected == null) {
            return 2 + logCeil(t / minDelay.toNanos(), blindGrowth) + capped;
        }
        double e = expected.duration().toNanos();
        double first = Math.max(minDelay.toNanos(),
                Math.min(maxDelay.toNanos(), e * (expected.trusted() ? TRUSTED_FIRST_LOOK : GUESS_FIRST_LOOK)));
        double closeIn = Math.max(first, e * (expected.trusted() ? TRUSTED_CLOSE_IN : GUESS_CLOSE_IN));
        return 3 + logCeil(Math.min(t, closeIn) / first, blindGrowth) + logCeil(t / closeIn, lateGrowth) + capped;
    }

    private static long logCeil(double ratio, double growth) {
        return ratio <= 1 ? 0 : (long) Math.ceil(Math.log(ratio) / Math.log(1 + growth));
    }

    private static Duration share(Duration elapsed, double share) {
        return Duration.ofNanos((long) (elapsed.toNanos() * share));
    }

    private Duration clamp(Duration delay) {
        if (delay.compareTo(minDelay) < 0) {
            return minDelay;
        }
        return delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
    }
}
