package io.amibake.bake.wait;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long each kind of wait is expected to last, learned from what this bake and earlier
 * bakes observed. A kind seen before is expected to take the median of its last observations.
 * A kind never seen is scaled from its AWS-like default by the tempo of this cloud: how much
 * faster or slower than the defaults the waits seen so far were. So the sandbox at any time
 * scale and AWS itself are both paced well after the first wait or two.
 */
public final class Expectations {

    /** AWS-like durations (aws-facts.md and the sandbox's default profile). */
    private static final Map<String, Duration> DEFAULTS = Map.of(
            WaitKind.INSTANCE_RUNNING.name(), Duration.ofSeconds(20),
            WaitKind.AGENT_ONLINE.name(), Duration.ofSeconds(30),
            WaitKind.COMMAND.name(), Duration.ofSeconds(15),
            WaitKind.INSTANCE_STOPPED.name(), Duration.ofSeconds(40),
            WaitKind.IMAGE_AVAILABLE.name(), Duration.ofMinutes(4),
            WaitKind.INSTANCE_TERMINATED.name(), Duration.ofSeconds(30),
            WaitKind.COPY_AVAILABLE.name(), Duration.ofMinutes(8));

    private static final int KEEP = 5;

    private final Map<String, List<Long>> observed = new ConcurrentHashMap<>();

    /** Starts from earlier bakes' observations: key to durations in milliseconds. */
    public Expectations(Map<String, List<Long>> history) {
        history.forEach((key, millis) -> observed.put(key, new ArrayList<>(millis)));
    }

    public Expectations() {
        this(Map.of());
    }

    /**
     * The expected duration of a wait, or {@code null} when nothing is known yet.
     *
     * @param kind the kind of wait
     * @param key  what exactly is waited for (a command's key), or {@code null}
     */
    public Duration expected(WaitKind kind, String key) {
        Long exact = median(historyKey(kind, key));
        if (exact != null) {
            return Duration.ofMillis(exact);
        }
        Long sameKind = key == null ? null : median(kind.name());
        if (sameKind != null) {
            return Duration.ofMillis(sameKind);
        }
        Double tempo = tempo();
        Duration fallback = DEFAULTS.get(kind.name());
        if (tempo == null || fallback == null) {
            return null;
        }
        return Duration.ofMillis((long) (fallback.toMillis() * tempo));
    }

    /** Records what a wait took, for the rest of this bake and, through the job repository, the next. */
    public void observe(WaitKind kind, String key, Duration took) {
        add(kind.name(), took.toMillis());
        if (key != null) {
            add(historyKey(kind, key), took.toMillis());
        }
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
            if (list.size() > KEEP) {
                list.remove(0);
            }
        }
    }

    private Long median(String key) {
        List<Long> list = observed.get(key);
        if (list == null) {
            return null;
        }
        synchronized (list) {
            if (list.isEmpty()) {
                return null;
            }
            List<Long> sorted = list.stream().sorted().toList();
            return sorted.get(sorted.size() / 2);
        }
    }

    private Double tempo() {
        List<Double> ratios = new ArrayList<>();
        DEFAULTS.forEach((kind, fallback) -> {
            Long seen = median(kind);
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

    private static String historyKey(WaitKind kind, String key) {
        return key == null ? kind.name() : kind.name() + ":" + key;
    }
}
