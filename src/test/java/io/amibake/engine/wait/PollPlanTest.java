package io.amibake.engine.wait;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.engine.store.BakeSettings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The default plan against the guarantee of docs/bake.md, as {@link DocumentedBounds} states it. */
class PollPlanTest {

    private final PollPlan plan = PollPlan.DEFAULT;

    /** Looks as the plan says until one sees the resource settled; returns {looks, when seen in ms}. */
    private long[] poll(Duration settles, Expectation expected) {
        Duration elapsed = Duration.ZERO;
        long looks = 0;
        do {
            elapsed = elapsed.plus(plan.nextDelay(elapsed, expected));
            looks++;
        } while (elapsed.compareTo(settles) < 0);
        return new long[] {looks, elapsed.toMillis()};
    }

    @Test
    void aLearnedWaitIsFirstLookedAtOneSpreadBeforeItsExpectationOneAfterOffThePathAndAGuessWhereItsRangeBegins() {
        // given 20 s expected, give or take a quarter on the log scale: likely from 20 s / e^0.5
        Expectation learned = Expectation.learned(Duration.ofSeconds(20), 0.25);
        Expectation offPath = learned.offThePath();
        Expectation guess = Expectation.guess(Duration.ofSeconds(20), 0.25);

        // when
        Duration afterLearned = plan.nextDelay(Duration.ZERO, learned);
        Duration afterOffPath = plan.nextDelay(Duration.ZERO, offPath);
        Duration afterGuess = plan.nextDelay(Duration.ZERO, guess);

        // then 20 s / e^0.25, 20 s * e^0.25 (a termination only the bake's end waits for: one
        // look where it has ended five times in six), and 20 s / e^0.5
        assertThat(afterLearned.toMillis()).isEqualTo(15_576);
        assertThat(afterOffPath.toMillis()).isEqualTo(25_680);
        assertThat(afterGuess.toMillis()).isEqualTo(12_130);
    }

    @Test
    void aShortWaitIsLookedAtNoMoreOftenThanTheCloudsShortestLook() {
        // given a command learned to take a second, give or take 5 %, on a cloud where looks pay half a second apart
        Expectation command = Expectation.learned(Duration.ofSeconds(1), 0.05);
        Expectation paced = command.withShortestLook(Duration.ofMillis(500));

        // when it ends at 1.05 s
        long[] dense = poll(Duration.ofMillis(1_050), command);
        long[] sparse = poll(Duration.ofMillis(1_050), paced);

        // then every 50 ms from one spread before it (951 ms) costs 3 looks; half a second apart,
        // 2: at 951 ms, and half a second later
        assertThat(dense[0]).isEqualTo(3);
        assertThat(sparse[0]).isEqualTo(2);
        assertThat(sparse[1]).isEqualTo(1_451);
    }

