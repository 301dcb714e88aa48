package io.amibake.lifecycle;

import io.amibake.cloud.CloudException;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.Tagged;
import io.amibake.cloud.BakeTags;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Finds what bakes left behind, by amibake's tags, and removes what no bake needs any more:
 * build and test instances of bakes that completed, were abandoned or are unknown to the job
 * repository, or whose {@code amibake:expires} has passed; images of abandoned bakes and images
 * that failed; snapshots that no image uses. A running bake's resources are never touched, nor a
 * resumable bake's before they expire, nor a deployed instance ({@code amibake:role: deploy}).
 * Available images of completed or unknown bakes are products, not leftovers: retention decides.
 */
public final class Sweeper {

    /** Marks an instance that serves the image rather than building or testing it. */
    public static final String ROLE = "amibake:role";

    /**
     * One resource and what the sweep does with it.
     *
     * @param removes whether it goes
     * @param reason  why it goes or stays
     */
    public record Finding(String region, Tagged resource, String bake, boolean removes, String reason) {
    }

    private final Ec2Gateway ec2;
    private final Function<String, BakeStatus> statuses;
    private final Clock clock;

    public Sweeper(Ec2Gateway ec2, Function<String, BakeStatus> statuses, Clock clock) {
        this.ec2 = ec2;
        this.statuses = statuses;
        this.clock = clock;
    }

    /** What a sweep of these regions would do; nothing is changed. */
    public List<Finding> plan(List<String> regions) {
        List<Finding> findings = new ArrayList<>();
        for (String region : regions) {
            findings.addAll(plan(region));
        }
        return findings;
    }

    /** Removes what the plan says goes: instances first, then images, then their snapshots. */
    public List<Finding> sweep(List<String> regions, Consumer<Finding> removed) {
        List<Finding> findings = plan(regions);
        for (Finding finding : findings) {
            if (finding.removes()) {
                remove(finding);
                removed.accept(finding);
            }
        }
        return findings;
    }

    private List<Finding> plan(String region) {
        List<Tagged> tagged = ec2.findTagged(region, BakeTags.BAKE);
        Set<String> usedSnapshots = new HashSet<>();
        tagged.stream().filter(t -> t.kind().equals("image") && !t.state().equals("deregistered"))
                .forEach(t -> usedSnapshots.addAll(t.snapshotIds()));
        Instant now = clock.instant();
        List<Finding> findings = new ArrayList<>();
        for (String kind : List.of("instance", "image", "snapshot")) {
            for (Tagged resource : tagged) {
                if (!resource.kind().equals(kind) || resource.state().equals("deregistered")
                        || kind.equals("snapshot") && usedSnapshots.contains(resource.id())) {
                    continue;
                }
                String bake = resource.tags().get(BakeTags.BAKE);
                findings.add(judge(region, resource, bake, statuses.apply(bake), now));
            }
        }
        return findings;
    }

    private Finding judge(String region, Tagged resource, String bake, BakeStatus status, Instant now) {
        if (status == BakeStatus.RUNNING) {
            return new Finding(region, resource, bake, false, "its bake is running");
        }
        Instant expires = expires(resource);
        boolean expired = expires != null && expires.isBefore(now);
        return switch (resource.kind()) {
            case "instance" -> {
                if ("deploy".equals(resource.tags().get(ROLE))) {
                    yield new Finding(region, resource, bake, false, "a deployed instance (to remove it, bake its"
                            + " recipe with deploy.instances.count: 0)");
                }
                if (status == BakeStatus.RESUMABLE && !expired) {
                    yield new Finding(region, resource, bake, false, "its bake can resume"
                            + (expires == null ? "" : " (until " + expires + ")"));
                }
                yield new Finding(region, resource, bake, true, expired ? "expired at " + expires : because(status));
            }
            case "image" -> {
                if (Set.of("failed", "error", "invalid").contains(resource.state())) {
                    yield new Finding(region, resource, bake, status != BakeStatus.RESUMABLE || expired,
                            status == BakeStatus.RESUMABLE ? "failed; its bake makes it again on resume"
                                    : "failed image");
                }
                if (status == BakeStatus.ABANDONED) {
                    yield new Finding(region, resource, bake, true, because(status));
                }
                yield new Finding(region, resource, bake, false, status == BakeStatus.RESUMABLE
                        ? "its bake can resume" : "an image of a " + status.name().toLowerCase()
                        + " bake: retention decides");
            }
            default -> status == BakeStatus.RESUMABLE
                    ? new Finding(region, resource, bake, false, "its bake can resume")
                    : new Finding(region, resource, bake, true, "no image uses it; " + because(status));
        };
    }

    private static String because(BakeStatus status) {
        return switch (status) {
            case COMPLETED -> "its bake completed";
            case ABANDONED -> "its bake was abandoned";
            case UNKNOWN -> "its bake is unknown to the job repository";
            default -> "its bake is " + status.name().toLowerCase();
        };
    }

    private void remove(Finding finding) {
        String region = finding.region();
        String id = finding.resource().id();
        try {
            switch (finding.resource().kind()) {
                case "instance" -> ec2.terminate(region, id);
                case "image" -> ec2.deregisterWithSnapshots(region, id);
                default -> ec2.deleteSnapshot(region, id);
            }
        } catch (CloudException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
    }

    private static Instant expires(Tagged resource) {
        String value = resource.tags().get(BakeTags.EXPIRES);
        try {
            return value == null ? null : Instant.parse(value);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
