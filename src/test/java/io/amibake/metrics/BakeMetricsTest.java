package io.amibake.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.engine.api.BakeResult;
import io.amibake.schedule.ScheduleEvents.Skip;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Label values come from fixed sets: thirty nights of bakes and skips, each night with its own
 * bake id, image id, error text and skip detail, add no series after the first nights showed every
 * kind of outcome; and the last success is there to alert on.
 */
class BakeMetricsTest {

    private static final Pattern SERIES = Pattern.compile("^(amibake_[a-z_]+)\\{([^}]*)}", Pattern.MULTILINE);

    @Test
    void thirtyNightsAddNoSeriesOnceEveryOutcomeWasSeen() {
        // given
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BakeMetrics metrics = new BakeMetrics(registry, execution -> Optional.empty());
        ZonedDateTime first = ZonedDateTime.of(2026, 3, 1, 2, 0, 0, 0, ZoneId.of("Europe/Berlin"));
        Set<String> afterFiveNights = null;

        // when thirty nights pass: a completed bake, a failed one, a timed-out one, two kinds of skip, in turn
        for (int night = 0; night < 30; night++) {
            ZonedDateTime slot = first.plusDays(night);
            String bake = "nightly-" + night + "-" + Integer.toHexString(night * 7919);
            String image = "ami-" + Long.toHexString(0xabc000L + night);
            switch (night % 5) {
                case 0 -> metrics.bakeFinished("nightly", new BakeResult(night, bake, "COMPLETED", image, null, null),
                        Duration.ofMinutes(20 + night));
                case 1 -> metrics.bakeFinished("nightly", new BakeResult(night, bake, "FAILED", null, null,
                        "provision: command 'marker' ended Failed with exit code " + night), Duration.ofMinutes(3));
                case 2 -> metrics.bakeFinished("nightly", new BakeResult(night, bake, "STOPPED", null, null,
                        "build.timeout of " + night + "m", true, null, null), Duration.ofMinutes(night));
                case 3 -> metrics.slotSkipped("nightly", slot, Skip.SOURCE_UNCHANGED, "source unchanged: image "
                        + image + " bake " + bake);
                default -> metrics.slotSkipped("nightly", slot, Skip.PREVIOUS_RUNNING,
                        "the previous bake still runs (host h, pid " + night + ", bake " + bake + ")");
            }
            metrics.slotStarted("nightly", slot, night % 2 == 0);
            metrics.nextRun("nightly", slot.plusDays(1));
            if (night == 4) {
                afterFiveNights = series(registry.scrape());
            }
        }
        String text = registry.scrape();

        // then
        assertThat(series(text)).isEqualTo(afterFiveNights);
        assertThat(values(text, "outcome")).containsExactlyInAnyOrder("completed", "failed", "timed_out");
        assertThat(values(text, "reason")).containsExactlyInAnyOrder("source_unchanged", "previous_running");
        assertThat(values(text, "recipe")).containsExactly("nightly");
        assertThat(text).doesNotContain("ami-").doesNotContain("nightly-2").doesNotContain("exit code");
        assertThat(text).containsPattern("amibake_last_success_timestamp_seconds\\{recipe=\"nightly\"} \\d\\.\\d+E9");
    }

    @Test
    void theLastSuccessIsSeededFromTheRepository() {
        // given
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BakeMetrics metrics = new BakeMetrics(registry, execution -> Optional.empty());

        // when
        metrics.lastSuccess("httpd", Instant.parse("2026-03-01T01:20:00Z"));

        // then
        assertThat(registry.scrape()).contains("amibake_last_success_timestamp_seconds{recipe=\"httpd\"} 1.772328E9");
    }

    private static Set<String> series(String text) {
        Set<String> found = new HashSet<>();
        Matcher m = SERIES.matcher(text);
        while (m.find()) {
            found.add(m.group(1) + "{" + m.group(2) + "}");
        }
        return found;
    }

    private static Set<String> values(String text, String label) {
        Set<String> found = new HashSet<>();
        Matcher m = Pattern.compile(label + "=\"([^\"]*)\"").matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}
