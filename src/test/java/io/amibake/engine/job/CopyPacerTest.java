package io.amibake.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CopyPacerTest {

    private final AtomicLong now = new AtomicLong();
    private final CopyPacer pacer = new CopyPacer(now::get);

    @Test
    void aBurstOfAHundredCopiesIntoARegionGoesAtOnce() {
        // when
        for (int i = 0; i < CopyPacer.BUCKET; i++) {
            // then
            assertThat(pacer.take("eu-west-1")).isZero();
        }
    }

    @Test
    void pastTheBurstCopiesQueueAtOnePerSecondPerRegion() {
        // given a drained bucket
        for (int i = 0; i < CopyPacer.BUCKET; i++) {
            pacer.take("eu-west-1");
        }

        // when
        Duration first = pacer.take("eu-west-1");
        Duration second = pacer.take("eu-west-1");
        Duration otherRegion = pacer.take("us-west-2");

        // then
        assertThat(first).isEqualTo(Duration.ofSeconds(1));
        assertThat(second).isEqualTo(Duration.ofSeconds(2));
        assertThat(otherRegion).isZero();
    }

    @Test
    void theBucketRefillsWithTime() {
        // given
        for (int i = 0; i < CopyPacer.BUCKET; i++) {
            pacer.take("eu-west-1");
        }

        // when three seconds pass
        now.addAndGet(Duration.ofSeconds(3).toNanos());

        // then three copies go at once again
        assertThat(pacer.take("eu-west-1")).isZero();
        assertThat(pacer.take("eu-west-1")).isZero();
        assertThat(pacer.take("eu-west-1")).isZero();
        assertThat(pacer.take("eu-west-1")).isEqualTo(Duration.ofSeconds(1));
    }
}
