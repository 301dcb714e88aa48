package io.amibake.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({"90s, 90", "10m, 600", "2h, 7200", "1h30m, 5400", "1d, 86400", "PT15M, 900", "pt1h, 3600"})
    void readsShortAndIsoForms(String text, long seconds) {
        // when / then
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofSeconds(seconds));
    }

    @ParameterizedTest
    @ValueSource(strings = {"600", "10 minutes", "m10", "1.5h", "", "P", "99999999999999999999d", "9999999999999999d"})
    void rejectsAnythingElseWithAnIllegalArgument(String text) {
        // when / then
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({"0, 0s", "45, 45s", "5400, 1h30m", "90061, 1d1h1m1s"})
    void formatsInTheShortFormItReads(long seconds, String text) {
        // when
        String formatted = Durations.format(Duration.ofSeconds(seconds));

        // then
        assertThat(formatted).isEqualTo(text);
        assertThat(Durations.parse(formatted)).isEqualTo(Duration.ofSeconds(seconds));
    }
}
