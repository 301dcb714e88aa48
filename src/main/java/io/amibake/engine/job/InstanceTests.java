package io.amibake.engine.job;

import io.amibake.cloud.BakeTags;
import io.amibake.engine.api.CommandOutput;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.store.CommandOutputs;
import io.amibake.engine.state.TestState;
import io.amibake.cloud.CloudException;
import io.amibake.cloud.CommandResult;
import io.amibake.cloud.Instance;
import io.amibake.cloud.LaunchRequest;
import io.amibake.engine.wait.WaitKind;
import io.amibake.recipe.Build;
import io.amibake.recipe.CommandPlan;
import io.amibake.recipe.RemoteCommand;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Runs a recipe's tests on an instance through SSM, one checkpoint per command, in a
 * {@link TestState}. The image test (source region), each copy's test ({@code test.regions: all})
 * and each deployed instance use it; every move is one call, so a resume continues where the
 * last checkpoint left it.
 */
final class InstanceTests {

    private static final Duration VERDICT_SLACK = Duration.ofMinutes(5);

    private final BakeServices services;
    private final String step;
    /** Instances launched by this step execution: nothing has happened to them that a look would tell. */
    private final java.util.Set<String> launchedHere = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Where the tests' output is kept, for {@code logs} and the report; null where it is not kept. */
    private final CommandOutputs outputs;

    InstanceTests(BakeServices services, String step) {
        this(services, step, null);
    }

    InstanceTests(BakeServices services, String step, CommandOutputs outputs) {
        this.services = services;
        this.step = step;
        this.outputs = outputs;
    }

    /**
     * One move of a throwaway test of {@code imageId} in {@code region}: launch a test instance,
     * wait for it, run the next test, and once every test passed tag the image, terminate the
     * instance and return FINISHED. A failure terminates the instance; a failed test also tags the
     * image as failed.
     */
    RepeatStatus testImage(BakeState bake, TestState test, String region, String imageId, String subnet,
                           List<String> securityGroups) throws Exception {
        List<RemoteCommand> tests = CommandPlan.tests(bake.recipe());
        if (tests.isEmpty() || imageId.equals(test.passedImage())) {
            return RepeatStatus.FINISHED;
        }
        String id = test.instanceId();
        if (id == null) {
            Map<String, String> tags = BakeTags.forInstance(bake.recipeName(), bake.bakeId(), bake.firstExecution());
            tags.put("Name", "amibake test: " + bake.recipeName());
            tags.put(TestImageStep.ROLE_TAG, "test");
            Instance instance = launch(bake, region, imageId, bake.recipe().build().instanceType(), subnet,
                    securityGroups, tags, TestImageStep.clientToken(bake.bakeId(), test.attempt()));
            test.instanceId(instance.id());
            services.events().note(step, where(region) + "launched test instance " + instance.id() + " from " + imageId);
            return RepeatStatus.CONTINUABLE;
        }
        try {
            if (!ready(test, bake.executionId(), region, id, "test instance")) {
                return RepeatStatus.CONTINUABLE;
            }
            if (runNext(bake, test, region, id, tests) == RepeatStatus.CONTINUABLE) {
                return RepeatStatus.CONTINUABLE;
            }
        } catch (CommandFailedException failed) {
            terminate(region, test);
            services.ec2().tag(region, imageId, Map.of(TestImageStep.TEST_TAG, "failed"));
            services.events().note(step, where(region) + "image " + imageId + " failed its test; it is kept, tagged "
                    + TestImageStep.TEST_TAG + "=failed, and " + (where(region).isEmpty()
                    ? "neither copied nor published" : "not published in " + region));
            throw failed;
        } catch (Exception e) {
            terminate(region, test);
            throw e;
        }
        services.ec2().tag(region, imageId, Map.of(TestImageStep.TEST_TAG, "passed"));
        terminate(region, test);
        test.passed(imageId);
        services.events().note(step, where(region) + "image " + imageId + " passed its " + tests.size() + " tests");
        return RepeatStatus.FINISHED;
    }

    /** Launches one instance of the image with the build instance's posture: IMDSv2, no key, encrypted. */
    Instance launch(BakeState bake, String region, String imageId, String instanceType, String subnet,
                    List<String> securityGroups, Map<String, String> tags, String clientToken) {
        Build build = bake.recipe().build();
        Instance launched = services.ec2().launch(region, new LaunchRequest(imageId, bake.sourceRootDevice(),
                instanceType, subnet, securityGroups, build.instanceProfile(), build.volumeSize(), tags, clientToken));
        launchedHere.add(launched.id());
        return launched;
    }

