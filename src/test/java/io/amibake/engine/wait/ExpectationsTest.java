package io.amibake.engine.wait;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.engine.store.Observed;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExpectationsTest {

    @Test
    void nothingIsExpectedBeforeAnyWaitWasSeen() {
        // when
        Expectation expected = new Expectations().expected(WaitKind.IMAGE_AVAILABLE, "eu-west-1");

        // then
        assertThat(expected).isNull();
    }

    @Test
    void onAwsAnUnseenWaitIsGuessedFromAwsTypicalDurationAndRange() {
        // when
        Expectation expected = new Expectations(Map.of(), true).expected(WaitKind.IMAGE_AVAILABLE, "eu-west-1");

        // then four minutes, likely between one and sixteen (docs/aws.md)
        assertThat(expected.duration()).isEqualTo(Duration.ofMinutes(4));
        assertThat(expected.trusted()).isFalse();
        assertThat(expected.low().toSeconds()).isEqualTo(60);
        assertThat(expected.high().toSeconds()).isEqualTo(960);
    }

    @Test
    void aWaitSeenOnTheSameTargetIsTrustedAtTheMeanOfItsMedianAndLatest() {
        // given
        Expectations expectations = new Expectations(Map.of("IMAGE_AVAILABLE@eu-west-1",
                Observed.exactly(2_000L, 9_000L, 3_600L, 1_000L, 2_500L)));

        // when
        Expectation expected = expectations.expected(WaitKind.IMAGE_AVAILABLE, "eu-west-1");

        // then sqrt(2500 * 2500), with the spread of the five observations' logarithms
        assertThat(expected.duration()).isEqualTo(Duration.ofMillis(2_500));
        assertThat(expected.trusted()).isTrue();
        assertThat(expected.spread()).isCloseTo(0.808, org.assertj.core.data.Offset.offset(0.001));
    }

    @Test
    void anotherTargetsHistoryIsOnlyAGuess() {
        // given copies to one region took a minute
        Expectations expectations = new Expectations();
        expectations.observe(WaitKind.COPY_AVAILABLE, Expectations.copyTarget("us-east-1", "eu-west-1"),
                Duration.ofMinutes(1));

        // when
        Expectation other = expectations.expected(WaitKind.COPY_AVAILABLE,
                Expectations.copyTarget("us-east-1", "ap-south-1"));

        // then, on a cloud whose one copy took an eighth of AWS's typical eight minutes
        assertThat(other).isEqualTo(Expectation.guess(Duration.ofMinutes(1), Expectations.GUESS_SPREAD)
                .withShortestLook(Duration.ofNanos(62_500_000)));
    }

    @Test
    void anUnseenKindIsScaledByTheTempoOfTheCloud() {
        // given a cloud where an instance ran in 200 ms instead of AWS's 20 s: a hundred times faster
        Expectations expectations = new Expectations();
        expectations.observe(WaitKind.INSTANCE_RUNNING, "us-east-1", Duration.ofMillis(200));

        // when
        Expectation image = expectations.expected(WaitKind.IMAGE_AVAILABLE, "us-east-1");

        // then it guesses 2.4 s, the hundredth of four minutes, as uncertain as AWS's range for images,
        // and half a second of AWS's time is 5 ms there
        assertThat(image).isEqualTo(Expectation.guess(Duration.ofMillis(2_400), Math.log(16) / 4)
                .withShortestLook(Duration.ofMillis(5)));
    }

    @Test
    void noLookIsWorthTakingSoonerThanHalfASecondOfTheCloudsTime() {
        // given AWS, where nothing was seen yet, and a cloud whose instances ran in 200 ms instead of 20 s
        Expectations aws = new Expectations(Map.of(), true);
        Expectations fast = new Expectations();
        fast.observe(WaitKind.INSTANCE_RUNNING, "us-east-1", Duration.ofMillis(200));

        // when a command is expected on each
        Expectation onAws = aws.expected(WaitKind.COMMAND, "check@us-east-1");
        Expectation onFast = fast.expected(WaitKind.COMMAND, "check@us-east-1");

        // then looks at it are at least half a second of each cloud's time apart
        assertThat(onAws.shortestLook()).isEqualTo(Duration.ofMillis(500));
        assertThat(onFast.shortestLook()).isEqualTo(Duration.ofMillis(5));
        // and with nothing seen on another endpoint, nothing is expected and the plan's own shortest delay holds
        assertThat(new Expectations().expected(WaitKind.COMMAND, "check@us-east-1")).isNull();
    }

    @Test
    void aWaitAlreadySettledAtItsFirstLookHalvesWhatIsExpected() {
        // given five bakes that saw the image at its first look, 100 s in
        Expectations expectations = new Expectations(Map.of("IMAGE_AVAILABLE@us-east-1",
                Observed.exactly(200_000L, 200_000L, 200_000L)));

        // when the first look of this bake, at half the 200 s expected, already finds it available
        expectations.observe(WaitKind.IMAGE_AVAILABLE, "us-east-1", 0, -1, Duration.ofSeconds(100).toNanos());

        // then it is expected to take half of that 100 s, and the next expectation falls from 200 to 100 s
        assertThat(expectations.snapshot().get("IMAGE_AVAILABLE@us-east-1")).endsWith(new Observed(50_000, 100_000));
        assertThat(expectations.expected(WaitKind.IMAGE_AVAILABLE, "us-east-1").duration())
                .isEqualTo(Duration.ofSeconds(100));
    }

    @Test
    void aWaitSeenPendingThenSettledTookTheMiddleOfThatInterval() {
        // given
        Expectations expectations = new Expectations();

        // when pending at 10 s, available at 12 s
        expectations.observe(WaitKind.INSTANCE_STOPPED, "us-east-1", 1_000, 1_000 + 10_000_000_000L,
                1_000 + 12_000_000_000L);

        // then
        assertThat(expectations.snapshot().get("INSTANCE_STOPPED@us-east-1")).containsExactly(new Observed(11_000, 2_000));
    }

    @Test
    void historyKeepsTheLastFiveOfEachKeyAndDropsKeysOfTheEarlierForm() {
        // given history saved by an earlier version, and a long list
        Expectations expectations = new Expectations(Map.of(
                "COPY_AVAILABLE:eu-west-1", Observed.exactly(60_000L),
                "COMMAND@provision:page@us-east-1", Observed.exactly(1L, 2L, 3L, 4L, 5L, 6L, 7L)));

        // when
        Map<String, List<Observed>> snapshot = expectations.snapshot();

        // then
        assertThat(snapshot).containsOnlyKeys("COMMAND@provision:page@us-east-1");
        assertThat(snapshot.get("COMMAND@provision:page@us-east-1")).containsExactlyElementsOf(Observed.exactly(3L, 4L, 5L, 6L, 7L));
    }

    @Test
    void aCommandIsExpectedFromItsOwnHistoryBeforeThatOfOtherCommands() {
        // given
        Expectations expectations = new Expectations();
        expectations.observe(WaitKind.COMMAND, "packages@us-east-1", Duration.ofSeconds(40));
        expectations.observe(WaitKind.COMMAND, "provision:page@us-east-1", Duration.ofSeconds(5));

        // when
        Expectation packages = expectations.expected(WaitKind.COMMAND, "packages@us-east-1");

        // then
        assertThat(packages.duration()).isEqualTo(Duration.ofSeconds(40));
        assertThat(packages.spread()).isEqualTo(Expectations.ONE_SPREAD);
        assertThat(packages.trusted()).isTrue();
    }

    @Test
    void steadyObservationsNarrowTheRangeDownToTheFloor() {
        // given two bakes that saw the image at 60.0 s and 60.6 s
        Expectations expectations = new Expectations(Map.of("IMAGE_AVAILABLE@us-east-1", Observed.exactly(60_000L, 60_600L)));

        // when
        Expectation expected = expectations.expected(WaitKind.IMAGE_AVAILABLE, "us-east-1");

        // then
        assertThat(expected.spread()).isEqualTo(Expectations.SPREAD_FLOOR);
    }

    @Test
    void aCoarseObservationDoesNotReadAsACloudThatVaries() {
        // given a first bake whose first look, at 10 s, found the instance stopped (so it took
        // between 0 and 10 s), and a second that saw it stop between 7.9 and 8.1 s
        Expectations expectations = new Expectations(Map.of("INSTANCE_STOPPED@us-east-1",
                List.of(new Observed(5_000, 10_000), new Observed(8_000, 200))));

        // when
        Expectation expected = expectations.expected(WaitKind.INSTANCE_STOPPED, "us-east-1");

        // then the two agree within what the first could tell: as steady as a learned wait gets
        // (the midpoints alone, 5 and 8 s, would say a spread of 0.33)
        assertThat(expected.spread()).isEqualTo(Expectations.SPREAD_FLOOR);
    }

    @Test
    void preciseObservationsThatDisagreeStillReadAsACloudThatVaries() {
        // given two bakes that each saw the stop within 0.2 s: at 5 s and at 8 s
        Expectations expectations = new Expectations(Map.of("INSTANCE_STOPPED@us-east-1",
                List.of(new Observed(5_000, 200), new Observed(8_000, 200))));

        // when
        Expectation expected = expectations.expected(WaitKind.INSTANCE_STOPPED, "us-east-1");

        // then
        assertThat(expected.spread()).isCloseTo(0.332, org.assertj.core.data.Offset.offset(0.001));
    }

    @Test
    void onlyTheBuildInstancesTerminationIsOffTheBakesPath() {
        // given every kind seen once
        Expectations expectations = new Expectations();
        for (WaitKind kind : WaitKind.values()) {
            expectations.observe(kind, "us-east-1", Duration.ofSeconds(10));
        }

        // then only the termination, which the bake's end alone waits for, is off the path
        for (WaitKind kind : WaitKind.values()) {
            assertThat(expectations.expected(kind, "us-east-1").offPath()).as(kind.name())
                    .isEqualTo(kind == WaitKind.INSTANCE_TERMINATED);
        }
    }

    @Test
    void aTerminationFoundOverAtItsFirstLookPastItsExpectationTeachesNothing() {
        // given terminations learned to take 40 s
        Expectations expectations = new Expectations(Map.of("INSTANCE_TERMINATED@us-east-1",
                Observed.exactly(40_000L, 40_000L)));

        // when its first look, one spread after 40 s, finds the next one over; and one looked at
        // after 20 s (before its expectation) finds it over too
        long first = expectations.expected(WaitKind.INSTANCE_TERMINATED, "us-east-1").duration().toNanos() * 21 / 20;
        expectations.observe(WaitKind.INSTANCE_TERMINATED, "us-east-1", 0, -1, first);
        expectations.observe(WaitKind.INSTANCE_TERMINATED, "us-east-1", 0, -1, Duration.ofSeconds(20).toNanos());

        // then the first said nothing new; the second, that it ended in less than 20 s
        assertThat(expectations.snapshot().get("INSTANCE_TERMINATED@us-east-1")).containsExactly(
                new Observed(40_000, 0), new Observed(40_000, 0), new Observed(10_000, 20_000));
    }
}
