package io.amibake.bake;

import io.amibake.aws.CloudException;
import io.amibake.aws.CommandResult;
import io.amibake.aws.Instance;
import io.amibake.aws.LaunchRequest;
import io.amibake.bake.wait.WaitKind;
import io.amibake.recipe.Build;
import io.amibake.recipe.CommandPlan;
import io.amibake.recipe.RemoteCommand;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Tests the new image before any copy: launches a fresh instance from it (the build instance's
 * security posture: IMDSv2, no key, no inbound rule, encrypted root, the bake's tags, a client
 * token), runs the recipe's tests on it through SSM one checkpoint each, and terminates it
 * whatever the outcome. A failed test tags the image as failed and fails the bake, so nothing is
 * copied or published; a resume launches a new test instance and runs the tests again.
 */
public final class TestImageStep implements Tasklet {

    static final String NAME = "testImage";
    /** The image's tag that says how its test went: {@code passed} or {@code failed}. */
    public static final String TEST_TAG = "amibake:test";
    /** Marks the test instance among the bake's instances. */
    public static final String ROLE_TAG = "amibake:role";

    private static final Duration VERDICT_SLACK = Duration.ofMinutes(5);

    private final BakeServices services;

    public TestImageStep(BakeServices services) {
        this.services = services;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) throws Exception {
        BakeState bake = BakeState.of(chunk);
        TestState test = TestState.of(chunk);
        String imageId = bake.imageId();
        List<RemoteCommand> tests = CommandPlan.tests(bake.recipe());
        if (imageId == null || tests.isEmpty() || imageId.equals(test.passedImage())) {
            return RepeatStatus.FINISHED;
        }
        String region = bake.sourceRegion();
        String id = test.instanceId();
        if (id == null) {
            launch(bake, test, region, imageId);
            return RepeatStatus.CONTINUABLE;
        }
        try {
            if (!ready(bake, test, region, id)) {
                return RepeatStatus.CONTINUABLE;
            }
            return runNext(bake, test, region, id, imageId, tests);
        } catch (CommandFailedException failed) {
            terminate(region, test);
            services.ec2().tag(region, imageId, Map.of(TEST_TAG, "failed"));
            services.events().note(NAME, "image " + imageId + " failed its test; it is kept, tagged "
                    + TEST_TAG + "=failed, and neither copied nor published");
            throw failed;
        } catch (Exception e) {
            terminate(region, test);
            throw e;
        }
    }

    /** Waits until the test instance runs and its agent is online; false when it had to be replaced. */
    private boolean ready(BakeState bake, TestState test, String region, String id) throws Exception {
        Instance instance = services.ec2().describeInstances(region, List.of(id)).get(id);
        if (instance != null && instance.isGone()) {
            services.events().note(NAME, "test instance " + id + " is gone; launching a new one");
            test.instanceId(null);
            test.nextAttempt();
            return false;
        }
        services.waits().instance(region, id, WaitKind.INSTANCE_RUNNING, i -> i != null && i.isRunning(), true,
                services.settings().instanceTimeout());
        services.waits().agentOnline(region, id, services.settings().agentTimeout());
        return true;
    }

    private RepeatStatus runNext(BakeState bake, TestState test, String region, String id, String imageId,
                                 List<RemoteCommand> tests) throws Exception {
        String pending = test.pending();
        if (pending != null) {
            RunCommandsStep.Pending p = RunCommandsStep.Pending.parse(pending);
            Optional<RemoteCommand> command = tests.stream().filter(c -> c.key().equals(p.key())).findFirst();
            if (command.isPresent()) {
                CommandResult result = services.waits().command(region, p.commandId(), id, p.key(),
                        command.get().timeout().plus(VERDICT_SLACK));
                if (!result.isSuccess()) {
                    test.pending(null);
                    throw new CommandFailedException(NAME, command.get().name(), result.status(),
                            result.responseCode(), result.stdout(), result.stderr());
                }
                test.done(p.key());
                services.events().note(NAME, "test '" + command.get().name() + "' passed");
                return RepeatStatus.CONTINUABLE;
            }
            test.pending(null);
        }
        List<String> done = test.done();
        Optional<RemoteCommand> next = tests.stream().filter(c -> !done.contains(c.key())).findFirst();
        if (next.isPresent()) {
            RemoteCommand command = next.get();
            String commandId = services.ssm().sendShell(region, id, command.lines(), command.timeout(),
                    "amibake " + bake.bakeId() + " " + command.key());
            test.pending(new RunCommandsStep.Pending(command.key(), commandId, bake.executionId()).toString());
            services.events().note(NAME, "sent test '" + command.name() + "' as " + commandId);
            return RepeatStatus.CONTINUABLE;
        }
        services.ec2().tag(region, imageId, Map.of(TEST_TAG, "passed"));
        terminate(region, test);
        test.passed(imageId);
        services.events().note(NAME, "image " + imageId + " passed its " + tests.size() + " tests");
        return RepeatStatus.FINISHED;
    }

    private void launch(BakeState bake, TestState test, String region, String imageId) {
        Build build = bake.recipe().build();
        Map<String, String> tags = BakeTags.forInstance(bake.recipeName(), bake.bakeId(), bake.firstExecution());
        tags.put("Name", "amibake test: " + bake.recipeName());
        tags.put(ROLE_TAG, "test");
        var request = new LaunchRequest(imageId, bake.sourceRootDevice(), build.instanceType(), build.subnet(),
                build.securityGroups(), build.instanceProfile(), build.volumeSize(), tags,
                clientToken(bake.bakeId(), test.attempt()));
        Instance instance = services.ec2().launch(region, request);
        test.instanceId(instance.id());
        services.events().note(NAME, "launched test instance " + instance.id() + " from " + imageId);
    }

    /** Terminates the test instance and waits until it is: a test instance never outlives its test. */
    private void terminate(String region, TestState test) throws Exception {
        String id = test.instanceId();
        if (id == null) {
            return;
        }
        try {
            services.ec2().terminate(region, id);
        } catch (CloudException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
        services.waits().instanceWhileStopping(region, id, i -> i == null || "terminated".equals(i.state()),
                services.settings().instanceTimeout());
        test.instanceId(null);
        test.nextAttempt();
        services.events().note(NAME, "terminated test instance " + id);
    }

    /** At most 64 ASCII characters (aws-facts.md); the same bake and attempt give the same token. */
    static String clientToken(String bakeId, int attempt) {
        String token = bakeId + "-test-" + attempt;
        return token.length() <= 64 ? token : token.substring(token.length() - 64);
    }
}
