package io.amibake.metrics;

import io.amibake.cloud.RequestCounter;
import io.amibake.engine.job.BakeJobConfiguration;
import io.amibake.engine.api.BakeResult;
import io.amibake.schedule.ScheduleEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;

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
 * <li>{@code amibake.schedule.slots.skipped} (counter; recipe, reason) and
 *     {@code amibake.schedule.paused} (counter; recipe)</li>
 * <li>{@code amibake.schedule.next.run} (gauge; recipe): the next slot as seconds since the epoch,
 *     NaN while paused</li>
 * </ul>
 * Never throws: a meter that cannot be fed is a lost sample, not a lost slot.
 */
public final class BakeMetrics implements ScheduleEvents, RequestCounter.Watcher {

    private final MeterRegistry registry;
    private final LongFunction<Optional<JobExecution>> executions;
    private final Map<String, AtomicReference<Double>> nextRuns = new ConcurrentHashMap<>();

    /**
     * @param executions finds a bake's execution by id (for its steps' durations), such as
     *                   {@code BakeService::execution}
     */
    public BakeMetrics(MeterRegistry registry, LongFunction<Optional<JobExecution>> executions) {
        this.registry = registry;
        this.executions = executions;
    }

    @Override
    public void bakeFinished(String recipe, BakeResult result, Duration took) {
        try {
            String outcome = result.timedOut() ? "timed_out" : result.status().toLowerCase(Locale.ROOT);
            Counter.builder("amibake.bakes").description("Bakes ended, by outcome")
                    .tags("recipe", recipe, "outcome", outcome).register(registry).increment();
            Timer.builder("amibake.bake.duration").description("How long a run of a bake took")
                    .tags("recipe", recipe, "outcome", outcome).register(registry).record(took);
            executions.apply(result.executionId()).ifPresent(execution -> steps(recipe, execution));
        } catch (RuntimeException lost) {
            // A missing sample; the bake and the schedule go on.
        }
    }

    private void steps(String recipe, JobExecution execution) {
        for (StepExecution step : execution.getStepExecutions()) {
            if (step.getStartTime() == null || step.getEndTime() == null
                    || step.getStepName().equals(BakeJobConfiguration.DISTRIBUTE)) {
                continue;
            }
            String name = step.getStepName().startsWith(BakeJobConfiguration.REGION_PARTITION)
                    ? "region:" + step.getStepName().substring(BakeJobConfiguration.REGION_PARTITION.length())
                    : step.getStepName();
            Timer.builder("amibake.step.duration").description("How long a step of a bake took")
                    .tags("recipe", recipe, "step", name).register(registry)
                    .record(Duration.between(step.getStartTime(), step.getEndTime()));
        }
    }

    @Override
    public void slotStarted(String recipe, ZonedDateTime slot, boolean resumed) {
        Counter.builder("amibake.schedule.slots.started").description("Slots that began a bake, new or resumed")
                .tags("recipe", recipe, "resumed", String.valueOf(resumed)).register(registry).increment();
    }

    @Override
    public void slotSkipped(String recipe, ZonedDateTime slot, String reason) {
        Counter.builder("amibake.schedule.slots.skipped").description("Slots that ran no bake, and why")
                .tags("recipe", recipe, "reason", reason == null ? "unknown" : reason).register(registry).increment();
    }

    @Override
    public void paused(String recipe, int failuresInARow, String lastError) {
        Counter.builder("amibake.schedule.paused").description("Schedules paused after failures in a row")
                .tags("recipe", recipe).register(registry).increment();
    }

    @Override
    public void nextRun(String recipe, ZonedDateTime next) {
        double seconds = next == null ? Double.NaN : next.toInstant().toEpochMilli() / 1000.0;
        nextRuns.computeIfAbsent(recipe, name -> {
            AtomicReference<Double> value = new AtomicReference<>(Double.NaN);
            Gauge.builder("amibake.schedule.next.run", value, AtomicReference::get)
                    .description("The recipe's next slot, in seconds since the epoch; NaN while paused")
                    .baseUnit("seconds").tags("recipe", name).register(registry);
            return value;
        }).set(seconds);
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
