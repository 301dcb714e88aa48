package io.amibake.engine.job;

import io.amibake.engine.state.BakeState;
import io.amibake.engine.store.CommandOutputs;
import io.amibake.engine.state.TestState;
import io.amibake.cloud.BakeTags;
import io.amibake.recipe.Build;
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
    public static final String TEST_TAG = BakeTags.TEST;
    /** Marks the test instance among the bake's instances. */
    public static final String ROLE_TAG = BakeTags.ROLE;

    private final BakeRun run;
    private final InstanceTests tests;

    public TestImageStep(BakeRun run, CommandOutputs outputs) {
        this.run = run;
        this.tests = new InstanceTests(run.services(), NAME, outputs);
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) throws Exception {
        BakeState bake = run.state(chunk);
        String imageId = bake.imageId();
        if (imageId == null) {
            return RepeatStatus.FINISHED;
        }
        Build build = bake.recipe().build();
        return tests.testImage(bake, TestState.of(chunk), bake.sourceRegion(), imageId,
                build.subnet(), build.securityGroups());
    }

    /** At most 64 ASCII characters (docs/aws.md); the same bake and attempt give the same token. */
    static String clientToken(String bakeId, int attempt) {
        String token = bakeId + "-test-" + attempt;
        return token.length() <= 64 ? token : token.substring(token.length() - 64);
    }
}
