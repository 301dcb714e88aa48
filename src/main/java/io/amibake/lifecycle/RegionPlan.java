package io.amibake.lifecycle;

import java.util.List;

/**
 * Retention's verdicts in one region, newest image first, and the snapshots that an earlier,
 * interrupted prune left without their image.
 */
public record RegionPlan(String region, List<Verdict> verdicts, List<String> leftoverSnapshots) {

    public RegionPlan {
        verdicts = List.copyOf(verdicts);
        leftoverSnapshots = List.copyOf(leftoverSnapshots);
    }

    /** The same verdicts, named as a region of another account: {@code ACCOUNT/REGION}, as a bake's partition. */
    public RegionPlan in(String account) {
        return new RegionPlan(account + "/" + region, verdicts, leftoverSnapshots);
    }

    public List<Verdict> doomed() {
        return verdicts.stream().filter(Verdict::goes).toList();
    }
}
