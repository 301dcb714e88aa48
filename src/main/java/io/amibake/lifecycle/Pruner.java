package io.amibake.lifecycle;

import io.amibake.cloud.CloudException;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.Image;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.cloud.BakeTags;
import io.amibake.engine.api.Protections;
import io.amibake.engine.api.RegionUse;
import io.amibake.recipe.Durations;
import io.amibake.recipe.Account;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.Retention;
import io.amibake.recipe.Templates;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

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

    /**
     * Where retention looks: the regions of one account and the parameter that publishes its
     * image there (a template, or null).
     */
    public record Scope(List<String> regions, String parameter) {

        /** The build account's: the recipe's image regions and {@code regions.ssmParameter}. */
        public static Scope of(Recipe recipe) {
            return new Scope(recipe.imageRegions(), recipe.regions().ssmParameter());
        }

        /** An account the recipe copies into: its regions and its parameter. */
        public static Scope of(Account account) {
            return new Scope(account.regions(), account.ssmParameter());
        }

        /** This scope in those of its regions named only. */
        public Scope only(Collection<String> names) {
            return new Scope(regions.stream().filter(names::contains).toList(), parameter);
        }
    }

    /** What retention would remove in each of the recipe's regions; nothing is changed. */
    public List<RegionPlan> plan(Recipe recipe) {
        return plan(recipe, Scope.of(recipe));
    }

    /** What retention would remove in each region of the scope; nothing is changed. */
    public List<RegionPlan> plan(Recipe recipe, Scope scope) {
        List<RegionPlan> plans = new ArrayList<>();
        for (String region : scope.regions()) {
            plans.add(plan(recipe, scope.parameter(), region));
        }
        return plans;
    }

    /**
     * Removes what retention allows, region by region, and returns what it decided. A recipe
     * without retention keeps every image, though leftovers of a killed prune still go.
     */
    public List<RegionPlan> prune(Recipe recipe, Consumer<String> report) {
        return prune(recipe, Scope.of(recipe), report);
    }

    /** Removes what retention allows in each region of the scope, as {@link #prune(Recipe, Consumer)}. */
    public List<RegionPlan> prune(Recipe recipe, Scope scope, Consumer<String> report) {
        List<RegionPlan> plans = plan(recipe, scope);
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
        return plan(recipe, recipe.regions().ssmParameter(), region);
    }

    private RegionPlan plan(Recipe recipe, String parameter, String region) {
        List<Image> images = ec2.findOwnImagesByTag(region, BakeTags.RECIPE, recipe.name()).stream()
                .filter(i -> i.tags().containsKey(BakeTags.BAKE) && !"deregistered".equals(i.state()))
                .sorted(Comparator.comparing(RegionUse::created).thenComparing(Image::name).reversed())
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
        // What uses the images is read only when a verdict depends on it: a bake whose recipe keeps
        // more images than it has makes no read beyond the images and snapshots.
        RegionUse[] read = {null};
        Supplier<RegionUse> use = () -> read[0] != null ? read[0] : (read[0] = RegionUse.read(ec2, ssm, templates,
                region, images, parameterName(recipe, parameter).stream().toList()));
        Instant now = clock.instant();
        List<Verdict> verdicts = new ArrayList<>();
        int rank = 0;
        for (Image image : images) {
            boolean counts = image.isAvailable() && !Protections.failedTests(image);
            verdicts.add(verdict(image, rank, retention, use, images, now));
            if (counts) {
                rank++;
            }
        }
        return new RegionPlan(region, verdicts, leftovers);
    }

    /**
     * Only available images that did not fail their tests are ranked: a failed one goes first, once
     * a newer one passed, and a pending one is a bake's image under way.
     */
    private Verdict verdict(Image image, int rank, Retention retention, Supplier<RegionUse> use, List<Image> images,
                            Instant now) {
        if (!image.isAvailable()) {
            return new Verdict(image, false, "is " + image.state() + "; only available images are pruned");
        }
        boolean failed = Protections.failedTests(image);
        if (!failed && rank < retention.keep()) {
            return new Verdict(image, false, retention.whyKept(rank));
        }
        Optional<Protections.Why> held = Protections.image(image, use.get(), retention.rollbackVersions());
        if (held.isPresent()) {
            return new Verdict(image, false, held.get().detail());
        }
        if (failed) {
            return Protections.failedImage(image, use.get(), images)
                    .map(why -> new Verdict(image, false, why.detail()))
                    .orElseGet(() -> new Verdict(image, true, "failed its tests, and a newer image was published"));
        }
        if (!retention.expires(rank, created(image), now)) {
            return new Verdict(image, false, retention.whyKept(rank));
        }
        return new Verdict(image, true, "beyond the newest " + retention.keep()
                + (retention.maxAge() == null ? "" : " and older than " + Durations.format(retention.maxAge())));
    }

    /**
     * The parameter's name (a template) as this recipe renders it now, for images made before bakes
     * recorded theirs in {@value BakeTags#PARAMETER}.
     */
    private Optional<String> parameterName(Recipe recipe, String template) {
        return template == null ? Optional.empty() : Optional.of(Templates.render(template, recipe, clock.instant()));
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
