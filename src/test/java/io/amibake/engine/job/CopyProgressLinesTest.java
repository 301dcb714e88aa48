package io.amibake.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class CopyProgressLinesTest {

    @Test
    void aLineComesAtLeastEveryQuarterOfTheExpectedTime() {
        // then
        assertThat(CopyProgressLines.period(Duration.ofMinutes(8))).isEqualTo(Duration.ofMinutes(2));
        assertThat(CopyProgressLines.period(Duration.ofMinutes(40))).isEqualTo(Duration.ofMinutes(10));
        assertThat(CopyProgressLines.period(null)).isEqualTo(CopyProgressLines.FALLBACK_PERIOD);
    }

    @Test
    void theLineSaysTheSnapshotProgressWhenKnownElseAnEstimateMarkedAsOne() {
        // then
        assertThat(CopyProgressLines.line(Duration.ofMinutes(3), 40, "eu-west-1", Duration.ofMinutes(8)))
                .isEqualTo("eu-west-1: 40% (snapshot progress), 3m00s of ~8m00s expected");
        assertThat(CopyProgressLines.line(Duration.ofMinutes(2), -1, "eu-west-1", Duration.ofMinutes(8)))
                .startsWith("eu-west-1: ~25% (estimate from time elapsed; no snapshot progress yet)");
        assertThat(CopyProgressLines.line(Duration.ofMinutes(20), -1, "eu-west-1", Duration.ofMinutes(8)))
                .as("an estimate never claims completion").startsWith("eu-west-1: ~99% (estimate");
        assertThat(CopyProgressLines.line(Duration.ofMinutes(2), -1, "eu-west-1", null))
                .contains("no progress reported yet");
    }

    @Test
    void linesKeepComingWhileTheSnapshotProgressDoesNotMoveAndStopOnClose() throws InterruptedException {
        // given
        List<String> lines = new CopyOnWriteArrayList<>();

        // when a copy expected to take 40 ms reports 0 % and nothing more
        List<Thread> tickers;
        try (CopyProgressLines progress = new CopyProgressLines("us-west-2", Duration.ofMillis(40), lines::add)) {
            progress.progress(0);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (lines.size() < 3) {
                assertThat(System.nanoTime()).as("three lines within 30 s").isLessThan(deadline);
                LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
            }
            tickers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("amibake-copy-progress-us-west-2")).toList();
        }
        int atClose = lines.size();
        for (Thread ticker : tickers) {
            ticker.join(Duration.ofSeconds(30).toMillis());
        }

        // then the ticker ended with the close, having written at most the line it was writing
        assertThat(tickers).isNotEmpty().noneMatch(Thread::isAlive);
        assertThat(lines).allSatisfy(line -> assertThat(line).startsWith("us-west-2: 0% (snapshot progress)"));
        assertThat(lines).hasSizeLessThanOrEqualTo(atClose + 1);
    }
}
