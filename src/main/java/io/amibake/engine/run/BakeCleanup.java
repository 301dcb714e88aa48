package io.amibake.engine.run;

import io.amibake.cloud.AwsClients;
import io.amibake.cloud.BakeTags;
import io.amibake.cloud.CloudException;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.Image;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.cloud.Tagged;
import io.amibake.engine.api.BakeStatus;
import io.amibake.engine.api.Protections;
import io.amibake.engine.api.RegionUse;
import io.amibake.recipe.Recipe;
import java.time.Clock;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Removes what an abandoned bake made, found by its {@code amibake:bake} tag rather than by
 * remembered ids, so that resources made by a run that crashed before its checkpoint are found
 * too. What {@link Protections} keeps stays, and is reported with the reason: instances that
 * passed their deploy test, images in use or protected, and whatever a region that completed
 * published.
 */
public final class BakeCleanup {

    private final Ec2Gateway ec2;
    private final SsmGateway ssm;
    private final LaunchTemplates templates;
    private final Clock clock;
    private final Consumer<String> report;

    public BakeCleanup(AwsClients clients, Clock clock, Consumer<String> report) {
        this.ec2 = new Ec2Gateway(clients);
        this.ssm = new SsmGateway(clients);
        this.templates = new LaunchTemplates(clients);
        this.clock = clock;
        this.report = report;
    }

    /** Terminates the bake's build, test and untested deploy instances in every region it reaches. */
    public void terminateInstances(Recipe recipe, String bakeId) {
        for (String region : regions(recipe)) {
            for (Tagged instance : ec2.findInstances(region, Map.of(BakeTags.BAKE, bakeId))) {
                if ("terminated".equals(instance.state()) || "shutting-down".equals(instance.state())) {
                    continue;
                }
                Optional<Protections.Why> kept = Protections.leftoverInstance(instance.tags(), BakeStatus.ABANDONED,
                        clock.instant());
                if (kept.isPresent()) {
                    report.accept("kept " + instance.id() + " in " + region + ": " + kept.get());
                } else {
                    ec2.terminate(region, instance.id());
                    report.accept("terminated " + instance.id() + " in " + region);
                }
            }
        }
    }

    /**
     * Deregisters the bake's images in every region it could reach and deletes their snapshots,
     * then any snapshot of the bake left without an image (a copy or an image that failed while
     * its process died). Images that {@link Protections} keeps stay, with their snapshots.
     */
    public void deleteImages(Recipe recipe, String bakeId) {
        for (String region : regions(recipe)) {
            List<Image> images = ec2.findOwnImagesByTag(region, BakeTags.BAKE, bakeId);
            RegionUse use = images.isEmpty() ? null : RegionUse.read(ec2, ssm, templates, region,
                    ec2.findOwnImagesByTag(region, BakeTags.RECIPE, recipe.name()), List.of());
            Set<String> keptSnapshots = new HashSet<>();
            for (Image image : images) {
                Optional<Protections.Why> kept = Protections.leftoverImage(image, BakeStatus.ABANDONED, use,
                        clock.instant());
                if (kept.isPresent()) {
                    keptSnapshots.addAll(image.snapshotIds());
                    report.accept("kept " + image.id() + " in " + region + ": " + kept.get());
                    continue;
                }
                List<String> deleted = ec2.deregisterWithSnapshots(region, image.id());
                report.accept("deregistered " + image.id() + " in " + region + ", deleted snapshots " + deleted);
            }
            for (String snapshot : ec2.findOwnSnapshotsByTag(region, BakeTags.BAKE, bakeId)) {
                if (keptSnapshots.contains(snapshot)) {
                    continue;
                }
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
