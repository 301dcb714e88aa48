package io.amibake.engine.wait;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

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
    void aGuessIsLookedAtLongBeforeItIsDue() {
        // when
        Duration first = plan.nextDelay(Duration.ZERO, Expectation.guess(Duration.ofSeconds(200)));

        // then
        assertThat(first).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void aLearnedExpectationIsFirstLookedAtSixTenths() {
        // when
        Duration first = plan.nextDelay(Duration.ZERO, Expectation.trusted(Duration.ofSeconds(20)));

        // then
        assertThat(first).isEqualTo(Duration.ofSeconds(12));
    }

    @Test
    void pastTheExpectedTimeTheOvershootStaysWithinTheLateShare() {
        // given a wait expected at 100 s that really ends at 137 s
        Duration expected = Duration.ofSeconds(100);
        long settles = 137_000;

        // when
        long[] trusted = poll(Duration.ofMillis(settles), Expectation.trusted(expected));

        // then
        assertThat(trusted[1] - settles).isLessThanOrEqualTo((long) (settles * plan.lateGrowth()) + 50);
        assertThat(trusted[0]).isLessThanOrEqualTo(17);
    }

    @Test
    void aWaitFarShorterThanItsGuessIsOvershotByAtMostTheFirstLook() {
        // given a guess of 4 minutes for an image that takes 10 s
        Expectation guess = Expectation.guess(Duration.ofMinutes(4));

        // when
        long[] looks = poll(Duration.ofSeconds(10), guess);

        // then the first look, at 24 s, sees it
        assertThat(looks[0]).isEqualTo(1);
        assertThat(looks[1]).isEqualTo(24_000);
        assertThat(plan.overshootBound(Duration.ofSeconds(10), guess)).isEqualTo(Duration.ofMillis(14_050));
    }

    @Test
    void everySettleTimeIsSeenWithinTheDocumentedBound() {
        for (Expectation expected : new Expectation[] {null, Expectation.guess(Duration.ofSeconds(240)),
                Expectation.trusted(Duration.ofSeconds(240))}) {
            for (long settles = 10; settles < 3_000_000; settles = settles * 11 / 10 + 7) {
                // when
                long[] looks = poll(Duration.ofMillis(settles), expected);

                // then
                assertThat(looks[1] - settles).as("settled at %d ms, expected %s", settles, expected)
                        .isLessThanOrEqualTo(plan.overshootBound(Duration.ofMillis(settles), expected).toMillis());
            }
        }
    }

    @Test
    void aRightExpectationCostsFewLooks() {
        // given image waits of four minutes at 50 ms to 30 s delays
        Duration fourMinutes = Duration.ofMinutes(4);

        // when
        long guessed = poll(fourMinutes, Expectation.guess(fourMinutes))[0];
        long learned = poll(fourMinutes, Expectation.trusted(fourMinutes))[0];

        // then a learned one makes fewer requests than polling every 15 s (16), a guess at most half as many more
        assertThat(learned).isLessThanOrEqualTo(13);
        assertThat(guessed).isLessThanOrEqualTo(24);
    }

    @Test
    void aWaitWithNoExpectationBacksOffSoLongWaitsStayCheap() {
        // given a four-minute wait nobody predicted
        long[] looks = poll(Duration.ofMinutes(4), null);

        // then a quarter of the elapsed time at most is overshot, in a bounded number of looks
        assertThat(looks[1] - 240_000).isLessThanOrEqualTo(240_000 / 4 + 50);
        assertThat(looks[0]).isLessThan(45);
    }

    @Test
    void delaysNeverExceedTheMaximum() {
        // when
        Duration delay = plan.nextDelay(Duration.ofHours(5), null);

        // then
        assertThat(delay).isEqualTo(plan.maxDelay());
    }
}