    /**
     * Waits until the instance runs and its agent is online, once per instance (a resume looks
     * again, since the instance may have gone meanwhile); false when it is gone and must be replaced.
     * An instance this object launched is only waited on through its agent, whose wait reads the
     * instance once it is overdue.
     */
    boolean ready(TestState test, long execution, String region, String id, String what) throws Exception {
        if (test.ready(execution)) {
            return true;
        }
        if (launchedHere.contains(id)) {
            services.waits().agentOnline(region, id, services.settings().agentTimeout());
            test.markReady(execution);
            return true;
        }
        Instance instance = services.ec2().describeInstances(region, List.of(id)).get(id);
        if (instance != null && instance.isGone()) {
            services.events().note(step, where(region) + what + " " + id + " is gone; launching a new one");
            test.instanceId(null);
            test.nextAttempt();
            return false;
        }
        services.waits().instance(region, id, WaitKind.INSTANCE_RUNNING, i -> i != null && i.isRunning(), true,
                services.settings().instanceTimeout());
        services.waits().agentOnline(region, id, services.settings().agentTimeout());
        test.markReady(execution);
        return true;
    }

    /**
     * Sends the next test, or waits for the one sent; FINISHED once every test passed.
     *
     * @throws CommandFailedException when a test fails
     */
    RepeatStatus runNext(BakeState bake, TestState test, String region, String id, List<RemoteCommand> tests)
            throws Exception {
        String pending = test.pending();
        if (pending != null) {
            RunCommandsStep.Pending p = RunCommandsStep.Pending.parse(pending);
            Optional<RemoteCommand> command = tests.stream().filter(c -> c.key().equals(p.key())).findFirst();
            if (command.isPresent()) {
                CommandResult result = services.waits().command(region, p.commandId(), id, p.key(),
                        command.get().timeout().plus(VERDICT_SLACK));
                if (outputs != null) {
                    outputs.save(new CommandOutput(bake.bakeId(), bake.executionId(), step, p.key(),
                            command.get().name(), p.commandId(), id, result.status(), result.responseCode(),
                            services.clock().instant(), result.stdout(), result.stderr()));
                }
                if (!result.isSuccess()) {
                    test.pending(null);
                    throw new CommandFailedException(step, command.get().name(), result.status(),
                            result.responseCode(), result.stdout(), result.stderr());
                }
                test.done(p.key());
                services.events().note(step, where(region) + "test '" + command.get().name() + "' passed on " + id);
                // The next test goes in the same move: a resume that sends it again only repeats a check.
            } else {
                test.pending(null);
            }
        }
        List<String> done = test.done();
        Optional<RemoteCommand> next = tests.stream().filter(c -> !done.contains(c.key())).findFirst();
        if (next.isEmpty()) {
            return RepeatStatus.FINISHED;
        }
        RemoteCommand command = next.get();
        String commandId = services.ssm().sendShell(region, id, command.lines(), command.timeout(),
                "amibake " + bake.bakeId() + " " + command.key());
        services.waits().sent(region, commandId);
        test.pending(new RunCommandsStep.Pending(command.key(), commandId, bake.executionId()).toString());
        services.events().note(step, where(region) + "sent test '" + command.name() + "' to " + id + " as " + commandId);
        return RepeatStatus.CONTINUABLE;
    }

    /** Terminates the state's instance and waits until it is: a test instance never outlives its test. */
    void terminate(String region, TestState test) throws Exception {
        String id = test.instanceId();
        if (id == null) {
            return;
        }
        terminate(region, id);
        services.waits().instanceWhileStopping(region, id, i -> i == null || "terminated".equals(i.state()),
                services.settings().instanceTimeout());
        test.instanceId(null);
        test.nextAttempt();
        services.events().note(step, where(region) + "terminated test instance " + id);
    }

    /** Asks EC2 to terminate the instance; one already gone is fine. */
    void terminate(String region, String id) {
        try {
            services.ec2().terminate(region, id);
        } catch (CloudException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
    }

    /** The source region's messages keep their old form; other regions say which region they are about. */
    private String where(String region) {
        return step.equals(TestImageStep.NAME) ? "" : region + ": ";
    }
}
