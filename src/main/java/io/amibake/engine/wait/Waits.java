package io.amibake.engine.wait;

import io.amibake.cloud.CommandResult;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.Image;
import io.amibake.cloud.Instance;
import io.amibake.cloud.SsmGateway;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import org.springframework.batch.core.job.JobInterruptedException;

/**
 * The one place a bake waits. Every wait goes through a {@link SharedPoller} per region and kind
 * of describe call, is paced by {@link PollPlan} towards what {@link Expectations} predicts, and
 * teaches Expectations how long it took. No step sleeps on its own. The pollers of instances,
 * images and copies are shared with the other bakes of the process on the same account
 * ({@link SharedPollers}); a shared look is counted on the bake that sent it.
 */
public final class Waits {

    /** How long a new instance may stay unknown to DescribeInstances before it counts as gone. */
    public static final Duration NEW_INSTANCE_GRACE = Duration.ofMinutes(2);

    /**
     * How long a new image or copy may stay unknown to DescribeImages before it counts as gone:
     * EC2 is eventually consistent, and the SDK's ImageExists waiter retries NotFound for 10 minutes.
     */
    public static final Duration NEW_IMAGE_GRACE = Duration.ofMinutes(10);

    /**
     * When a wait with nothing expected (the first bake against an endpoint other than AWS) is
     * overdue enough that its instance is read beside it.
     */
    static final Duration WATCH_UNEXPECTED = Duration.ofSeconds(1);

    /** The spread of a copy's finish as its snapshot's progress predicts it: a steady rate, read recently. */
    static final double PREDICTED_SPREAD = 0.1;

    private final Ec2Gateway ec2;
    private final SsmGateway ssm;
    private final Expectations expectations;
    private final Pacing plan;
    private final StopSignal stop;
    private final SharedPollers shared;
    private final String account;
    private final Map<String, SharedPoller<?>> pollers = new ConcurrentHashMap<>();
    private final Set<String> startedHere = ConcurrentHashMap.newKeySet();

    public Waits(Ec2Gateway ec2, SsmGateway ssm, Expectations expectations, Pacing plan,
                 StopSignal stop) {
        this(ec2, ssm, expectations, plan, stop, new SharedPollers(), "");
    }

    /**
     * @param shared  the pollers of the process
     * @param account what tells apart the accounts the process bakes in (endpoint, profile): only
     *                bakes on the same account share a look
     */
    public Waits(Ec2Gateway ec2, SsmGateway ssm, Expectations expectations, Pacing plan,
                 StopSignal stop, SharedPollers shared, String account) {
        this.shared = shared;
        this.account = account;
        this.ec2 = ec2;
        this.ssm = ssm;
        this.expectations = expectations;
        this.plan = plan;
        this.stop = stop;
    }

    public Expectations expectations() {
        return expectations;
    }

    /**
     * Waits until the instance is in a state {@code arrived} accepts; {@code arrived} sees null
     * for an instance EC2 does not know. Any other settled state (terminated, or unknown when
     * that is not what was asked) fails the wait. A just-launched instance may be unknown to
     * EC2 for a moment (eventual consistency): with {@code mayBeNew}, unknown is not settled
     * until {@link #NEW_INSTANCE_GRACE} has passed.
     */
    public Instance instance(String region, String instanceId, WaitKind kind, Predicate<Instance> arrived,
                             boolean mayBeNew, Duration timeout) throws JobInterruptedException {
        SharedPoller<Instance> poller = instancePoller(region);
        long start = System.nanoTime();
        return timed(kind, region, false, bracket -> poller.await(instanceId, "instance " + instanceId + " (" + kind + ")",
                false, () -> expectations.expected(kind, region), timeout,
                i -> {
                    if (i == null && mayBeNew && System.nanoTime() - start < NEW_INSTANCE_GRACE.toNanos()) {
                        return null;
                    }
                    return i == null || arrived.test(i) || "terminated".equals(i.state()) ? Boolean.TRUE : null;
                },
                i -> arrived.test(i) ? null
                        : i == null ? "the instance no longer exists" : "the instance is " + i.state(), bracket));
    }

