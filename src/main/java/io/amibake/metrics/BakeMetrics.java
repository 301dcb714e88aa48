package io.amibake.metrics;

import io.amibake.cloud.RequestCounter;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeView;
import io.amibake.engine.api.StepView;
import io.amibake.schedule.ScheduleEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongFunction;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a scheduler's bakes and their AWS requests add up to, as Micrometer meters:
 * <ul>
 * <li>{@code amibake.bakes} (counter; recipe, outcome): bakes ended, by outcome
 *     ({@code completed}, {@code failed}, {@code stopped}, ...)</li>
 * <li>{@code amibake.bake.duration} (timer; recipe, outcome): how long each run of a bake took</li>
 * <li>{@code amibake.step.duration} (timer; recipe, step): each step of each run, region copies
 *     as {@code region:<region>}</li>
 * <li>{@code amibake.aws.requests} (counter; operation, region): every HTTP request, retries included</li>
 * <li>{@code amibake.aws.retries} (counter; operation, region, reason): the SDK's retries,
 *     {@code throttled} or {@code error}</li>
 * <li>{@code amibake.schedule.slots.started} (counter; recipe, resumed): slots that began a bake</li>
 * <li>{@code amibake.schedule.slots.skipped} (counter; recipe, reason: {@code source_unchanged} or
 *     {@code previous_running}) and {@code amibake.schedule.paused} (counter; recipe)</li>
 * <li>{@code amibake.schedule.next.run} (gauge; recipe): the next slot as seconds since the epoch,
 *     NaN while paused</li>
 * <li>{@code amibake.last.success.timestamp} (gauge; recipe): when the recipe's last completed bake
 *     ended, in seconds since the epoch; what to alert on</li>
 * </ul>
 * Every label value comes from a fixed set (outcomes, skip reasons, step names, AWS operations and
 * regions) or from the recipes scheduled: never a bake id, an image id or an error's text, so the
 * number of series does not grow night after night. Never throws: a meter that cannot be fed is a
 * lost sample, not a lost slot.
 */
public final class BakeMetrics implements ScheduleEvents, RequestCounter.Watcher {

    private final MeterRegistry registry;
    /** The outcomes a bake's run is counted under; anything else counts as {@code other}. */
    private static final java.util.Set<String> OUTCOMES = java.util.Set.of("completed", "failed", "stopped",
            "timed_out", "abandoned");

    private final Map<String, AtomicReference<Double>> nextRuns = new ConcurrentHashMap<>();
    private final Map<String, AtomicReference<Double>> lastSuccesses = new ConcurrentHashMap<>();

    private final LongFunction<Optional<BakeView>> views;

    /**
     * @param views finds a bake by execution id, for a result that does not carry it (a slot a dead
     *              scheduler left), such as {@code BakeService::view}
     */
    public BakeMetrics(MeterRegistry registry, LongFunction<Optional<BakeView>> views) {
        this.registry = registry;
        this.views = views;
    }

    @Override
    public void bakeFinished(String recipe, BakeResult result, Duration took) {
        try {
            String outcome = result.timedOut() ? "timed_out" : result.status().toLowerCase(Locale.ROOT);
            outcome = OUTCOMES.contains(outcome) ? outcome : "other";
            if (result.completed()) {
                lastSuccess(recipe, java.time.Instant.now());
            }
            Counter.builder("amibake.bakes").description("Bakes ended, by outcome")
                    .tags("recipe", recipe, "outcome", outcome).register(registry).increment();
            Timer.builder("amibake.bake.duration").description("How long a run of a bake took")
                    .tags("recipe", recipe, "outcome", outcome).register(registry).record(took);
            Optional.ofNullable(result.view()).or(() -> views.apply(result.executionId()))
                    .ifPresent(bake -> steps(recipe, bake));
        } catch (RuntimeException lost) {
            // A missing sample; the bake and the schedule go on.
        }
    }

    /** This run's steps; the distribution as its regions. */
    private void steps(String recipe, BakeView bake) {
        for (StepView step : bake.steps()) {
            if (step.execution() != bake.execution() || step.took() == null || step.distribution()) {
                continue;
            }
            String name = step.region() != null ? "region:" + step.region() : step.name();
            Timer.builder("amibake.step.duration").description("How long a step of a bake took")
                    .tags("recipe", recipe, "step", name).register(registry).record(step.took());
        }
    }

    @Override
    public void slotStarted(String recipe, ZonedDateTime slot, boolean resumed) {
        Counter.builder("amibake.schedule.slots.started").description("Slots that began a bake, new or resumed")
                .tags("recipe", recipe, "resumed", String.valueOf(resumed)).register(registry).increment();
    }

    @Override
    public void slotSkipped(String recipe, ZonedDateTime slot, Skip why, String detail) {
        Counter.builder("amibake.schedule.slots.skipped").description("Slots that ran no bake, and why")
                .tags("recipe", recipe, "reason", why.label()).register(registry).increment();
    }

    /** Says when the recipe's last completed bake ended: at start-up from the repository, then at each success. */
    public void lastSuccess(String recipe, java.time.Instant ended) {
        gauge(lastSuccesses, "amibake.last.success.timestamp", "When the recipe's last completed bake ended, in"
                + " seconds since the epoch", recipe).set(ended.toEpochMilli() / 1000.0);
    }

    @Override
    public void paused(String recipe, int failuresInARow, String lastError) {
        Counter.builder("amibake.schedule.paused").description("Schedules paused after failures in a row")
                .tags("recipe", recipe).register(registry).increment();
    }

    @Override
    public void nextRun(String recipe, ZonedDateTime next) {
        double seconds = next == null ? Double.NaN : next.toInstant().toEpochMilli() / 1000.0;
        gauge(nextRuns, "amibake.schedule.next.run", "The recipe's next slot, in seconds since the epoch; NaN while"
                + " paused", recipe).set(seconds);
    }

    private AtomicReference<Double> gauge(Map<String, AtomicReference<Double>> values, String name,
                                          String description, String recipe) {
        return values.computeIfAbsent(recipe, key -> {
            AtomicReference<Double> value = new AtomicReference<>(Double.NaN);
            Gauge.builder(name, value, AtomicReference::get).description(description).baseUnit("seconds")
                    .tags("recipe", key).register(registry);
            return value;
        });
    }

    @Override
    public void sent(String operation, String region, String retry) {
        Counter.builder("amibake.aws.requests").description("HTTP requests sent to AWS, retries included")
                .tags("operation", operation, "region", region).register(registry).increment();
        if (retry != null) {
            Counter.builder("amibake.aws.retries").description("Requests the SDK sent again")
                    .tags("operation", operation, "region", region, "reason", retry).register(registry).increment();
        }
    }
}
