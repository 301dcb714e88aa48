package io.amibake.lifecycle;

import io.amibake.cloud.CloudException;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.Image;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.cloud.BakeTags;
import io.amibake.recipe.Durations;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.Retention;
import io.amibake.recipe.Templates;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Applies a recipe's retention in every region its images reach. Only images that carry both
 * amibake's bake tag and the recipe's tag are candidates; of those, an image stays when it is
 * among the newest, published by the recipe's SSM parameter, used by an instance or named by a
 * launch template version, protected
 * from deregistration, or younger than the maximum age.
 * <p>
 * Safe to kill: before an image is deregistered its snapshots are tagged
 * {@value #PRUNED}, so a rerun deletes the snapshots that a killed run left behind, and
 * nothing else. Images are found by tags, never by the job repository.
 */
public final class Pruner {

    /** Marks the snapshots of an image that prune deregisters; the value is the recipe's name. */
    public static final String PRUNED = "amibake:pruned";

    private final Ec2Gateway ec2;
    private final SsmGateway ssm;
    private final LaunchTemplates templates;
    private final Clock clock;

    public Pruner(Ec2Gateway ec2, SsmGateway ssm, LaunchTemplates templates, Clock clock) {
        this.ec2 = ec2;
        this.ssm = ssm;
        this.templates = templates;
        this.clock = clock;
    }

    /** What retention would remove in each of the recipe's regions; nothing is changed. */
    public List<RegionPlan> plan(Recipe recipe) {
        List<RegionPlan> plans = new ArrayList<>();
        for (String region : recipe.imageRegions()) {
            plans.add(plan(recipe, region));
        }
        return plans;
    }

    /**
     * Removes what retention allows, region by region, and returns what it decided. A recipe
     * without retention keeps every image, though leftovers of a killed prune still go.
     */
    public List<RegionPlan> prune(Recipe recipe, Consumer<String> report) {
        List<RegionPlan> plans = plan(recipe);
        for (RegionPlan plan : plans) {
            for (Verdict verdict : plan.doomed()) {
                remove(plan.region(), recipe.name(), verdict.image(), report);
            }
            for (String snapshot : plan.leftoverSnapshots()) {
                deleteSnapshot(plan.region(), snapshot);
                report.accept("deleted snapshot " + snapshot + " in " + plan.region()
                        + ", left by an interrupted prune");
            }
        }
        return plans;
    }

    RegionPlan plan(Recipe recipe, String region) {
        List<Image> images = ec2.findOwnImagesByTag(region, BakeTags.RECIPE, recipe.name()).stream()
                .filter(i -> i.tags().containsKey(BakeTags.BAKE) && !"deregistered".equals(i.state()))
                .sorted(Comparator.comparing((Image i) -> i.creationDate() == null ? "" : i.creationDate())
                        .thenComparing(Image::name).reversed())
                .toList();
        Set<String> referenced = new HashSet<>();
        images.forEach(i -> referenced.addAll(i.snapshotIds()));
        List<String> leftovers = ec2.findOwnSnapshotsByTag(region, PRUNED, recipe.name()).stream()
                .filter(s -> !referenced.contains(s)).toList();
        Retention retention = recipe.image().retention();
        if (retention == null) {
            return new RegionPlan(region, images.stream()
                    .map(i -> new Verdict(i, false, "the recipe has no retention")).toList(), leftovers);
        }
        String published = published(recipe, region);
        Map<String, List<String>> inUse = new HashMap<>(ec2.instancesUsing(region,
                images.stream().map(Image::id).toList()));
        templates.imagesInUse(region).forEach((image, versions) ->
                inUse.merge(image, versions, (a, b) -> Stream.concat(a.stream(), b.stream()).toList()));
        Instant now = clock.instant();
        List<Verdict> verdicts = new ArrayList<>();
        int rank = 0;
        for (Image image : images) {
            verdicts.add(verdict(image, rank, retention, published, inUse, now));
            if (image.isAvailable()) {
                rank++;
            }
        }
        return new RegionPlan(region, verdicts, leftovers);
    }

    private Verdict verdict(Image image, int rank, Retention retention, String published,
                            Map<String, List<String>> inUse, Instant now) {
        if (!image.isAvailable()) {
            return new Verdict(image, false, "is " + image.state() + "; only available images are pruned");
        }
        if (rank < retention.keep()) {
            return new Verdict(image, false, retention.whyKept(rank));
        }
        if (image.id().equals(published)) {
            return new Verdict(image, false, "named by the recipe's SSM parameter");
        }
        if (inUse.containsKey(image.id())) {
            return new Verdict(image, false, "used by " + String.join(", ", inUse.get(image.id())));
        }
        if (image.deregistrationProtected()) {
            return new Verdict(image, false, "deregistration protection is on");
        }
        if (!retention.expires(rank, created(image), now)) {
            return new Verdict(image, false, retention.whyKept(rank));
        }
        return new Verdict(image, true, "beyond the newest " + retention.keep()
                + (retention.maxAge() == null ? "" : " and older than " + Durations.format(retention.maxAge())));
    }

    /** The image id the recipe's SSM parameter holds in this region, or {@code null}. */
    private String published(Recipe recipe, String region) {
        String template = recipe.regions().ssmParameter();
        if (template == null) {
            return null;
        }
        String name = Templates.render(template, recipe, clock.instant());
        try {
            return ssm.parameter(region, name);
        } catch (CloudException e) {
            if ("ParameterNotFound".equals(e.code())) {
                return null;
            }
            throw e;
        }
    }

    private void remove(String region, String recipe, Image image, Consumer<String> report) {
        for (String snapshot : image.snapshotIds()) {
            ec2.tag(region, snapshot, Map.of(PRUNED, recipe));
        }
        try {
            ec2.deregisterImage(region, image.id());
        } catch (CloudException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
        for (String snapshot : image.snapshotIds()) {
            deleteSnapshot(region, snapshot);
        }
        report.accept("deregistered " + image.id() + " (" + image.name() + ") in " + region
                + ", deleted snapshots " + image.snapshotIds());
    }

    private void deleteSnapshot(String region, String snapshot) {
        try {
            ec2.deleteSnapshot(region, snapshot);
        } catch (CloudException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
    }

    private static Instant created(Image image) {
        try {
            return image.creationDate() == null ? null : Instant.parse(image.creationDate());
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
