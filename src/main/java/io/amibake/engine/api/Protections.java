package io.amibake.engine.api;

import io.amibake.cloud.Image;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.engine.api.BakeIds;
import io.amibake.cloud.BakeTags;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rules of what may go and what may move, written once. Everything that removes or moves an
 * image, a parameter's value, a launch template's default or an instance asks here first:
 * retention and {@code prune} ({@link Pruner}), {@code sweep} ({@link Sweeper}), {@code abandon}
 * ({@link io.amibake.engine.run.BakeCleanup}), and each region's deploy (the SSM parameter, the launch
 * template and the deployed instances), the same on a resume. docs/lifecycle.md lists the rules
 * in one table that a test keeps equal to {@link Rule}.
 */
public final class Protections {

    /** One rule: its id in docs/lifecycle.md and what it says. */
    public enum Rule {
        PARAMETER("parameter", "An image named by an SSM parameter that a bake of the recipe wrote, under any name"
                + " a bake rendered (each image records its bake's in `amibake:parameter`), is never deregistered."),
        TEMPLATE("template", "An image that a launch template's default or latest version launches is never"
                + " deregistered."),
        ROLLBACK("rollback", "An image that one of the `retention.rollbackVersions` versions just below a launch"
                + " template's default launches stays too; sweep and abandon keep the images of every version."),
        INSTANCE("instance", "An image that an instance not terminated was launched from is never deregistered."),
        PROTECTED("protected", "An image with deregistration protection is never deregistered, and its protection"
                + " is never turned off."),
        NEWEST_PASSED("newest-passed", "The newest image of a recipe that passed its tests in a region and was"
                + " published there (`amibake:published`) is never deregistered."),
        FAILED_NOT_COUNTED("failed-not-counted", "An image that failed its tests (`amibake:test: failed`) never"
                + " counts toward `keep`; it goes once a newer image of its recipe was published in its region."),
        PRODUCT("product", "An available image that its region published (`amibake:published`), or of a bake that"
                + " completed or that the job repository does not know, is only ever removed by retention, never"
                + " by sweep or abandon."),
        DEPLOYED("deployed", "An instance that passed its deploy test (`amibake:role: deploy`) is terminated only"
                + " by a later bake of its recipe once that bake's new instances in the region passed (or by a"
                + " bake with `count: 0`), never by abandon or sweep."),
        RUNNING_BAKE("running-bake", "Nothing of a running bake is removed: sweep reads each bake's status again"
                + " right before it removes anything of it."),
        RESUMABLE_BAKE("resumable-bake", "A failed or stopped bake's instances, images and snapshots stay for its"
                + " resume until its `amibake:expires` has passed, unless it is abandoned."),
        TESTED_MOVE("tested-move", "A region's SSM parameter and launch template default move to its new image"
                + " only after the region's new instances passed their tests, and never to an image that failed"
                + " them."),
        NEVER_BACKWARDS("never-backwards", "A parameter, a template default and deployed instances never go"
                + " back to an image of a bake that started before the one they hold.");

        private final String id;
        private final String text;

        Rule(String id, String text) {
            this.id = id;
            this.text = text;
        }

        /** The rule's name in docs/lifecycle.md and in every verdict that cites it. */
        public String id() {
            return id;
        }

        /** The rule in one sentence, as docs/lifecycle.md states it. */
        public String text() {
            return text;
        }
    }

    /**
     * Why something stays, or does not move: the rule, and in words for people what holds it.
     */
    public record Why(Rule rule, String detail) {

        @Override
        public String toString() {
            return detail;
        }
    }

    /** For sweep and abandon, which have no recipe to say how many rollback versions pin images. */
    public static final int EVERY_VERSION = Integer.MAX_VALUE;

    private Protections() {
    }

