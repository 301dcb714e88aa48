package io.amibake.engine.wait;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * How long each wait is expected to last, learned per kind of wait and per target: the region
 * for instances, agents and images, source and destination region for copies, the command's key
 * and region for commands (the endpoint is the job repository's target, whose history this
 * starts from).
 *
 * <p>A wait seen before on the same target is expected to take the geometric mean of the median
 * of its last observations and the latest one, and that is trusted: {@link PollPlan} looks late.
 * Otherwise a guess: what the same kind took on other targets, or its AWS-like default scaled by
 * the tempo of this cloud (how the kinds already seen compared with their defaults); with
 * nothing seen at all, no expectation, and the wait backs off from the shortest delay. A wait
 * whose first look already finds its resource settled records half the time of that look (see
 * {@link #observe(WaitKind, String, long, long, long)}), so an expectation that is too long
 * shrinks by half or more with every bake.
 *
 * <p>Observations are kept under opaque keys {@code KIND} (every target) and
 * {@code KIND@target}; {@link #snapshot()} returns them to be stored for the next bake.
 */
public final class Expectations {

    /** AWS-like durations (docs/aws.md and the sandbox's default profile). */
    private static final Map<String, Duration> DEFAULTS = Map.of(
            WaitKind.INSTANCE_RUNNING.name(), Duration.ofSeconds(20),
            WaitKind.AGENT_ONLINE.name(), Duration.ofSeconds(30),
            WaitKind.COMMAND.name(), Duration.ofSeconds(15),
            WaitKind.INSTANCE_STOPPED.name(), Duration.ofSeconds(40),
            WaitKind.IMAGE_AVAILABLE.name(), Duration.ofMinutes(4),
            WaitKind.INSTANCE_TERMINATED.name(), Duration.ofSeconds(30),
            WaitKind.COPY_AVAILABLE.name(), Duration.ofMinutes(8));

    private static final int KEEP = 5;
    private static final Pattern OLD_KEY = Pattern.compile("[A-Z_]+:");

    private final Map<String, List<Long>> observed = new ConcurrentHashMap<>();

    /**
     * Starts from earlier bakes' observations: key to durations in milliseconds, oldest first.
     * Only the last few of each key are kept, and keys of the earlier {@code KIND:key} form,
     * which no lookup reads any more, are left behind.
     */
    public Expectations(Map<String, List<Long>> history) {
        history.forEach((key, millis) -> {
            if (OLD_KEY.matcher(key).lookingAt()) {
                return;
            }
            List<Long> kept = new ArrayList<>(millis);
            observed.put(key, new ArrayList<>(kept.subList(Math.max(0, kept.size() - KEEP), kept.size())));
        });
    }

    public Expectations() {
        this(Map.of());
    }

    /** The key of a copy's target: its source and destination region. */
    public static String copyTarget(String sourceRegion, String region) {
        return sourceRegion + ">" + region;
    }

    /**
     * The expected duration of a wait, or {@code null} when nothing is known yet.
     *
     * @param kind   the kind of wait
     * @param target what the wait is on: a region, a region pair, a command's key and region
     */
    public Expectation expected(WaitKind kind, String target) {
        Long exact = target == null ? null : estimate(kind.name() + "@" + target);
        if (exact != null) {
            return Expectation.trusted(Duration.ofMillis(exact));
        }
        Long sameKind = estimate(kind.name());
        if (sameKind != null) {
            return Expectation.guess(Duration.ofMillis(sameKind));
        }
        Double tempo = tempo();
        Duration fallback = DEFAULTS.get(kind.name());
        if (tempo == null || fallback == null) {
            return null;
        }
        return Expectation.guess(Duration.ofMillis((long) (fallback.toMillis() * tempo)));
    }

    /** Records what a wait took, for the rest of this bake and, through the job repository, the next. */
    public void observe(WaitKind kind, String target, Duration took) {
        add(kind.name(), took.toMillis());
        if (target != null) {
            add(kind.name() + "@" + target, took.toMillis());
        }
    }

    /**
     * Records a wait from its looks: it settled between the last look that saw it pending and
     * the first that saw it settled, so it took the middle of that interval. When the very first
     * look saw it settled, the interval starts with the wait: half the first look's time.
     *
     * @param startNanos       when the wait began
     * @param lastPendingNanos the last look that saw it pending, or -1 when none did
     * @param settledNanos     the first look that saw it settled
     */
    public void observe(WaitKind kind, String target, long startNanos, long lastPendingNanos, long settledNanos) {
        long from = lastPendingNanos < 0 ? startNanos : lastPendingNanos;
        observe(kind, target, Duration.ofNanos(Math.max(0, (from + settledNanos) / 2 - startNanos)));
    }

    /** Every observation, to be saved with the bake. */
    public Map<String, List<Long>> snapshot() {
        Map<String, List<Long>> copy = new ConcurrentHashMap<>();
        observed.forEach((k, v) -> {
            synchronized (v) {
                copy.put(k, List.copyOf(v));
            }
        });
        return copy;
    }

    private void add(String key, long millis) {
        List<Long> list = observed.computeIfAbsent(key, k -> new ArrayList<>());
        synchronized (list) {
            list.add(millis);
            while (list.size() > KEEP) {
                list.remove(0);
            }
        }
    }

    /** The geometric mean of the median and the latest observation: steady, yet quick to follow a change. */
    private Long estimate(String key) {
        List<Long> list = observed.get(key);
        if (list == null) {
            return null;
        }
        synchronized (list) {
            if (list.isEmpty()) {
                return null;
            }
            List<Long> sorted = list.stream().sorted().toList();
            long median = sorted.get(sorted.size() / 2);
            long latest = list.get(list.size() - 1);
            return Math.round(Math.sqrt((double) Math.max(median, 1) * Math.max(latest, 1)));
        }
    }

    private Double tempo() {
        List<Double> ratios = new ArrayList<>();
        DEFAULTS.forEach((kind, fallback) -> {
            Long seen = estimate(kind);
            if (seen != null) {
                ratios.add(seen / (double) fallback.toMillis());
            }
        });
        if (ratios.isEmpty()) {
            return null;
        }
        ratios.sort(Double::compare);
        return ratios.get(ratios.size() / 2);
    }
}
