package io.amibake.bake;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;

/** Says why a run of a bake failed: each failed step or region with its own error. */
public final class BakeFailures {

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

    /** One line per failed step or region, or null when nothing failed. */
    public static String describe(JobExecution execution) {
        List<String> lines = new ArrayList<>();
        List<String> regions = new ArrayList<>();
        execution.getStepExecutions().stream()
                .sorted(Comparator.comparing(StepExecution::getId))
                .filter(step -> step.getStatus() == BatchStatus.FAILED || step.getStatus() == BatchStatus.STOPPED)
                .forEach(step -> {
                    String name = step.getStepName();
                    if (name.equals(BakeJobConfiguration.DISTRIBUTE)) {
                        return;
                    }
                    String why = step.getFailureExceptions().isEmpty() ? firstLine(step.getExitStatus().getExitDescription())
                            : step.getFailureExceptions().get(0).getMessage();
                    if (name.startsWith(BakeJobConfiguration.REGION_PARTITION)) {
                        String region = name.substring(BakeJobConfiguration.REGION_PARTITION.length());
                        regions.add(region);
                        lines.add("region " + region + ": " + why);
                    } else {
                        lines.add(name + ": " + why);
                    }
                });
        if (lines.isEmpty()) {
            List<Throwable> failures = execution.getAllFailureExceptions();
            return failures.isEmpty() ? null : failures.get(failures.size() - 1).getMessage();
        }
        // A bake read back from the repository has no exceptions, only exit descriptions.
        String head = regions.isEmpty() ? "" : "distribution failed in " + regions.size() + " region"
                + (regions.size() == 1 ? "" : "s") + " (" + String.join(", ", regions) + ")\n";
        return head + String.join("\n", lines);
    }
}
