package io.amibake.engine.job;

import io.amibake.engine.state.BakeState;
import io.amibake.engine.state.RegionState;
import io.amibake.engine.state.TestState;
import io.amibake.recipe.DeployInstances;
import io.amibake.recipe.Recipe;
import java.util.List;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * With {@code test.regions: all}, tests a region's copy in that region once it is available and
 * before anything is shared or published there: the image test's moves on a fresh instance of
 * the copy, always terminated. A failed test fails the region only (its copy is tagged failed);
 * a resume tests it again. The source region's image was tested before distribution.
 * <p>
 * The test instance launches in the subnet the recipe deploys to in that region, if any, else
 * in the region's default VPC, with the VPC's default security group: the build's subnet and
 * groups belong to the source region.
 */
public final class TestCopyStep implements Tasklet {

    static final String NAME = "testCopy";

    private final BakeRun run;
    private final InstanceTests tests;

    TestCopyStep(BakeRun run) {
        this.run = run;
        this.tests = new InstanceTests(run.services(), NAME);
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) throws Exception {
        BakeState bake = run.state(chunk.getStepContext().getStepExecution().getJobExecution());
        RegionState state = RegionState.of(chunk);
        Recipe recipe = bake.recipe();
        String region = state.region();
        if (!recipe.test().testsCopies() || region.equals(bake.sourceRegion())) {
            return RepeatStatus.FINISHED;
        }
        DeployInstances deploy = recipe.deploy().instances();
        String subnet = deploy == null ? null : deploy.subnet(region);
        TestState test = TestState.in(chunk.getStepContext().getStepExecution().getExecutionContext(),
                "region.test.");
        return tests.testImage(bake, test, region, state.imageId(), subnet, List.of());
    }
}
