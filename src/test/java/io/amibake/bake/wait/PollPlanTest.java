package io.amibake.bake.wait;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PollPlanTest {

    private final PollPlan plan = PollPlan.DEFAULT;

    @Test
    void aWaitWithAnExpectationSleepsUntilItIsDue() {
        // when
        Duration first = plan.nextDelay(Duration.ZERO, Duration.ofSeconds(20));

        // then
        assertThat(first).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void pastTheExpectedTimeTheOvershootStaysWithinFivePercent() {
        // given a wait expected at 100 s that really ends at 137 s
        Duration expected = Duration.ofSeconds(100);
        Duration actual = Duration.ofSeconds(137);

        // when it is polled as the plan says
        Duration elapsed = Duration.ZERO;
        int looks = 0;
        while (elapsed.compareTo(actual) < 0) {
            elapsed = elapsed.plus(plan.nextDelay(elapsed, expected));
            looks++;
        }

        // then
        assertThat(elapsed.minus(actual).toMillis()).isLessThanOrEqualTo((long) (actual.toMillis() * 0.05));
        assertThat(looks).isLessThan(15);
    }

    @Test
    void aWaitWithNoExpectationBacksOffSoLongWaitsStayCheap() {
        // given a four-minute wait nobody predicted
        Duration actual = Duration.ofMinutes(4);

        // when
        Duration elapsed = Duration.ZERO;
        int looks = 0;
        while (elapsed.compareTo(actual) < 0) {
            elapsed = elapsed.plus(plan.nextDelay(elapsed, null));
            looks++;
        }

        // then a quarter of the elapsed time at most is overshot, in a bounded number of looks
        assertThat(elapsed.minus(actual).toMillis()).isLessThanOrEqualTo(actual.toMillis() / 4 + 50);
        assertThat(looks).isLessThan(45);
    }

    @Test
    void delaysNeverExceedTheMaximum() {
        // when
        Duration delay = plan.nextDelay(Duration.ofHours(5), null);

        // then
        assertThat(delay).isEqualTo(plan.maxDelay());
    }
}