    /**
     * Why an image must stay whatever retention, sweep or abandon would do with it: it is in use
     * or protected. Empty when none of those rules holds it.
     *
     * @param rollbackVersions how many versions below each template's default pin their images
     */
    public static Optional<Why> image(Image image, RegionUse use, int rollbackVersions) {
        String id = image.id();
        if (image.deregistrationProtected()) {
            return why(Rule.PROTECTED, "deregistration protection is on");
        }
        List<String> parameters = new ArrayList<>();
        use.parameters().forEach((name, value) -> {
            if (id.equals(value)) {
                parameters.add(name);
            }
        });
        if (!parameters.isEmpty()) {
            return why(Rule.PARAMETER, "named by the SSM parameter " + String.join(", ", parameters.stream().sorted()
                    .toList()));
        }
        List<String> launching = new ArrayList<>();
        List<String> rollback = new ArrayList<>();
        for (LaunchTemplates.Template template : use.templates()) {
            template.images().forEach((version, imageId) -> {
                if (!id.equals(imageId)) {
                    return;
                }
                if (version == template.defaultVersion() || version == template.latestVersion()) {
                    launching.add(template.name() + " v" + version
                            + (version == template.defaultVersion() ? " (default)" : " (latest)"));
                } else if (isRollback(template, version, rollbackVersions)) {
                    rollback.add(template.name() + " v" + version);
                }
            });
        }
        if (!launching.isEmpty()) {
            return why(Rule.TEMPLATE, "launched by " + String.join(", ", launching));
        }
        List<String> instances = use.instances().get(id);
        if (instances != null && !instances.isEmpty()) {
            return why(Rule.INSTANCE, "used by " + String.join(", ", instances));
        }
        if (!rollback.isEmpty()) {
            return why(Rule.ROLLBACK, "a rollback version: " + String.join(", ", rollback));
        }
        String recipe = image.tags().get(BakeTags.RECIPE);
        if (recipe != null && id.equals(use.newestPassed().get(recipe))) {
            return why(Rule.NEWEST_PASSED, "the newest image that passed its tests and was published here");
        }
        return Optional.empty();
    }

    /** Whether the version is one of the {@code count} highest versions below the template's default. */
    private static boolean isRollback(LaunchTemplates.Template template, long version, int count) {
        if (version >= template.defaultVersion()) {
            return false;
        }
        long below = template.images().subMap(version + 1, template.defaultVersion()).size();
        return below < count;
    }

    /** Whether the image failed its tests in its region. */
    public static boolean failedTests(Image image) {
        return "failed".equals(image.tags().get(BakeTags.TEST));
    }

    /**
     * Why retention keeps an image that failed its tests: until a newer image of its recipe was
     * published in the region, its bake may still resume and test it again.
     */
    public static Optional<Why> failedImage(Image image, RegionUse use, List<Image> recipeImages) {
        String newest = use.newestPassed().get(image.tags().get(BakeTags.RECIPE));
        boolean superseded = newest != null && recipeImages.stream().anyMatch(i -> i.id().equals(newest)
                && RegionUse.created(i).compareTo(RegionUse.created(image)) > 0);
        return superseded ? Optional.empty()
                : why(Rule.FAILED_NOT_COUNTED, "failed its tests; stays until a newer image is published here");
    }

    /**
     * Why sweep or abandon must leave an image of a bake: the rules above, then what its bake still
     * needs, then whether it is a product. Empty when sweep or abandon may remove it.
     */
    public static Optional<Why> leftoverImage(Image image, BakeStatus status, RegionUse use, Instant now) {
        Optional<Why> inUse = image(image, use, EVERY_VERSION);
        if (inUse.isPresent()) {
            return inUse;
        }
        if (status == BakeStatus.RUNNING) {
            return why(Rule.RUNNING_BAKE, "its bake is running");
        }
        if (image.isAvailable() && image.tags().containsKey(BakeTags.PUBLISHED)) {
            return why(Rule.PRODUCT, "published here " + image.tags().get(BakeTags.PUBLISHED) + ": retention decides");
        }
        if (status == BakeStatus.RESUMABLE && !expired(image.tags(), now)) {
            return why(Rule.RESUMABLE_BAKE, image.isFailed() ? "failed; its bake makes it again on resume"
                    : "its bake can resume");
        }
        if (image.isAvailable() && (status == BakeStatus.COMPLETED || status == BakeStatus.UNKNOWN)) {
            return why(Rule.PRODUCT, "an image of a " + status.name().toLowerCase() + " bake: retention decides");
        }
        return Optional.empty();
    }

