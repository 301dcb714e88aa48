package io.amibake.engine.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeLockTest {

    @TempDir
    Path home;

    @Test
    void aSecondTakerOfARecipeLearnsWhichExecutionHoldsIt() {
        // given
        try (RecipeLock held = RecipeLock.acquire(home, "httpd", "pid 1").lock().orElseThrow()) {
            held.describe("pid 1, bake httpd-20261126t120000z-ab12, execution 7");

            // when
            RecipeLock.Result second = RecipeLock.acquire(home, "httpd", "pid 2");

            // then
            assertThat(second.lock()).isEmpty();
            assertThat(second.holder()).isEqualTo("pid 1, bake httpd-20261126t120000z-ab12, execution 7");
        }
    }

    @Test
    void aReleasedLockCanBeTakenAgainAndOtherRecipesAreFree() {
        // given
        RecipeLock.acquire(home, "httpd", "pid 1").lock().orElseThrow().close();

        // when
        RecipeLock.Result again = RecipeLock.acquire(home, "httpd", "pid 2");
        RecipeLock.Result other = RecipeLock.acquire(home, "lamp", "pid 2");

        // then
        assertThat(again.lock()).isPresent();
        assertThat(other.lock()).isPresent();
        again.lock().get().close();
        other.lock().get().close();
    }
}