    /**
     * Waits for an instance to leave a transient state even when the bake is stopping: settling
     * the build instance after Ctrl-C must not itself be cut short.
     */
    public Instance instanceWhileStopping(String region, String instanceId, Predicate<Instance> arrived,
                                          Duration timeout) throws JobInterruptedException {
        SharedPoller<Instance> poller = new SharedPoller<>(ids -> ec2.describeInstances(region, ids), plan, () -> false);
        return poller.await(instanceId, "instance " + instanceId, () -> null, timeout,
                i -> i == null || arrived.test(i) || "terminated".equals(i.state()) ? Boolean.TRUE : null,
                i -> null);
    }

    /**
     * Waits until the instance's SSM agent reports Online, which also says the instance runs.
     * An agent that is not Online yet says nothing about its instance: once the wait is overdue
     * (past its expectation's likely range, or at once with no expectation), and again whenever
     * the time waited has doubled since, the instance itself is read, through the region's shared
     * instance look; a terminated, stopped or vanished instance ends the wait, since its agent
     * can never come online.
     */
    public void agentOnline(String region, String instanceId, Duration timeout) throws JobInterruptedException {
        // Not shared with other bakes: SSM fails the whole call when one of its ids has no agent yet,
        // and the gateway then asks about each alone, so a fleet's merged look cost more (FleetBenchmark).
        SharedPoller<Boolean> poller = ownPoller("agents@" + region, ids -> {
            Set<String> online = ssm.onlineAgents(region, ids);
            Map<String, Boolean> result = new HashMap<>();
            ids.forEach(id -> result.put(id, online.contains(id)));
            return result;
        });
        InstanceWatch watch = new InstanceWatch(region, instanceId,
                () -> expectations.expected(WaitKind.AGENT_ONLINE, region));
        timed(WaitKind.AGENT_ONLINE, region, false, bracket -> poller.await(instanceId,
                "the SSM agent of " + instanceId + " to come online (does the instance profile allow SSM?)",
                false, () -> expectations.expected(WaitKind.AGENT_ONLINE, region), timeout,
                online -> Boolean.TRUE.equals(online) ? Boolean.TRUE : null, online -> null, bracket,
                (online, waited, timedOut) -> watch.check(waited, timedOut, false, state ->
                        "the SSM agent of " + instanceId + " can never come online: the instance is " + state)));
    }

    /**
     * Remembers that this run started the resource now, so its wait is paced from now; a wait on
     * anything else (a resume finding an image made by an earlier run) looks at once.
     */
    public void started(String id) {
        startedHere.add(id);
    }

    /**
     * Waits until the image is available; a failed or vanished image fails the wait. With
     * {@code mayBeNew}, an unknown image is still on its way for {@link #NEW_IMAGE_GRACE}.
     */
    public Image image(String region, String imageId, WaitKind kind, String key, boolean mayBeNew, Duration timeout)
            throws JobInterruptedException {
        SharedPoller<Image> poller = poller("images@" + region, ids -> ec2.describeImages(region, ids));
        String target = key == null ? region : key + "@" + region;
        boolean resumed = !startedHere.remove(imageId);
        long graceEnd = System.nanoTime() + (mayBeNew ? NEW_IMAGE_GRACE.toNanos() : 0);
        return timed(kind, target, resumed, bracket -> poller.await(imageId, "image " + imageId + " in " + region,
                resumed, () -> expectations.expected(kind, target), timeout,
                i -> i == null && System.nanoTime() < graceEnd ? null
                        : i == null || i.isAvailable() || i.isFailed() ? Boolean.TRUE : null,
                i -> i == null ? "the image no longer exists"
                        : i.isAvailable() ? null
                        : "the image is " + i.state() + (i.stateReason() == null ? "" : " (" + i.stateReason() + ")"),
                bracket));
    }

