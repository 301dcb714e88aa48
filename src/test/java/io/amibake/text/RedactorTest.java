package io.amibake.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** An image name is stored redacted and restored while its bake runs: the two must be inverses. */
class RedactorTest {

    @Test
    void restoreUndoesRedactEvenForASecretShortEnoughToOccurEverywhere() {
        // given
        Redactor secrets = Redactor.of(Map.of("version", "1", "team", "web-1"));
        String name = "httpd-web-1-1.1-20261128-235133";

        // when
        String stored = secrets.redact(name);

        // then
        assertThat(stored).doesNotContain("1").contains("[secret team]");
        assertThat(secrets.restore(stored)).isEqualTo(name);
    }

    @Test
    void bothRedactorsRedactTogetherLongestFirst() {
        // given
        Redactor both = Redactor.of(Map.of("a", "key")).and(Redactor.of(Map.of("b", "key-2")));

        // when
        String redacted = both.redact("key-2 and key");

        // then
        assertThat(redacted).isEqualTo("[secret b] and [secret a]");
    }
}
