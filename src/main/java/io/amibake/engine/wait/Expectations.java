package io.amibake.engine.wait;

import io.amibake.engine.store.Observed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * How long each wait is expected to last and how sure that is, learned per kind of wait and per
 * target: the region for instances, agents and images, source and destination region for
 * copies, the command's key and region for commands (the endpoint is the job repository's
 * target, whose history this starts from).
 *
 * <p>A wait seen before on the same target is expected to take the geometric mean of the median
 * of its last observations and the latest one, with the spread of those observations (at least
 * {@link #SPREAD_FLOOR}; {@link #ONE_SPREAD} from one observation), and that is learned.
 * Otherwise a guess: what the same kind took on other targets (spread at least
 * {@link #GUESS_SPREAD}), or its typical AWS duration with the spread of AWS's range for it
 * (docs/aws.md), scaled by the tempo of this cloud (how the kinds already seen compared with
 * their typical durations). Against AWS itself the typical durations hold from the first wait;
 * against another endpoint, with nothing seen at all there is no expectation, and the wait backs
 * off from the shortest delay. A wait
 * whose first look already finds its resource settled records half the time of that look (see
 * {@link #observe(WaitKind, String, long, long, long)}), so an expectation that is too long
 * shrinks by half or more with every bake.
 *
 * <p>Observations are kept under opaque keys {@code KIND} (every target) and
 * {@code KIND@target}; {@link #snapshot()} returns them to be stored for the next bake.
 */
public final class Expectations {

    /** The least spread a learned expectation has: its observations are the middles of intervals between looks. */
    public static final double SPREAD_FLOOR = 0.05;
    /** The spread of an expectation learned from a single observation. */
    public static final double ONE_SPREAD = 0.25;
    /** The least spread of a guess from the same kind of wait on other targets. */
    public static final double GUESS_SPREAD = 0.5;

    /** A kind's typical duration on AWS and the range it ends in, as a spread (docs/aws.md, "How long waits take"). */
    private record Typical(Duration duration, double spread) {

        /** From AWS's range: its geometric middle, and two spreads either side. */
        static Typical between(Duration shortest, Duration longest) {
            double low = shortest.toMillis();
            double high = longest.toMillis();
            return new Typical(Duration.ofMillis(Math.round(Math.sqrt(low * high))),
                    Math.log(high / low) / (2 * Expectation.RANGE_SPREADS));
        }
    }

    private static final Map<String, Typical> TYPICAL = Map.of(
            WaitKind.INSTANCE_RUNNING.name(), Typical.between(Duration.ofSeconds(5), Duration.ofSeconds(80)),
            WaitKind.AGENT_ONLINE.name(), Typical.between(Duration.ofMillis(7_500), Duration.ofMinutes(2)),
            WaitKind.COMMAND.name(), Typical.between(Duration.ofSeconds(1), Duration.ofSeconds(225)),
            WaitKind.INSTANCE_STOPPED.name(), Typical.between(Duration.ofSeconds(10), Duration.ofSeconds(160)),
            WaitKind.IMAGE_AVAILABLE.name(), Typical.between(Duration.ofMinutes(1), Duration.ofMinutes(16)),
            WaitKind.INSTANCE_TERMINATED.name(), Typical.between(Duration.ofMillis(7_500), Duration.ofMinutes(2)),
            WaitKind.COPY_AVAILABLE.name(), Typical.between(Duration.ofMinutes(2), Duration.ofMinutes(32)));

    /**
     * The shortest delay between two looks at a wait that can pay, in AWS's time: half a second.
     * A look sooner after the last sees half a second's progress at most (Packer's fastest polling
     * is a second), and a second cost more than 5 % of the critical path on clouds of many short
     * waits (WaitPacingPropertyTest). On another cloud it is half a second of that cloud's time:
     * scaled by its tempo, once that is known.
     */
    public static final Duration SHORTEST_LOOK = Duration.ofMillis(500);

    private static final int KEEP = 5;
    private static final Pattern OLD_KEY = Pattern.compile("[A-Z_]+:");

    /**
     * Kinds whose durations move together: a cloud that boots instances slowly stops and
     * registers them slowly too, and a copy moves the snapshots the image was made of.
     */
    private static final List<Set<String>> RELATED = List.of(
            Set.of(WaitKind.INSTANCE_RUNNING.name(), WaitKind.AGENT_ONLINE.name(), WaitKind.INSTANCE_STOPPED.name(),
                    WaitKind.INSTANCE_TERMINATED.name()),
            Set.of(WaitKind.IMAGE_AVAILABLE.name(), WaitKind.COPY_AVAILABLE.name()));

    private final Map<String, List<Observed>> observed = new ConcurrentHashMap<>();
    private final boolean aws;

    /**
     * Starts from earlier bakes' observations: key to durations in milliseconds, oldest first.
     * Only the last few of each key are kept, and keys of the earlier {@code KIND:key} form,
     * which no lookup reads any more, are left behind.
     *
     * @param aws whether the waits are on AWS itself, whose typical durations then hold from the
     *            first wait; on another endpoint (a sandbox at its own time scale) they hold only
     *            once the cloud's tempo is known
     */
    public Expectations(Map<String, List<Observed>> history, boolean aws) {
        this.aws = aws;
        history.forEach((key, millis) -> {
            if (OLD_KEY.matcher(key).lookingAt()) {
                return;
            }
            List<Observed> kept = new ArrayList<>(millis);
            observed.put(key, new ArrayList<>(kept.subList(Math.max(0, kept.size() - KEEP), kept.size())));
        });
    }

    /** Against an endpoint other than AWS. */
    public Expectations(Map<String, List<Observed>> history) {
        this(history, false);
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
        Double tempo = tempo(kind);
        Expectation expected = estimated(kind, target, tempo);
        if (expected != null && !kind.onPath()) {
            expected = expected.offThePath();
        }
        if (expected == null || tempo == null && !aws) {
            return expected;
        }
        return expected.withShortestLook(Duration.ofNanos((long) (SHORTEST_LOOK.toNanos() * (tempo == null ? 1 : tempo))));
    }

    private Expectation estimated(WaitKind kind, String target, Double tempo) {
        List<Observed> exact = target == null ? null : observations(kind.name() + "@" + target);
        if (exact != null) {
            return Expectation.learned(Duration.ofMillis(estimate(exact)), learnedSpread(exact));
        }
        List<Observed> sameKind = observations(kind.name());
        if (sameKind != null) {
            return Expectation.guess(Duration.ofMillis(estimate(sameKind)), Math.max(GUESS_SPREAD, spread(sameKind)));
        }
        Typical typical = TYPICAL.get(kind.name());
        if (typical == null || tempo == null && !aws) {
            return null;
        }
        return Expectation.guess(Duration.ofMillis((long) (typical.duration().toMillis() * (tempo == null ? 1 : tempo))),
                typical.spread());
    }

    /** Records what a wait took, for the rest of this bake and, through the job repository, the next. */
    public void observe(WaitKind kind, String target, Duration took) {
        observe(kind, target, new Observed(took.toMillis(), 0));
    }

    private void observe(WaitKind kind, String target, Observed took) {
        add(kind.name(), took);
        if (target != null) {
            add(kind.name() + "@" + target, took);
        }
    }

    /**
     * Records a wait from its looks: it settled between the last look that saw it pending and
     * the first that saw it settled, so it took the middle of that interval. When the very first
     * look saw it settled, the interval starts with the wait: half the first look's time. Except
     * for a learned wait off the bake's path first looked at past its expected duration: it is
     * looked at where it has very likely ended, so finding it over says nothing new, and half
     * that look would halve what is expected of it every bake.
     *
     * @param startNanos       when the wait began
     * @param lastPendingNanos the last look that saw it pending, or -1 when none did
     * @param settledNanos     the first look that saw it settled
     */
    public void observe(WaitKind kind, String target, long startNanos, long lastPendingNanos, long settledNanos) {
        if (lastPendingNanos < 0 && !kind.onPath()) {
            Expectation expected = expected(kind, target);
            if (expected != null && expected.trusted() && settledNanos - startNanos >= expected.duration().toNanos()) {
                return;
            }
        }
        long from = lastPendingNanos < 0 ? startNanos : lastPendingNanos;
        long middle = Math.max(0, (from + settledNanos) / 2 - startNanos);
        observe(kind, target, new Observed(middle / 1_000_000, Math.max(0, settledNanos - from) / 1_000_000));
    }

    /** Every observation, to be saved with the bake. */
    public Map<String, List<Observed>> snapshot() {
        Map<String, List<Observed>> copy = new ConcurrentHashMap<>();
        observed.forEach((k, v) -> {
            synchronized (v) {
                copy.put(k, List.copyOf(v));
            }
        });
        return copy;
    }

    private void add(String key, Observed took) {
        List<Observed> list = observed.computeIfAbsent(key, k -> new ArrayList<>());
        synchronized (list) {
            list.add(took);
            while (list.size() > KEEP) {
                list.remove(0);
            }
        }
    }

    /** A copy of the key's observations, oldest first, or null when there are none. */
    private List<Observed> observations(String key) {
        List<Observed> list = observed.get(key);
        if (list == null) {
            return null;
        }
        synchronized (list) {
            return list.isEmpty() ? null : List.copyOf(list);
        }
    }

    /** The geometric mean of the median and the latest observation: steady, yet quick to follow a change. */
    private static long estimate(List<Observed> observations) {
        List<Long> list = observations.stream().map(Observed::millis).toList();
        List<Long> sorted = list.stream().sorted().toList();
        long median = sorted.get(sorted.size() / 2);
        long latest = list.get(list.size() - 1);
        return Math.round(Math.sqrt((double) Math.max(median, 1) * Math.max(latest, 1)));
    }

    /** How sure a learned expectation is: its observations' spread, at least {@link #SPREAD_FLOOR}. */
    private static double learnedSpread(List<Observed> own) {
        return own.size() == 1 ? ONE_SPREAD : Math.max(SPREAD_FLOOR, spread(own));
    }

    /**
     * How much the wait itself varies: the sample variance of the observations' logarithms,
     * less what the looks' own imprecision adds to it on average ({@link Observed#variance()}),
     * as a standard deviation; 0 for one observation. Without that, one coarse observation (a
     * first bake's guess looked at sparsely, or a first look that found the wait over) would
     * read as a cloud that varies, and cost every later bake looks.
     */
    private static double spread(List<Observed> list) {
        if (list.size() < 2) {
            return 0;
        }
        double[] logs = list.stream().mapToDouble(took -> Math.log(Math.max(took.millis(), 1))).toArray();
        double mean = java.util.Arrays.stream(logs).average().orElse(0);
        double squares = java.util.Arrays.stream(logs).map(v -> (v - mean) * (v - mean)).sum();
        double imprecision = list.stream().mapToDouble(Observed::variance).average().orElse(0);
        return Math.sqrt(Math.max(0, squares / (logs.length - 1) - imprecision));
    }

    /**
     * How this cloud compares with AWS's typical durations: the median ratio of the kinds seen
     * that are related to {@code kind}, else of every kind seen; null when none was.
     */
    private Double tempo(WaitKind kind) {
        Set<String> related = RELATED.stream().filter(group -> group.contains(kind.name())).findFirst().orElse(Set.of());
        Double own = tempo(related::contains);
        return own != null ? own : tempo(k -> true);
    }

    private Double tempo(java.util.function.Predicate<String> kinds) {
        List<Double> ratios = new ArrayList<>();
        TYPICAL.forEach((kind, typical) -> {
            List<Observed> seen = kinds.test(kind) ? observations(kind) : null;
            if (seen != null) {
                ratios.add(estimate(seen) / (double) typical.duration().toMillis());
            }
        });
        if (ratios.isEmpty()) {
            return null;
        }
        ratios.sort(Double::compare);
        return ratios.get(ratios.size() / 2);
    }
}