    /**
     * Waits until a copy is available in its region. Unless earlier copies to the region were
     * steadier than a prediction from progress ({@link #PREDICTED_SPREAD}), each look at the
     * region's pending copies also reads their snapshots' progress; once progress moves, the wait
     * aims at the finish time it predicts, else at what earlier copies to this region took. A copy
     * just started is at 0 % now, so its first reading already gives a rate.
     */
    public Image copy(String sourceRegion, String region, String imageId, boolean justStarted, boolean mayBeNew,
                      Duration timeout, IntConsumer onProgress) throws JobInterruptedException {
        long graceEnd = System.nanoTime() + (mayBeNew ? NEW_IMAGE_GRACE.toNanos() : 0);
        Map<String, Progress> progress = shared.copyProgress(region);
        String target = Expectations.copyTarget(sourceRegion, region);
        Expectation history = expectations.expected(WaitKind.COPY_AVAILABLE, target);
        // Progress can only sharpen an expectation less sure than its prediction: read it then only.
        if (history == null || history.spread() > PREDICTED_SPREAD) {
            Progress own = progress.computeIfAbsent(imageId, k -> new Progress());
            if (justStarted) {
                own.record(System.nanoTime(), 0);
            }
        }
        SharedPoller<Image> poller = poller("copies@" + region, ids -> {
            Map<String, Image> images = ec2.describeImages(region, ids);
            Map<String, String> snapshotOf = new HashMap<>();
            images.values().stream().filter(i -> "pending".equals(i.state()) && !i.snapshotIds().isEmpty()
                            && progress.containsKey(i.id()))
                    .forEach(i -> snapshotOf.put(i.snapshotIds().get(0), i.id()));
            if (!snapshotOf.isEmpty()) {
                long now = System.nanoTime();
                ec2.snapshotProgress(region, snapshotOf.keySet()).forEach((snapshot, percent) -> {
                    Progress p = progress.get(snapshotOf.get(snapshot));
                    if (p != null) {
                        p.record(now, percent);
                    }
                });
            }
            return images;
        });
        long start = System.nanoTime();
        int[] shown = {-1};
        try {
            return timed(WaitKind.COPY_AVAILABLE, target, !justStarted, bracket -> poller.await(imageId,
                    "copy " + imageId + " in " + region, !justStarted, () -> {
                        Progress p = progress.get(imageId);
                        if (p != null && p.percent() != shown[0]) {
                            shown[0] = p.percent();
                            onProgress.accept(p.percent());
                        }
                        Duration predicted = p == null ? null : p.finishAfter(start);
                        return predicted != null ? Expectation.learned(predicted, PREDICTED_SPREAD) : history;
                    }, timeout,
                    i -> i == null && System.nanoTime() < graceEnd ? null
                            : i == null || i.isAvailable() || i.isFailed() ? Boolean.TRUE : null,
                    i -> i == null ? "the copy no longer exists"
                            : i.isAvailable() ? null
                            : "the copy is " + i.state() + (i.stateReason() == null ? "" : " (" + i.stateReason() + ")"),
                    bracket));
        } finally {
            progress.remove(imageId);
        }
    }

    /**
     * Remembers when a command was sent, so that its wait can read it with the other commands
     * sent in the region since ({@link CommandReads}); a command sent by an earlier run is read on
     * its own.
     */
    public void sent(String region, String commandId) {
        shared.commandsSent(account + " " + region).put(commandId, Instant.now());
    }

    /**
     * Waits until a Run Command invocation ends, and returns how it ended. Pending commands of
     * every bake of the process in a region are read together ({@link CommandReads}). SSM does not
     * fail a command whose instance stopped: it is Delayed (delivery is retried) or, if it was
     * running, never reports until its execution timeout. So once a command is Delayed, or
     * overdue as an agent's wait is, the instance is read too, and one that is not running fails
     * the wait.
     */
    public CommandResult command(String region, String commandId, String instanceId, String key, Duration timeout)
            throws JobInterruptedException {
        Map<String, Instant> sentAt = shared.commandsSent(account + " " + region);
        SharedPoller<CommandResult> poller = poller("commands@" + region, new CommandReads(ssm, region, sentAt));
        String id = commandId + "@" + instanceId;
        String target = key + "@" + region;
        InstanceWatch watch = new InstanceWatch(region, instanceId, () -> expectations.expected(WaitKind.COMMAND, target));
        try {
            return timed(WaitKind.COMMAND, target, false, bracket -> poller.await(id,
                    "command '" + key + "' on " + instanceId, false,
                    () -> expectations.expected(WaitKind.COMMAND, target), timeout,
                    r -> r != null && r.isDone() ? Boolean.TRUE : null, r -> null, bracket,
                    (r, waited, timedOut) -> watch.check(waited, timedOut, r != null && "Delayed".equals(r.status()),
                            state -> "the build instance is " + state + ", so the command ("
                                    + (r == null ? "Pending" : r.status()) + ") cannot finish; was it stopped outside "
                                    + "the bake? A resume starts it and sends the command again")));
        } finally {
            sentAt.remove(commandId);
        }
    }

