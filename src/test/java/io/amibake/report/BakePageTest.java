package io.amibake.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.engine.api.BakeDetail;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a bake's page computes before its template draws it. */
class BakePageTest {

    private static final Instant STARTED = Instant.parse("2026-03-01T01:00:00Z");

    @Test
    void aStepThatJustBeganOnAClockAheadOfOursHasRunForNothingYetNeverLess() {
        // given a running bake whose repository clock is 3 seconds ahead of the page's: its step began "in the future"
        Instant ahead = STARTED.plusSeconds(40);
        BakeDetail bake = new BakeDetail("nightly-1", "nightly", "aws", 7, "STARTED", STARTED, null, "nightly-img",
                null, "ami-0source", "us-east-1", null, null,
                List.of(new BakeDetail.Run(7, "STARTED", STARTED, null)),
                List.of(new BakeDetail.Step("prepare", 7, "COMPLETED", STARTED, STARTED.plusSeconds(40), null, null),
                        new BakeDetail.Step("launchInstance", 7, "STARTED", ahead, null, null, null)),
                List.of(new BakeDetail.Region("us-east-1", true, "NOT STARTED", null, 0, null, null, null, null,
                        null)), List.of(), Map.of(), Map.of(), List.of());

        // when
        BakePage page = new BakePage(bake, List.of(), BakePage.FILES, ahead.minusSeconds(3));

        // then
        assertThat(page.took()).isEqualTo("40.0s so far");
        BakePage.Lane lane = page.lanes().get(0);
        assertThat(lane.title()).endsWith("took 40.0s so far");
        assertThat(lane.bars()).filteredOn(BakePage.Bar::started)
                .allSatisfy(bar -> assertThat(Double.parseDouble(bar.width())).isPositive())
                .extracting(BakePage.Bar::note).containsExactly("40.0s", "0ms so far");
    }
}
