package io.amibake.engine.job;

import io.amibake.engine.state.StepNames;
import io.amibake.engine.state.BakeParameters;
import io.amibake.engine.state.BakeState;
import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.engine.wait.StopSignal;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeLoader;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.scope.context.StepContext;
import org.springframework.batch.core.step.StepExecution;

class BakeRunTest {

    private static final String RECIPE = """
            name: once
            os: al2023
            source:
              region: us-east-1
              ami: ami-0123456789abcdef0
            build:
              instanceType: t3.micro
            image:
              name: "once-{{var.n}}"
            variables:
              n: "1"
            regions:
              targets: [eu-west-1, eu-central-1]
            """;

    @Test
    void everyStepAndPartitionOfARunReadTheRecipeTheRunParsedOnce() throws Exception {
        // given a bake whose recipe is stored with it, and its run, which parsed it as it began
        JobExecution job = new JobExecution(1, new JobInstance(1, StepNames.JOB),
                new JobParametersBuilder().addString(BakeParameters.BAKE, "once-1").toJobParameters());
        BakeState.of(job).recipe(RECIPE, "once.yaml", Map.of());
        Recipe parsed = RecipeLoader.parse(RECIPE, "once.yaml", Map.of());
        BakeRun run = new BakeRun("once-1", "once", parsed, null, null, Path.of("once.json"), new StopSignal(), null);

        // when two steps, a region's partition and the job's listener read it
        var steps = Stream.of(step(job, "launchInstance"), step(job, "createImage"),
                step(job, StepNames.REGION_PARTITION + "eu-west-1")).map(run::state);

        // then each reads the run's recipe rather than parsing the stored text again
        assertThat(steps).allSatisfy(state -> assertThat(state.recipe()).isSameAs(parsed));
        assertThat(run.state(job).recipe()).isSameAs(parsed);
        // while a command outside the run still reads what the bake stored
        assertThat(BakeState.of(job).recipe()).isNotSameAs(parsed).isEqualTo(parsed);
    }

    private static ChunkContext step(JobExecution job, String name) {
        return new ChunkContext(new StepContext(new StepExecution(job.getId() + 1, name, job)));
    }
}
