package io.amibake.engine.state;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.step.StepExecution;

class RegionStateTest {

    @Test
    void aPartitionWhoseContextWasNeverSavedStillKnowsItsRegion() {
        // given a partition a killed run created without saving its context, as a resume finds it
        JobExecution job = new JobExecution(1, new JobInstance(1, StepNames.JOB),
                new JobParametersBuilder().toJobParameters());
        StepExecution partition = new StepExecution(2, StepNames.REGION_PARTITION + "eu-west-1", job);

        // when
        RegionState state = RegionState.of(partition);

        // then
        assertThat(state.region()).isEqualTo("eu-west-1");
    }
}