    @Test
    void aNarrowRangeIsLookedAtDenselyAndAWideOneSparsely() {
        // given a steady wait learned to 5 % and a guess spread over a factor of 4 either side
        Expectation steady = Expectation.learned(Duration.ofSeconds(60), 0.05);
        Expectation guess = Expectation.guess(Duration.ofSeconds(60), Math.log(16) / 4);

        // when the delay right after the first look
        Duration afterSteady = plan.nextDelay(Duration.ofSeconds(60), steady);
        Duration afterGuess = plan.nextDelay(Duration.ofSeconds(60), guess);

        // then as 8 looks would cross each range: e^(0.2/8) - 1 = 2.53 % of 60 s; a guess's at most 25 %
        assertThat(afterSteady.toMillis()).isEqualTo(1_518);
        assertThat(afterGuess).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void everySettleTimeIsSeenWithinTheDocumentedBoundAndLooks() {
        List<Expectation> expectations = new java.util.ArrayList<>();
        expectations.add(null);
        for (double spread : new double[] {0.01, 0.05, 0.1, 0.25, 0.5, 0.69, 1.35, 3}) {
            expectations.add(Expectation.learned(Duration.ofSeconds(240), spread));
            expectations.add(Expectation.learned(Duration.ofSeconds(240), spread).offThePath());
            expectations.add(Expectation.guess(Duration.ofMillis(900), spread));
        }
        for (Expectation expected : expectations) {
            for (long settles = 10; settles < 30_000_000; settles = settles * 21 / 20 + 7) {
                // when
                long[] looks = poll(Duration.ofMillis(settles), expected);

                // then
                String what = "settled at " + settles + " ms, expected " + expected;
                assertThat(looks[1] - settles).as(what)
                        .isLessThanOrEqualTo(DocumentedBounds.overshoot(Duration.ofMillis(settles), expected).toMillis());
                assertThat(looks[0]).as(what)
                        .isLessThanOrEqualTo(DocumentedBounds.looks(Duration.ofMillis(settles), expected));
            }
        }
    }

    /**
     * The rule of docs/bake.md in round numbers, on 20,000 seeded random waits: an expectation of
     * 1 s to 2 h, learned or guessed, spread 5 % to 70 %, and a wait that ends anywhere from a
     * tenth to ten times it (or with nothing expected, 100 ms to 2 h). Whatever the cloud does, a
     * wait is seen
     * <ul>
     * <li>before the first look in earnest, F (one spread before a learned expectation, e^-σ
     *     times it; where a guess's likely range [L, H] begins): no later than F, nor more than a
     *     quarter of F (or the longest delay, 2 min) late;</li>
     * <li>from F to H: within an eighth of the likely range's width, (e^(4σ/8) − 1) of the time
     *     waited (2.5 % for a wait learned to 5 %), and never more than 25 %, in at most 13 looks;</li>
     * <li>past H, or with nothing expected: within 25 % of the time waited, in at most 13 looks
     *     plus one for each 25 % the wait ran past H (past 50 ms with nothing expected);</li>
     * </ul>
     * plus the shortest delay (50 ms) late, and one look more for every longest delay waited.
     */
    @Test
    void onRandomWaitsNoneLooksMoreOrIsSeenLaterThanTheRuleSays() {
        java.util.Random random = new java.util.Random(27);
        for (int i = 0; i < 20_000; i++) {
            // given
            Expectation expected = null;
            double settles = logUniform(random, 0.1e9, 7200e9);
            if (i % 10 != 0) {
                Duration duration = Duration.ofNanos((long) logUniform(random, 1e9, 7200e9));
                double spread = logUniform(random, 0.05, 0.7);
                expected = random.nextBoolean() ? Expectation.learned(duration, spread)
                        : Expectation.guess(duration, spread);
                settles = duration.toNanos() * logUniform(random, 0.1, 10);
            }

            // when
            Duration settled = Duration.ofNanos((long) settles);
            long[] polled = poll(settled, expected);

            // then
            double overshoot = polled[1] * 1e6 - settles - 50e6;
            long looks = polled[0] - (long) Math.ceil(settles / 120e9);
            String what = "settled at " + settled + ", expected " + expected + ", seen at " + polled[1] + " ms in "
                    + polled[0] + " looks";
            double first = expected == null ? 0
                    : expected.duration().toNanos() * Math.exp((expected.trusted() ? -1 : -2) * expected.spread());
            double high = expected == null ? 50e6 : expected.high().toNanos();
            if (settles < first) {
                assertThat(overshoot).as(what).isLessThanOrEqualTo(Math.min(first - settles, Math.max(120e9, first / 4)) + 1e6);
            } else if (settles <= high) {
                double share = Math.min(0.25, Math.expm1(4 * expected.spread() / 8));
                assertThat(overshoot).as(what).isLessThanOrEqualTo(share * settles + 1e6);
                assertThat(looks).as(what).isLessThanOrEqualTo(13);
            } else {
                assertThat(overshoot).as(what).isLessThanOrEqualTo(0.25 * settles + 1e6);
                assertThat(looks).as(what)
                        .isLessThanOrEqualTo(13 + (long) Math.ceil(Math.log(settles / high) / Math.log(1.25)));
            }
        }
    }

    private static double logUniform(java.util.Random random, double from, double to) {
        return Math.exp(Math.log(from) + random.nextDouble() * Math.log(to / from));
    }

    @Test
    void aLearnedWaitThatEndsAsExpectedCostsAQuarterOfTheLooksAcrossItsRange() {
        // given an image expected in four minutes, learned to 5 %, and a copy in eight, to 10 %
        Duration four = Duration.ofMinutes(4);
        Duration eight = Duration.ofMinutes(8);

        // when they end then, the copy ten seconds early
        long image = poll(four, Expectation.learned(four, 0.05))[0];
        long copy = poll(eight.minusSeconds(10), Expectation.learned(eight, 0.1))[0];

        // then from one spread before the expectation, a look for each eighth of the range up to
        // it and one more, and one every two minutes before: 120 s, then 228 s, 234 s, 240 s (a
        // hair early) and 246 s for the image; 120 s, 240 s, 360 s, then 434 s, 457 s and 480 s
        // for the copy. Packer's 15-second polls: 16 and 32.
        assertThat(image).isEqualTo(1 + 4);
        assertThat(copy).isEqualTo(3 + 3);
    }

    @Test
    void aLongRangeIsApproachedInAtMostFourLooks() {
        // given a two-hour copy learned to 5 %: looks begin in earnest one spread before, at 114 minutes
        Expectation expected = Expectation.learned(Duration.ofHours(2), 0.05);

        // when it ends about then
        long[] looks = poll(Duration.ofMinutes(118), expected);

        // then four looks until then, 28.5 minutes apart (not one every two minutes), and then
        // one every two minutes, the longest delay, until 118.1 minutes
        assertThat(looks[0]).isEqualTo(4 + 2);
    }

    @Test
    void aWaitWithNoExpectationBacksOffSoLongWaitsStayCheap() {
        // given a four-minute wait nobody predicted
        long[] looks = poll(Duration.ofMinutes(4), null);

        // then a quarter of the elapsed time at most is overshot, in a bounded number of looks
        assertThat(looks[1] - 240_000).isLessThanOrEqualTo(240_000 / 4 + 50);
        assertThat(looks[0]).isLessThanOrEqualTo(DocumentedBounds.looks(Duration.ofMinutes(4), null));
    }

    @Test
    void delaysNeverExceedTheMaximum() {
        // when
        Duration delay = plan.nextDelay(Duration.ofHours(5), null);

        // then
        assertThat(delay).isEqualTo(DocumentedBounds.MAX_DELAY);
    }

    @Test
    void theSettingsDefaultToTheDefaultPlansDelays() {
        // when no poll delay is set
        BakeSettings settings = new BakeSettings(null, null, null, null, null, null, null, null, null, null, null,
                null, null);

        // then the bake paces as the plan documented in docs/bake.md
        assertThat(settings.pollMinDelay()).isEqualTo(PollPlan.DEFAULT.minDelay());
        assertThat(settings.pollMaxDelay()).isEqualTo(PollPlan.DEFAULT.maxDelay());
    }
}
