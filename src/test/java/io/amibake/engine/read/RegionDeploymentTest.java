package io.amibake.engine.read;

import io.amibake.engine.state.StepNames;
import io.amibake.engine.state.RegionState;
import io.amibake.engine.state.TestState;
import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeLoader;
import io.amibake.engine.api.RegionDeployment;
import io.amibake.engine.read.RegionDeployments;
import io.amibake.engine.api.RegionDeployment.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.step.StepExecution;

/**
 * What status and the report make of a region's partition at each point of its deploy. In the
 * bake package, so that the partition's state is written by the same code the steps use.
 */
class RegionDeploymentTest {

    private static final String REGION = "eu-west-1";

    private final Recipe recipe = recipe();

    @Test
    void aDeployedRegionNamesItsTestedCopyTemplateVersionAndInstances() {
        // given
        StepExecution partition = partition(BatchStatus.COMPLETED);
        RegionState state = copied(partition);
        TestState.in(partition.getExecutionContext(), "region.test.").passed("ami-copy");
        state.launchTemplateVersion(4);
        launch(partition, 0, "i-new0");
        launch(partition, 1, "i-new1");
        state.deployedInstances(List.of("i-new0", "i-new1"));

        // when
        RegionDeployment d = RegionDeployments.of(recipe, REGION, partition);

        // then
        assertThat(d.test()).isEqualTo("passed");
        assertThat(d.templateSummary()).isEqualTo("web v4");
        assertThat(d.instances().outcome()).isEqualTo(Outcome.DEPLOYED);
        assertThat(d.instancesSummary()).isEqualTo("2/2 i-new0, i-new1");
    }

    @Test
    void aRegionWhereALaterBakesInstancesServeSaysSo() {
        // given a deploy that found a later bake's instances and launched none
        StepExecution partition = partition(BatchStatus.COMPLETED);
        RegionState state = copied(partition);
        state.launchTemplateVersion(7);
        state.deployedInstances(List.of("i-later0", "i-later1"));

        // when
        RegionDeployment d = RegionDeployments.of(recipe, REGION, partition);

        // then
        assertThat(d.instances().outcome()).isEqualTo(Outcome.LATER_BAKE);
        assertThat(d.instancesSummary()).isEqualTo("a later bake's: i-later0, i-later1");
    }

    @Test
    void aRegionDeployingShowsTheInstancesLaunchedSoFar() {
        // given
        StepExecution partition = partition(BatchStatus.STARTED);
        RegionState state = copied(partition);
        TestState.in(partition.getExecutionContext(), "region.test.").passed("ami-copy");
        state.launchTemplateVersion(2);
        launch(partition, 0, "i-new0");

        // when
        RegionDeployment d = RegionDeployments.of(recipe, REGION, partition);

        // then
        assertThat(d.instances().outcome()).isEqualTo(Outcome.DEPLOYING);
        assertThat(d.instancesSummary()).isEqualTo("1/2 deploying i-new0");
    }

    @Test
    void aRegionThatFailedInItsCopyTestKeepsItsTemplateAndOldInstances() {
        // given a copy whose test failed: its test instance was launched, then discarded
        StepExecution partition = partition(BatchStatus.FAILED);
        copied(partition);
        TestState.in(partition.getExecutionContext(), "region.test.").instanceId("i-test");

        // when
        RegionDeployment d = RegionDeployments.of(recipe, REGION, partition);

        // then
        assertThat(d.test()).isEqualTo("failed");
        assertThat(d.templateSummary()).isEqualTo("web unchanged");
        assertThat(d.instances().outcome()).isEqualTo(Outcome.OLD_KEPT);
        assertThat(d.instancesSummary()).isEqualTo("0/2, the old ones kept");
    }

    @Test
    void aRegionWhoseNewInstancesFailedShowsItsNewTemplateVersionAndKeepsItsOldInstances() {
        // given a tested copy, the template moved to it, and the new instances discarded after a failed test
        StepExecution partition = partition(BatchStatus.FAILED);
        RegionState state = copied(partition);
        TestState.in(partition.getExecutionContext(), "region.test.").passed("ami-copy");
        state.launchTemplateVersion(5);
        launch(partition, 0, "i-new0");
        TestState.in(partition.getExecutionContext(), "region.deploy.0.").forget();

        // when
        RegionDeployment d = RegionDeployments.of(recipe, REGION, partition);

        // then
        assertThat(d.test()).isEqualTo("passed");
        assertThat(d.templateSummary()).isEqualTo("web v5");
        assertThat(d.instancesSummary()).isEqualTo("0/2, the old ones kept");
    }

    @Test
    void aRegionNotStartedIsPendingAndTheSourceRegionsImageIsNotTestedThere() {
        // when
        RegionDeployment notStarted = RegionDeployments.of(recipe, REGION, null);
        RegionDeployment source = RegionDeployments.of(recipe, "us-east-1", null);

        // then
        assertThat(notStarted.test()).isEqualTo("pending");
        assertThat(notStarted.templateSummary()).isEqualTo("web pending");
        assertThat(notStarted.instancesSummary()).isEqualTo("0/2 pending");
        assertThat(source.test()).isNull();
    }

    @Test
    void aRecipeThatNeitherTestsCopiesNorDeploysShowsNothing() throws Exception {
        // given
        String yaml = Files.readString(Path.of("recipes/httpd.yaml"));
        Recipe plain = RecipeLoader.parse(yaml.substring(0, yaml.indexOf("\ndeploy:")), "plain.yaml", Map.of());

        // then
        assertThat(RegionDeployments.of(plain, REGION, partition(BatchStatus.COMPLETED))).isNull();
    }

    private static Recipe recipe() {
        try {
            String yaml = Files.readString(Path.of("recipes/httpd.yaml"))
                    .replace("test:\n  steps:", "test:\n  regions: all\n  steps:")
                    .replace("launchTemplate: httpd-web", "launchTemplate: web")
                    .replace("count: 1", "count: 2");
            return RecipeLoader.parse(yaml, "web.yaml", Map.of());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static StepExecution partition(BatchStatus status) {
        JobExecution job = new JobExecution(1, new JobInstance(1, StepNames.JOB),
                new JobParametersBuilder().toJobParameters());
        StepExecution partition = new StepExecution(2, StepNames.REGION_PARTITION + REGION, job);
        partition.setStatus(status);
        return partition;
    }

    /** The region's copy, available. */
    private static RegionState copied(StepExecution partition) {
        RegionState state = RegionState.of(partition);
        state.imageId("ami-copy");
        state.snapshotIds(List.of("snap-copy"));
        return state;
    }

    private static void launch(StepExecution partition, int slot, String id) {
        TestState.in(partition.getExecutionContext(), "region.deploy." + slot + ".").instanceId(id);
    }
}
