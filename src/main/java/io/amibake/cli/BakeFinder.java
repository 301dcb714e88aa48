package io.amibake.cli;

import io.amibake.engine.state.BakeParameters;
import io.amibake.engine.api.BakeService;
import java.util.Optional;
import org.springframework.batch.core.job.JobExecution;

/** Finds the bake a person names: by bake id, by execution id, or by recipe (its newest bake). */
final class BakeFinder {

    private BakeFinder() {
    }

    static Optional<JobExecution> find(BakeService runner, String name) {
        if (name.chars().allMatch(Character::isDigit) && !name.isEmpty()) {
            Optional<JobExecution> byId = runner.execution(Long.parseLong(name));
            if (byId.isPresent()) {
                return byId;
            }
        }
        Optional<JobExecution> byBake = runner.latestExecutions(null, 500).stream()
                .filter(e -> name.equals(e.getJobParameters().getString(BakeParameters.BAKE)))
                .findFirst();
        return byBake.isPresent() ? byBake : runner.latestExecutions(name, 1).stream().findFirst();
    }
}