    /**
     * Why sweep or abandon must leave an instance: it serves (passed its deploy test), or its bake
     * runs or can resume. Empty when it may be terminated.
     */
    public static Optional<Why> leftoverInstance(Map<String, String> tags, BakeStatus status, Instant now) {
        if ("deploy".equals(tags.get(BakeTags.ROLE))) {
            return why(Rule.DEPLOYED, "a deployed instance (to remove it, bake its recipe with"
                    + " deploy.instances.count: 0)");
        }
        return leftover(tags, status, now);
    }

    /** Why sweep must leave a snapshot no image uses: its bake runs or can resume. */
    public static Optional<Why> leftoverSnapshot(Map<String, String> tags, BakeStatus status, Instant now) {
        return leftover(tags, status, now);
    }

    private static Optional<Why> leftover(Map<String, String> tags, BakeStatus status, Instant now) {
        if (status == BakeStatus.RUNNING) {
            return why(Rule.RUNNING_BAKE, "its bake is running");
        }
        if (status == BakeStatus.RESUMABLE && !expired(tags, now)) {
            Instant expires = expires(tags);
            return why(Rule.RESUMABLE_BAKE, "its bake can resume" + (expires == null ? "" : " (until " + expires + ")"));
        }
        return Optional.empty();
    }

    /**
     * Why a region's SSM parameter or launch template default may not move from the image it
     * holds now ({@code current}, null when none or gone) to {@code candidate}: the candidate failed
     * its tests, the current image is of a bake that started later, or the region's new instances
     * have not passed yet. Empty when it may move.
     *
     * @param regionTested whether the region's new instances passed their tests (true when the
     *                     recipe deploys none there)
     */
    public static Optional<Why> move(Image candidate, boolean regionTested, Image current) {
        if (failedTests(candidate)) {
            return why(Rule.TESTED_MOVE, candidate.id() + " failed its tests");
        }
        // A later bake's image is the reason that counts: this bake deployed nothing to test there.
        if (current != null && !current.id().equals(candidate.id()) && isLater(current, candidate)) {
            return why(Rule.NEVER_BACKWARDS, "it holds " + current.id() + ", of a bake that started later");
        }
        if (!regionTested) {
            return why(Rule.TESTED_MOVE, "the region's new instances have not passed their tests");
        }
        return Optional.empty();
    }

    /**
     * Why a deploy may not terminate a deployed instance {@code old} of its recipe: this bake's new
     * instances in the region have not all passed, or {@code old} is of a bake that started later.
     */
    public static Optional<Why> retire(Map<String, String> old, String bakeId, boolean newOnesPassed) {
        if (!newOnesPassed) {
            return why(Rule.DEPLOYED, "the new instances have not all passed their tests");
        }
        if (BakeIds.startedLater(old.get(BakeTags.BAKE), bakeId)) {
            return why(Rule.NEVER_BACKWARDS, "of " + old.get(BakeTags.BAKE) + ", a bake that started later");
        }
        return Optional.empty();
    }

    /** Whether {@code other} is of a later bake than {@code ours}; by creation date for images amibake did not make. */
    private static boolean isLater(Image other, Image ours) {
        String theirBake = other.tags().get(BakeTags.BAKE);
        String myBake = ours.tags().get(BakeTags.BAKE);
        if (BakeIds.startedAt(theirBake).isPresent() && BakeIds.startedAt(myBake).isPresent()) {
            return BakeIds.startedLater(theirBake, myBake);
        }
        return other.creationDate() != null && ours.creationDate() != null
                && other.creationDate().compareTo(ours.creationDate()) > 0;
    }

    private static boolean expired(Map<String, String> tags, Instant now) {
        Instant expires = expires(tags);
        return expires != null && expires.isBefore(now);
    }

    private static Instant expires(Map<String, String> tags) {
        String value = tags.get(BakeTags.EXPIRES);
        try {
            return value == null ? null : Instant.parse(value);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Optional<Why> why(Rule rule, String detail) {
        return Optional.of(new Why(rule, detail));
    }
}
