package io.amibake.bake.wait;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExpectationsTest {

    @Test
    void nothingIsExpectedBeforeAnyWaitWasSeen() {
        // when
        Duration expected = new Expectations().expected(WaitKind.IMAGE_AVAILABLE, null);

        // then
        assertThat(expected).isNull();
    }

    @Test
    void aKindSeenInEarlierBakesIsExpectedToTakeItsMedian() {
        // given
        Expectations expectations = new Expectations(Map.of("IMAGE_AVAILABLE", List.of(2_000L, 9_000L, 2_400L)));

        // when
        Duration expected = expectations.expected(WaitKind.IMAGE_AVAILABLE, null);

        // then
        assertThat(expected).isEqualTo(Duration.ofMillis(2_400));
    }

    @Test
    void anUnseenKindIsScaledByTheTempoOfTheCloud() {
        // given a cloud where an instance ran in 200 ms instead of AWS's 20 s: a hundred times faster
        Expectations expectations = new Expectations();
        expectations.observe(WaitKind.INSTANCE_RUNNING, null, Duration.ofMillis(200));

        // when
        Duration image = expectations.expected(WaitKind.IMAGE_AVAILABLE, null);

        // then it aims at 2.4 s, the hundredth of four minutes
        assertThat(image).isEqualTo(Duration.ofMillis(2_400));
    }

    @Test
    void aCommandIsExpectedFromItsOwnHistoryBeforeThatOfOtherCommands() {
        // given
        Expectations expectations = new Expectations();
        expectations.observe(WaitKind.COMMAND, "packages", Duration.ofSeconds(40));
        expectations.observe(WaitKind.COMMAND, "provision:page", Duration.ofSeconds(5));

        // when
        Duration packages = expectations.expected(WaitKind.COMMAND, "packages");

        // then
        assertThat(packages).isEqualTo(Duration.ofSeconds(40));
    }
}
