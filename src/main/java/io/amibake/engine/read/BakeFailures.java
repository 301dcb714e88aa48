package io.amibake.engine.read;

import io.amibake.engine.state.StepNames;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.FatalStepExecutionException;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.transaction.TransactionSystemException;

/** Says why a run of a bake failed: each failed step or region with its own error. */
public final class BakeFailures {

    /** SQL states of class 08: a connection that could not be made or was lost. */
    private static final String CONNECTION_EXCEPTION = "08";
    private static final Pattern LOST_IN_TRACE = Pattern.compile(
            "^(?:Caused by: )?java\\.sql\\.SQL(?:Non)?TransientConnectionException: (.*)$");

    /** Thrown by Spring Batch only when the job repository fails inside a step's chunk. */
    private static final String REPOSITORY_FAILED = FatalStepExecutionException.class.getName() + ": ";

    private BakeFailures() {
    }

    /** The message of a stored exit description: its first line, without the exception's class. */
    private static String firstLine(String description) {
        if (description == null || description.isBlank()) {
            return "(no description)";
        }
        String line = description.lines().findFirst().orElse("");
        int colon = line.indexOf(": ");
        return colon > 0 && line.substring(0, colon).matches("[\\w.$]+(Exception|Error)") ? line.substring(colon + 2) : line;
    }

    /**
     * An exception's message, or, when the job repository's connection was lost under it (its
     * server killed, the database gone), a line that says so: Spring's own message there
     * ("Could not open JDBC Connection for transaction") names neither the repository nor the way on.
     */
    public static String why(Throwable failure) {
        SQLException lost = connectionLost(failure);
        return lost != null ? lostRepository(lost.getMessage()) : failure.getMessage();
    }

    /**
     * The innermost connection exception among the causes, if any: the pool's timeout wraps why
     * no connection could be made. A failed statement's rollback fails too on a dead connection,
     * and Spring then throws the rollback's failure with the statement's as its application
     * exception, not as its cause.
     */
    private static SQLException connectionLost(Throwable failure) {
        SQLException innermost = null;
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof TransactionSystemException rollback && rollback.getApplicationException() != null) {
                SQLException lost = connectionLost(rollback.getApplicationException());
                if (lost != null) {
                    return lost;
                }
            }
            if (cause instanceof SQLException sql && (sql instanceof SQLTransientConnectionException
                    || sql instanceof SQLNonTransientConnectionException
                    || sql.getSQLState() != null && sql.getSQLState().startsWith(CONNECTION_EXCEPTION))) {
                innermost = sql;
            }
        }
        return innermost;
    }

    /**
     * The same for a description read back from the repository: the failure's stack trace, cut
     * at the column's length, so a lost connection may show only as Spring Batch's own exception
     * for a repository that failed under a step.
     */
    private static String stored(String description) {
        if (description != null) {
            for (String line : description.lines().toList()) {
                var lost = LOST_IN_TRACE.matcher(line);
                if (lost.find()) {
                    return lostRepository(lost.group(1));
                }
            }
            if (description.startsWith(REPOSITORY_FAILED)) {
                return "the job repository failed while saving the step; the bake is resumable from its last"
                        + " saved checkpoint";
            }
        }
        return firstLine(description);
    }

    private static String lostRepository(String detail) {
        return "lost the job repository's connection during the step (" + detail
                + "); the bake is resumable from its last saved checkpoint";
    }

    /** One line per failed step or region, or null when nothing failed. */
    public static String describe(JobExecution execution) {
        List<String> lines = new ArrayList<>();
        List<String> regions = new ArrayList<>();
        execution.getStepExecutions().stream()
                .sorted(Comparator.comparing(StepExecution::getId))
                .filter(step -> step.getStatus() == BatchStatus.FAILED || step.getStatus() == BatchStatus.STOPPED)
                .forEach(step -> {
                    String name = step.getStepName();
                    if (name.equals(StepNames.DISTRIBUTE)) {
                        return;
                    }
                    String why = step.getFailureExceptions().isEmpty() ? stored(step.getExitStatus().getExitDescription())
                            : why(step.getFailureExceptions().get(0));
                    if (name.startsWith(StepNames.REGION_PARTITION)) {
                        String region = name.substring(StepNames.REGION_PARTITION.length());
                        regions.add(region);
                        lines.add("region " + region + ": " + why);
                    } else {
                        lines.add(name + ": " + why);
                    }
                });
        if (lines.isEmpty()) {
            List<Throwable> failures = execution.getAllFailureExceptions();
            return failures.isEmpty() ? null : why(failures.get(failures.size() - 1));
        }
        // A bake read back from the repository has no exceptions, only exit descriptions.
        String head = regions.isEmpty() ? "" : "distribution failed in " + regions.size() + " region"
                + (regions.size() == 1 ? "" : "s") + " (" + String.join(", ", regions) + ")\n";
        return head + String.join("\n", lines);
    }
}
