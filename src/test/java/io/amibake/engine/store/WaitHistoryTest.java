package io.amibake.engine.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class WaitHistoryTest {

    @Test
    void anObservationKeepsTheIntervalItWasSeenIn() {
        // given
        List<Observed> observed = List.of(new Observed(12_000, 3_000), new Observed(11_500, 0));

        // when
        String stored = WaitHistory.encode(observed);

        // then
        assertThat(stored).isEqualTo("12000~3000,11500");
        assertThat(WaitHistory.decode(stored)).isEqualTo(observed);
    }

    @Test
    void historyStoredBeforeIntervalsWereReadsAsExactDurations() {
        assertThat(WaitHistory.decode("60000,60600")).isEqualTo(Observed.exactly(60_000L, 60_600L));
    }
}
