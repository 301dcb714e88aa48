package io.amibake.engine.wait;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.sandbox.LatencyProfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The pacing promise of docs/bake.md, checked without timing anything: three bakes in a row on
 * each of 50 seeded random clouds (every kind of wait 0.1 to 10 times its AWS-like default,
 * independently), each wait run by the real {@link SharedPoller}, {@link PollPlan} and
 * {@link Expectations} on a virtual clock that moves exactly as far as the poller waits. Every
 * wait is seen settled within the documented overshoot bound, in the documented number of looks,
 * and the bakes meet the benchmark's goals before request latency: the first within 1.3 times
 * the critical path, the third within 1.1 times.
 */
class WaitPacingPropertyTest {

    /** Wall time is sandbox time times this: a bake at the benchmark's pace. */
    private static final double TIME_SCALE = 0.01;
    private static final List<String> COPY_REGIONS = List.of("us-east-2", "us-west-1", "us-west-2", "eu-west-1",
            "eu-central-1", "ap-south-1", "ap-northeast-1");

    private static final class VirtualClock implements PollClock {
        long now;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void waitOn(Object monitor, long millis) {
            now += millis * 1_000_000;
        }
    }

    private record Wait(WaitKind kind, String target, Duration settles) {
    }

    private record Outcome(Duration settles, Duration seen, long looks, Expectation expected) {
    }

    @Test
    void everyWaitOfThreeBakesOnFiftyRandomCloudsKeepsItsBoundAndBudget() throws Exception {
        PollPlan plan = PollPlan.DEFAULT;
        for (long seed = 1; seed <= 50; seed++) {
            List<Wait> bake = bakeShape(randomProfile(new Random(seed)));
            Duration path = bake.stream().filter(w -> w.kind() != WaitKind.INSTANCE_TERMINATED)
                    .map(Wait::settles).reduce(Duration.ZERO, Duration::plus)
                    .minus(bake.stream().filter(w -> w.kind() == WaitKind.COPY_AVAILABLE).skip(1)
                            .map(Wait::settles).reduce(Duration.ZERO, Duration::plus));
            Map<String, List<Long>> history = Map.of();
            for (int run = 1; run <= 3; run++) {
                Expectations expectations = new Expectations(history);
                Duration waited = Duration.ZERO;
                Duration longestCopy = Duration.ZERO;
                for (Wait wait : bake) {
                    Outcome outcome = run(plan, expectations, wait);
                    Duration overshoot = outcome.seen().minus(outcome.settles());
                    String what = "seed " + seed + ", bake " + run + ", " + wait + ", expected " + outcome.expected();
                    assertThat(overshoot).as(what)
                            .isLessThanOrEqualTo(plan.overshootBound(outcome.settles(), outcome.expected()));
                    assertThat(outcome.looks()).as(what)
                            .isLessThanOrEqualTo(plan.lookBudget(outcome.settles(), outcome.expected()));
                    if (wait.kind() == WaitKind.COPY_AVAILABLE) {
                        longestCopy = longestCopy.compareTo(outcome.seen()) > 0 ? longestCopy : outcome.seen();
                    } else if (wait.kind() != WaitKind.INSTANCE_TERMINATED) {
                        waited = waited.plus(outcome.seen());
                    }
                }
                double ratio = waited.plus(longestCopy).toNanos() / (double) scaled(path).toNanos();
                assertThat(ratio).as("seed %d, bake %d: time over critical path", seed, run)
                        .isLessThanOrEqualTo(run == 1 ? 1.3 : run == 3 ? 1.1 : 1.3);
                history = expectations.snapshot();
            }
        }
    }

    /** Runs one wait on a virtual clock; times are wall times at {@link #TIME_SCALE}. */
    private static Outcome run(PollPlan plan, Expectations expectations, Wait wait) throws Exception {
        VirtualClock clock = new VirtualClock();
        long settles = scaled(wait.settles()).toNanos();
        int[] looks = {0};
        SharedPoller<Boolean> poller = new SharedPoller<>(ids -> {
            looks[0]++;
            Map<String, Boolean> states = new LinkedHashMap<>();
            ids.forEach(id -> states.put(id, clock.now >= settles));
            return states;
        }, plan, () -> false, clock);
        Expectation expected = expectations.expected(wait.kind(), wait.target());
        long[] seen = new long[1];
        poller.await("r", "r", false, () -> expected, Duration.ofDays(1),
                done -> done ? Boolean.TRUE : null, done -> null, (start, lastPending, settled) -> {
                    seen[0] = settled - start;
                    expectations.observe(wait.kind(), wait.target(), start, lastPending, settled);
                });
        return new Outcome(Duration.ofNanos(settles), Duration.ofNanos(seen[0]), looks[0], expected);
    }

    private static Duration scaled(Duration sandboxTime) {
        return Duration.ofNanos((long) (sandboxTime.toNanos() * TIME_SCALE));
    }

    /** Every kind of transition 0.1 to 10 times its AWS-like default, log-uniformly and independently. */
    static LatencyProfile randomProfile(Random random) {
        LatencyProfile profile = LatencyProfile.aws();
        for (String key : List.of("instance-running", "agent-registration", "command-delivery", "command-base",
                "instance-stopping", "image-create", "image-copy", "instance-terminating")) {
            double factor = Math.exp(Math.log(0.1) + random.nextDouble() * Math.log(100));
            Duration base = profile.asMap().get(key);
            profile = profile.with(key, Duration.ofMillis((long) (base.toMillis() * factor)));
        }
        return profile;
    }

    /** The waits of the benchmark's fleet bake, in order: one command, eight regions. */
    private static List<Wait> bakeShape(LatencyProfile p) {
        List<Wait> waits = new ArrayList<>();
        waits.add(new Wait(WaitKind.INSTANCE_RUNNING, "us-east-1", p.instanceRunning()));
        waits.add(new Wait(WaitKind.AGENT_ONLINE, "us-east-1", p.agentRegistration()));
        waits.add(new Wait(WaitKind.COMMAND, "provision:hello@us-east-1", p.commandDelivery().plus(p.commandBase())));
        waits.add(new Wait(WaitKind.INSTANCE_STOPPED, "us-east-1", p.instanceStopping()));
        waits.add(new Wait(WaitKind.IMAGE_AVAILABLE, "us-east-1", p.imageCreate()));
        waits.add(new Wait(WaitKind.INSTANCE_TERMINATED, "us-east-1", p.instanceTerminating()));
        for (String region : COPY_REGIONS) {
            waits.add(new Wait(WaitKind.COPY_AVAILABLE, Expectations.copyTarget("us-east-1", region), p.imageCopy()));
        }
        return waits;
    }
}
