package io.amibake.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {

    @Test
    void transposedLettersCountAsOneEdit() {
        // given
        List<String> keys = List.of("name", "regions", "source");

        // when / then
        assertThat(Suggestions.closest("regoins", keys)).contains("regions");
        assertThat(Suggestions.distance("regoins", "regions")).isEqualTo(1);
    }

    @Test
    void aDistantWordGetsNoSuggestion() {
        // when / then
        assertThat(Suggestions.closest("bananas", List.of("regions", "source"))).isEmpty();
    }

    @Test
    void comparisonIgnoresCaseButReturnsTheCandidateAsWritten() {
        // when / then
        assertThat(Suggestions.closest("instancetype", List.of("instanceType"))).contains("instanceType");
    }

    @Test
    void tiesGoToTheAlphabeticallyFirstCandidate() {
        // when / then
        assertThat(Suggestions.closest("cat", List.of("cut", "bat"))).contains("bat");
        assertThat(Suggestions.closest("cat", List.of("bat", "cut"))).contains("bat");
    }

    @Test
    void anEmptyInputOrAnExactMatchGetsNoSuggestion() {
        // when / then
        assertThat(Suggestions.closest("", List.of("a"))).isEmpty();
        assertThat(Suggestions.closest("name", List.of("name"))).isEmpty();
    }
}
