package io.amibake.engine.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UserHomeTest {

    @Test
    void homeFollowsTheHomeVariableAndFallsBackToUserHomeOnlyWhenItIsUnset() {
        // then
        assertThat(UserHome.get(Map.of("HOME", "/tmp/x"), "/root")).isEqualTo(Path.of("/tmp/x"));
        assertThat(UserHome.get(Map.of(), "/root")).isEqualTo(Path.of("/root"));
        assertThat(UserHome.get(Map.of("HOME", " "), "/root")).isEqualTo(Path.of("/root"));
    }
}
