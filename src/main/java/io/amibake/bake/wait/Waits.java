package io.amibake.bake.wait;

import io.amibake.aws.CommandResult;
import io.amibake.aws.Ec2Gateway;
import io.amibake.aws.Image;
import io.amibake.aws.Instance;
import io.amibake.aws.SsmGateway;
import java.time.Duration;
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

    /** The spread of a copy's finish as its snapshot's progress predicts it: a steady rate, read recently. */
    static final double PREDICTED_SPREAD = 0.1;

    private final Ec2Gateway ec2;
    private final SsmGateway ssm;
    private final Expectations expectations;
    private final PollPlan plan;
    private final StopSignal stop;
    private final SharedPollers shared;
    private final String account;
    private final Map<String, SharedPoller<?>> pollers = new ConcurrentHashMap<>();
    private final Set<String> overdueCommands = ConcurrentHashMap.newKeySet();
    private final Set<String> startedHere = ConcurrentHashMap.newKeySet();

    public Waits(Ec2Gateway ec2, SsmGateway ssm, Expectations expectations, PollPlan plan,
                 StopSignal stop) {
        this(ec2, ssm, expectations, plan, stop, new SharedPollers(), "");
    }

    /**
     * @param shared  the pollers of the process
     * @param account what tells apart the accounts the process bakes in (endpoint, profile): only
     *                bakes on the same account share a look
     */
    public Waits(Ec2Gateway ec2, SsmGateway ssm, Expectations expectations, PollPlan plan,
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
        SharedPoller<Instance> poller = poller("instances@" + region, ids -> ec2.describeInstances(region, ids));
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

    /** Waits until the instance's SSM agent reports Online. */
    public void agentOnline(String region, String instanceId, Duration timeout) throws JobInterruptedException {
        // Not shared with other bakes: SSM fails the whole call when one of its ids has no agent yet,
        // and the gateway then asks about each alone, so a fleet's merged look cost more (FleetBenchmark).
        SharedPoller<Boolean> poller = ownPoller("agents@" + region, ids -> {
            Set<String> online = ssm.onlineAgents(region, ids);
            Map<String, Boolean> result = new HashMap<>();
            ids.forEach(id -> result.put(id, online.contains(id)));
            return result;
        });
        timed(WaitKind.AGENT_ONLINE, region, false, bracket -> poller.await(instanceId,
                "the SSM agent of " + instanceId + " to come online (does the instance profile allow SSM?)",
                false, () -> expectations.expected(WaitKind.AGENT_ONLINE, region), timeout,
                online -> Boolean.TRUE.equals(online) ? Boolean.TRUE : null, online -> null, bracket));
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
     * Waits until a copy is available in its region. Each look at the region's pending copies
     * also reads their snapshots' progress; once progress moves, the wait aims at the finish
     * time it predicts, else at what earlier copies to this region took. A copy just started is
     * at 0 % now, so its first reading already gives a rate.
     */
    public Image copy(String sourceRegion, String region, String imageId, boolean justStarted, boolean mayBeNew,
                      Duration timeout, IntConsumer onProgress) throws JobInterruptedException {
        long graceEnd = System.nanoTime() + (mayBeNew ? NEW_IMAGE_GRACE.toNanos() : 0);
        Map<String, Progress> progress = shared.copyProgress(region);
        if (justStarted) {
            progress.computeIfAbsent(imageId, k -> new Progress()).record(System.nanoTime(), 0);
        }
        SharedPoller<Image> poller = poller("copies@" + region, ids -> {
            Map<String, Image> images = ec2.describeImages(region, ids);
            Map<String, String> snapshotOf = new HashMap<>();
            images.values().stream().filter(i -> "pending".equals(i.state()) && !i.snapshotIds().isEmpty())
                    .forEach(i -> snapshotOf.put(i.snapshotIds().get(0), i.id()));
            if (!snapshotOf.isEmpty()) {
                long now = System.nanoTime();
                ec2.snapshotProgress(region, snapshotOf.keySet()).forEach((snapshot, percent) ->
                        progress.computeIfAbsent(snapshotOf.get(snapshot), k -> new Progress()).record(now, percent));
            }
            return images;
        });
        long start = System.nanoTime();
        String target = Expectations.copyTarget(sourceRegion, region);
        Expectation history = expectations.expected(WaitKind.COPY_AVAILABLE, target);
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

    /** A command's invocation as last seen, and its instance's state when that was looked at too. */
    private record CommandLook(CommandResult result, String instanceState) {

        boolean instanceDown() {
            return instanceState != null && !"running".equals(instanceState) && !"pending".equals(instanceState);
        }
    }

    /**
     * Waits until a Run Command invocation ends, and returns how it ended. SSM does not fail a
     * command whose instance stopped: it is Delayed (delivery is retried) or, if it was running,
     * never reports until its execution timeout. So once a command is Delayed or overdue, each
     * look also reads its instance's state, and an instance that is not running fails the wait.
     */
    public CommandResult command(String region, String commandId, String instanceId, String key, Duration timeout)
            throws JobInterruptedException {
        // Not shared with other bakes: GetCommandInvocation asks about one command at a time.
        SharedPoller<CommandLook> poller = ownPoller("commands@" + region, ids -> {
            Map<String, CommandResult> results = new HashMap<>();
            ids.forEach(id -> {
                String[] parts = id.split("@", 2);
                results.put(id, ssm.invocation(region, parts[0], parts[1]));
            });
            Map<String, String> toCheck = new HashMap<>();
            results.forEach((id, r) -> {
                if (!r.isDone() && ("Delayed".equals(r.status()) || overdueCommands.contains(id))) {
                    toCheck.put(id, id.split("@", 2)[1]);
                }
            });
            Map<String, Instance> instances = toCheck.isEmpty() ? Map.of()
                    : ec2.describeInstances(region, Set.copyOf(toCheck.values()));
            Map<String, CommandLook> looks = new HashMap<>();
            results.forEach((id, r) -> {
                String instance = toCheck.get(id);
                String state = instance == null ? null
                        : instances.containsKey(instance) ? instances.get(instance).state() : "unknown";
                looks.put(id, new CommandLook(r, state));
            });
            return looks;
        });
        String id = commandId + "@" + instanceId;
        String target = key + "@" + region;
        long start = System.nanoTime();
        try {
            CommandLook look = timed(WaitKind.COMMAND, target, false, bracket -> poller.await(id,
                    "command '" + key + "' on " + instanceId, false, () -> {
                        Expectation expected = expectations.expected(WaitKind.COMMAND, target);
                        if (expected == null || System.nanoTime() - start > expected.duration().toNanos()) {
                            overdueCommands.add(id);
                        }
                        return expected;
                    }, timeout,
                    l -> l != null && (l.result().isDone() || l.instanceDown()) ? Boolean.TRUE : null,
                    l -> l.result().isDone() ? null : "the build instance is " + l.instanceState()
                            + ", so the command (" + l.result().status() + ") cannot finish; was it stopped outside "
                            + "the bake? A resume starts it and sends the command again", bracket));
            return look.result();
        } finally {
            overdueCommands.remove(id);
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
