package io.amibake.engine.read;

import io.amibake.engine.state.StepNames;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.step.FatalStepExecutionException;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/**
 * A step that failed because the job repository's connection was lost under it (its server
 * killed with -9 while the step saved its checkpoint) says so, in the bake's run and read back.
 */
class BakeFailuresTest {

    /** What a bake met when its repository server was killed during a checkpoint (SharedRepositoryIT). */
    private static final CannotCreateTransactionException LOST = new CannotCreateTransactionException(
            "Could not open JDBC Connection for transaction", new SQLTransientConnectionException(
                    "connection exception: connection failure: java.net.SocketException: Broken pipe", "08006"));

    @Test
    void aStepThatLostTheRepositoryConnectionSaysSoAndThatTheBakeIsResumable() {
        // given
        JobExecution job = job();
        StepExecution step = failed(job, "waitForAgent");
        step.addFailureException(LOST);

        // when
        String described = BakeFailures.describe(job);

        // then
        assertThat(described).isEqualTo("waitForAgent: lost the job repository's connection during the step"
                + " (connection exception: connection failure: java.net.SocketException: Broken pipe);"
                + " the bake is resumable from its last saved checkpoint");
    }

    @Test
    void aLostConnectionUnderAFailedRollbackIsFoundToo() {
        // given what Spring Batch throws when the checkpoint's statement and then its rollback fail
        // on the dead server's connection (SharedRepositoryIT, a checkpoint in flight)
        TransactionSystemException rollback = new TransactionSystemException("JDBC rollback failed",
                new SQLException("Connection is closed"));
        rollback.initApplicationException(LOST.getCause());
        JobExecution job = job();
        failed(job, "waitForAgent").addFailureException(
                new FatalStepExecutionException("JobRepository failure forcing rollback", rollback));

        // then
        assertThat(BakeFailures.describe(job)).startsWith("waitForAgent: lost the job repository's connection")
                .contains("Broken pipe");
    }

    @Test
    void aRepositoryThatCouldNotBeStartedAgainSaysWhyNotThePoolsTimeout() {
        // given the pool's timeout around the reason no new server could be started
        SQLTransientConnectionException why = new SQLTransientConnectionException("the job repository server went"
                + " away and could not be started again: the file is held by another program", "08001");
        JobExecution job = job();
        failed(job, "createImage").addFailureException(new CannotCreateTransactionException(
                "Could not open JDBC Connection for transaction", new SQLTransientConnectionException(
                        "amibake-repository - Connection is not available, request timed out after 30000ms", why)));

        // then
        assertThat(BakeFailures.describe(job)).contains("(the job repository server went away and could not be"
                + " started again: the file is held by another program)");
    }

    @Test
    void theSameStepReadBackFromTheRepositorySaysTheSame() {
        // given its exit description, a stack trace, as Spring Batch stores it
        JobExecution job = job();
        StepExecution step = failed(job, "waitForAgent");
        step.setExitStatus(ExitStatus.FAILED.addExitDescription(LOST));

        // then
        assertThat(BakeFailures.describe(job)).startsWith("waitForAgent: lost the job repository's connection")
                .contains("Broken pipe");
    }

    @Test
    void aStoredRepositoryFailureWhoseCausesWereCutOffStillSaysTheBakeIsResumable() {
        // given the first line of the stored trace, the rest cut at the column's length
        JobExecution job = job();
        failed(job, "waitForAgent").setExitStatus(new ExitStatus("FAILED",
                "org.springframework.batch.core.step.FatalStepExecutionException:"
                        + " JobRepository failure forcing rollback"
                        + "\n\tat org.springframework.batch.core.step.tasklet.TaskletStep"));

        // then
        assertThat(BakeFailures.describe(job)).isEqualTo("waitForAgent: the job repository failed while saving the"
                + " step; the bake is resumable from its last saved checkpoint");
    }

    @Test
    void anyOtherFailureKeepsItsOwnMessage() {
        // given
        JobExecution job = job();
        failed(job, "runCommands").addFailureException(new IllegalStateException("command 'deploy' failed"));

        // then
        assertThat(BakeFailures.describe(job)).isEqualTo("runCommands: command 'deploy' failed");
    }

    private static JobExecution job() {
        return new JobExecution(1, new JobInstance(1, StepNames.JOB), new JobParameters());
    }

    private static StepExecution failed(JobExecution job, String name) {
        StepExecution step = new StepExecution(job.getStepExecutions().size() + 1L, name, job);
        step.setStatus(BatchStatus.FAILED);
        job.addStepExecution(step);
        return step;
    }
}
