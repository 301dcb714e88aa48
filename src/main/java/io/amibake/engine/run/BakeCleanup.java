package io.amibake.engine.run;

import io.amibake.cloud.BakeTags;
import io.amibake.cloud.CloudException;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.Image;
import io.amibake.cloud.Instance;
import io.amibake.recipe.Recipe;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Removes what a bake made, found by its {@code amibake:bake} tag rather than by remembered ids,
 * so that resources made by a run that crashed before its checkpoint are found too.
 */
public final class BakeCleanup {

    private final Ec2Gateway ec2;
    private final Consumer<String> report;

    public BakeCleanup(Ec2Gateway ec2, Consumer<String> report) {
        this.ec2 = ec2;
        this.report = report;
    }

    /** Terminates every build instance of the bake. */
    public void terminateInstances(Recipe recipe, String bakeId) {
        String region = recipe.source().region();
        for (Instance instance : ec2.findInstancesByTag(region, BakeTags.BAKE, bakeId)) {
            if (!instance.isGone()) {
                ec2.terminate(region, instance.id());
                report.accept("terminated " + instance.id() + " in " + region);
            }
        }
    }

    /**
     * Deregisters every image of the bake in every region it could reach and deletes their
     * snapshots, then any snapshot of the bake left without an image (a copy or an image that
     * failed while its process died).
     */
    public void deleteImages(Recipe recipe, String bakeId) {
        for (String region : regions(recipe)) {
            for (Image image : ec2.findOwnImagesByTag(region, BakeTags.BAKE, bakeId)) {
                List<String> deleted = ec2.deregisterWithSnapshots(region, image.id());
                report.accept("deregistered " + image.id() + " in " + region + ", deleted snapshots " + deleted);
            }
            for (String snapshot : ec2.findOwnSnapshotsByTag(region, BakeTags.BAKE, bakeId)) {
                try {
                    ec2.deleteSnapshot(region, snapshot);
                    report.accept("deleted orphaned snapshot " + snapshot + " in " + region);
                } catch (CloudException e) {
                    if (!e.isNotFound()) {
                        throw e;
                    }
                }
            }
        }
    }

    static Set<String> regions(Recipe recipe) {
        Set<String> regions = new LinkedHashSet<>();
        regions.add(recipe.source().region());
        regions.addAll(recipe.regions().targets());
        return regions;
    }
}
