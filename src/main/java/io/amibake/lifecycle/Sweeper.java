package io.amibake.lifecycle;

import io.amibake.cloud.CloudException;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.Image;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.cloud.Tagged;
import io.amibake.cloud.BakeTags;
import io.amibake.engine.api.BakeStatus;
import io.amibake.engine.api.Protections;
import io.amibake.engine.api.RegionUse;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Finds what bakes left behind, by amibake's tags, and removes what no bake needs any more:
 * build and test instances of bakes that completed, were abandoned or are unknown to the job
 * repository, or whose {@code amibake:expires} has passed; images of abandoned bakes and images
 * that failed; snapshots that no image uses. What {@link Protections} keeps stays: a running
 * bake's resources, a resumable bake's before they expire, a deployed instance, an image in use
 * or protected, and products (published images, available images of completed or unknown bakes),
 * which retention decides. A bake's status is read again right before anything of it is removed:
 * a bake that started, or resumed, since the sweep looked is left alone.
 */
public final class Sweeper {

    /** Marks an instance that serves the image rather than building or testing it. */
    public static final String ROLE = BakeTags.ROLE;

    /**
     * One resource and what the sweep does with it.
     *
     * @param removes whether it goes
     * @param reason  why it goes or stays
     */
    public record Finding(String region, Tagged resource, String bake, boolean removes, String reason) {

        /** The same finding, named as one in a region of another account: {@code ACCOUNT/REGION}. */
        public Finding in(String account) {
            return new Finding(account + "/" + region, resource, bake, removes, reason);
        }
    }

    private final Ec2Gateway ec2;
    private final SsmGateway ssm;
    private final LaunchTemplates templates;
    private final Function<String, BakeStatus> statuses;
    private final Clock clock;

    /**
     * @param statuses what the job repository says of a bake now; asked again before each removal
     */
    public Sweeper(Ec2Gateway ec2, SsmGateway ssm, LaunchTemplates templates, Function<String, BakeStatus> statuses,
                   Clock clock) {
        this.ec2 = ec2;
        this.ssm = ssm;
        this.templates = templates;
        this.statuses = statuses;
        this.clock = clock;
    }

    /** What a sweep of these regions would do; nothing is changed. */
    public List<Finding> plan(List<String> regions) {
        List<Finding> findings = new ArrayList<>();
        for (String region : regions) {
            findings.addAll(plan(region).findings());
        }
        return findings;
    }

    /**
     * Removes what the plan says goes, region by region: instances first, then images, then their
     * snapshots. Each bake's status is read again right before each of its resources goes, and
     * the resource judged again: a bake that started or resumed since the plan keeps everything.
     */
    public List<Finding> sweep(List<String> regions, Consumer<Finding> removed) {
        List<Finding> done = new ArrayList<>();
        for (String region : regions) {
            RegionSweep plan = plan(region);
            for (Finding finding : plan.findings()) {
                Finding now = finding.removes() ? judge(region, finding.resource(), finding.bake(),
                        statuses.apply(finding.bake()), plan.use(), clock.instant()) : finding;
                if (now.removes()) {
                    remove(now);
                    removed.accept(now);
                }
                done.add(now);
            }
        }
        return done;
    }

    /** One region's findings, and the use of its images they were judged against. */
    private record RegionSweep(List<Finding> findings, RegionUse use) {
    }

    private RegionSweep plan(String region) {
        List<Tagged> tagged = ec2.findTagged(region, BakeTags.BAKE);
        Set<String> usedSnapshots = new HashSet<>();
        tagged.stream().filter(t -> t.kind().equals("image") && !t.state().equals("deregistered"))
                .forEach(t -> usedSnapshots.addAll(t.snapshotIds()));
        Instant now = clock.instant();
        Map<String, BakeStatus> seen = new HashMap<>();
        List<Finding> findings = new ArrayList<>();
        RegionUse use = null;
        for (String kind : List.of("instance", "image", "snapshot")) {
            if (kind.equals("image")) {
                use = use(region, tagged, findings);
            }
            for (Tagged resource : tagged) {
                if (!resource.kind().equals(kind) || resource.state().equals("deregistered")
                        || kind.equals("snapshot") && usedSnapshots.contains(resource.id())) {
                    continue;
                }
                String bake = resource.tags().get(BakeTags.BAKE);
                findings.add(judge(region, resource, bake, seen.computeIfAbsent(bake, statuses), use, now));
            }
        }
        return new RegionSweep(findings, use);
    }

    /** The region's use of its tagged images, as it will be once the instances the plan removes are gone. */
    private RegionUse use(String region, List<Tagged> tagged, List<Finding> instances) {
        List<Image> images = tagged.stream().filter(t -> t.kind().equals("image")).map(Sweeper::image).toList();
        Set<String> going = new HashSet<>();
        instances.stream().filter(Finding::removes).forEach(f -> going.add(f.resource().id()));
        return RegionUse.read(ec2, ssm, templates, region, images, List.of()).without(going);
    }

    private Finding judge(String region, Tagged resource, String bake, BakeStatus status, RegionUse use, Instant now) {
        Optional<Protections.Why> kept = switch (resource.kind()) {
            case "instance" -> Protections.leftoverInstance(resource.tags(), status, now);
            case "image" -> Protections.leftoverImage(image(resource), status, use, now);
            default -> Protections.leftoverSnapshot(resource.tags(), status, now);
        };
        if (kept.isPresent()) {
            return new Finding(region, resource, bake, false, kept.get().detail());
        }
        String reason = switch (resource.kind()) {
            case "instance" -> expired(resource, now) ? "expired at " + resource.tags().get(BakeTags.EXPIRES)
                    : because(status);
            case "image" -> image(resource).isFailed() ? "failed image" : because(status);
            default -> "no image uses it; " + because(status);
        };
        return new Finding(region, resource, bake, true, reason);
    }

    private static Image image(Tagged resource) {
        return resource.image() != null ? resource.image() : new Image(resource.id(), "", resource.state(), null,
                resource.tags(), resource.snapshotIds(), null, null);
    }

    private static boolean expired(Tagged resource, Instant now) {
        String value = resource.tags().get(BakeTags.EXPIRES);
        try {
            return value != null && Instant.parse(value).isBefore(now);
        } catch (DateTimeParseException e) {
            return false;
        }
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
}