    /**
     * The instance behind a wait on its agent or one of its commands, read beside that wait only
     * when its looks cannot tell: once the wait is overdue (past the high end of its expectation,
     * after {@link #WATCH_UNEXPECTED} when nothing is expected, or when told, e.g. for a Delayed
     * command), then whenever
     * the time waited has doubled since the last reading, and once more at the timeout. A
     * reading goes through the region's shared instance look, so it answers any instance wait
     * pending there too, and takes another wait's fresh look when there is one.
     */
    private final class InstanceWatch {

        private final String region;
        private final String instanceId;
        private final java.util.function.Supplier<Expectation> expected;
        private final long start = System.nanoTime();
        private long lastRead = -1;

        InstanceWatch(String region, String instanceId, java.util.function.Supplier<Expectation> expected) {
            this.region = region;
            this.instanceId = instanceId;
            this.expected = expected;
        }

        /**
         * Reads the instance when due and fails the wait with {@code why}'s message when it can
         * no longer run: stopped, stopping, shutting down, terminated, or unknown to EC2 past
         * {@link #NEW_INSTANCE_GRACE}.
         */
        void check(Duration waited, boolean timedOut, boolean suspicious, Function<String, String> why) {
            long elapsed = waited.toNanos();
            Expectation e = expected.get();
            long due = e == null ? WATCH_UNEXPECTED.toNanos() : e.high().toNanos();
            boolean overdue = suspicious || elapsed >= due;
            if (!timedOut && (!overdue || lastRead >= 0 && elapsed < 2 * lastRead)) {
                return;
            }
            lastRead = Math.max(elapsed, 1);
            SharedPoller<Instance> instances = instancePoller(region);
            Instance instance = instances.peek(instanceId, instances.now() - plan.minDelay().toNanos());
            if (instance == null) {
                if (System.nanoTime() - start >= NEW_INSTANCE_GRACE.toNanos()) {
                    throw new WaitFailedException(why.apply("unknown to EC2 (it no longer exists)"));
                }
                return;
            }
            if (!instance.isRunning() && !"pending".equals(instance.state())) {
                throw new WaitFailedException(why.apply(instance.state()));
            }
        }
    }

    /**
     * Pauses before retrying something the cloud refused for now (a capacity shortage): the
     * pause doubles with each attempt, from the shortest poll delay up to the longest.
     */
    public void backoff(int attempt) throws JobInterruptedException {
        pause(Duration.ofMillis(Math.min(plan.maxDelay().toMillis(),
                plan.minDelay().toMillis() << Math.min(attempt, 20))));
    }

    /** Pauses for the given time, or until the bake is asked to stop. */
    public void pause(Duration duration) throws JobInterruptedException {
        stop.pause(duration);
    }

    private interface Wait<T> {
        T run(SharedPoller.Bracket bracket) throws JobInterruptedException;
    }

    /**
     * Runs a wait and teaches Expectations how long the thing took (see
     * {@link Expectations#observe(WaitKind, String, long, long, long)}). A wait on something an
     * earlier run started teaches nothing: when it began is not known here.
     */
    private <T> T timed(WaitKind kind, String target, boolean resumed, Wait<T> wait) throws JobInterruptedException {
        long[][] seen = {null};
        T result = wait.run((start, lastPending, settled) -> seen[0] = new long[] {start, lastPending, settled});
        if (!resumed && seen[0] != null) {
            expectations.observe(kind, target, seen[0][0], seen[0][1], seen[0][2]);
        }
        return result;
    }

    /** The region's instances, one DescribeInstances for every instance waited on there by the process's bakes. */
    private SharedPoller<Instance> instancePoller(String region) {
        return poller("instances@" + region, ids -> ec2.describeInstances(region, ids));
    }

    /** This bake's handle on the process's poller of that name. */
    @SuppressWarnings("unchecked")
    private <S> SharedPoller<S> poller(String name, Function<Set<String>, Map<String, S>> describe) {
        return (SharedPoller<S>) pollers.computeIfAbsent(name,
                n -> shared.poller(account + " " + n, describe, plan, stop::isRaised));
    }

    @SuppressWarnings("unchecked")
    private <S> SharedPoller<S> ownPoller(String name, Function<Set<String>, Map<String, S>> describe) {
        return (SharedPoller<S>) pollers.computeIfAbsent(name, n -> new SharedPoller<>(describe, plan, stop::isRaised));
    }
}
