package io.amibake.engine.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class BakeIdsTest {

    @Test
    void twoBakesStartedWithinOneSecondTellWhichStartedLater() {
        // given two bakes of a recipe whose ids were made 300 ms apart, within one second
        Instant first = Instant.parse("2026-11-29T03:45:12.100Z");
        String older = BakeIds.newId("order", first);
        String newer = BakeIds.newId("order", first.plusMillis(300));

        // then the later one is later, and not the other way round
        assertThat(BakeIds.startedLater(newer, older)).isTrue();
        assertThat(BakeIds.startedLater(older, newer)).isFalse();
        assertThat(BakeIds.startedAt(newer)).contains(first.plusMillis(300));
    }

    @Test
    void anIdMadeBeforeIdsCarriedMillisecondsStillReadsToTheSecond() {
        assertThat(BakeIds.startedAt("lamp-20261128t205457z-b730")).contains(Instant.parse("2026-11-28T20:54:57Z"));
        assertThat(BakeIds.startedAt("not-an-amibake-id")).isEmpty();
    }
}
