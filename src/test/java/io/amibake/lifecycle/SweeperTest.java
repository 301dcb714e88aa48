package io.amibake.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.LaunchRequest;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.cloud.BakeTags;
import io.amibake.engine.api.BakeStatus;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxClock;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxInstance;
import io.amibake.sandbox.SandboxOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sweep against the sandbox over HTTP, with the job repository's verdicts given per bake. */
class SweeperTest {

    private static final String AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
    private static final List<String> REGIONS = List.of("us-east-1", "eu-west-1");

    private final SandboxClock.Manual time = SandboxClock.manual(Instant.parse("2026-01-05T10:00:00Z"));
    private Sandbox sandbox;
    private AwsClients clients;
    private Ec2Gateway ec2;
    private final Map<String, BakeStatus> statuses = new LinkedHashMap<>();

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withThrottling(false), time);
        clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()));
        ec2 = new Ec2Gateway(clients);
    }

    @AfterEach
    void stop() {
        clients.close();
        sandbox.close();
    }

    @Test
    void removesWhatNoBakeNeedsAndLeavesRunningResumableAndDeployedResourcesAlone() {
        // given
        statuses.put("abandoned", BakeStatus.ABANDONED);
        statuses.put("running", BakeStatus.RUNNING);
        statuses.put("failed", BakeStatus.RESUMABLE);
        statuses.put("old-failed", BakeStatus.RESUMABLE);
        statuses.put("done", BakeStatus.COMPLETED);
        String abandonedInstance = launch("us-east-1", "abandoned", Map.of());
        String abandonedImage = image("us-east-1", abandonedInstance, "abandoned-image", "abandoned");
        String runningInstance = launch("us-east-1", "running", Map.of());
        String resumableInstance = launch("us-east-1", "failed",
                Map.of(BakeTags.EXPIRES, time.now().plus(Duration.ofDays(7)).toString()));
        Instant expiredAt = time.now().minus(Duration.ofHours(1));
        String expiredInstance = launch("us-east-1", "old-failed", Map.of(BakeTags.EXPIRES, expiredAt.toString()));
        String doneBuilder = launch("eu-west-1", "done", Map.of());
        String doneImage = image("eu-west-1", doneBuilder, "done-image", "done");
        String deployed = launch("eu-west-1", "done", Map.of(Sweeper.ROLE, "deploy"));
        String neverTested = launch("eu-west-1", "done", Map.of(Sweeper.ROLE, "deploying"));
        String strangers = launch("eu-west-1", "lost-repository-bake", Map.of());
        String handMade = launchUntagged("us-east-1");
        Sweeper sweeper = sweeper();

        // when
        List<Sweeper.Finding> dryRun = sweeper.plan(REGIONS);
        List<String> liveAfterDryRun = liveInstances();
        List<Sweeper.Finding> removed = new ArrayList<>();
        sweeper.sweep(REGIONS, removed::add);

        // then
        assertThat(liveAfterDryRun).contains(abandonedInstance, expiredInstance, doneBuilder, strangers, neverTested);
        assertThat(removed).extracting(f -> f.resource().id()).containsExactlyInAnyOrder(
                abandonedInstance, abandonedImage, expiredInstance, doneBuilder, strangers, neverTested);
        assertThat(reasons(dryRun)).containsEntry(abandonedImage, "go: its bake was abandoned")
                .containsEntry(expiredInstance, "go: expired at " + expiredAt)
                .containsEntry(strangers, "go: its bake is unknown to the job repository")
                .containsEntry(runningInstance, "keep: its bake is running")
                .containsEntry(deployed, "keep: a deployed instance (to remove it, bake its recipe with"
                        + " deploy.instances.count: 0)")
                .containsEntry(doneImage, "keep: an image of a completed bake: retention decides");
        time.advance(Duration.ofMinutes(5));
        assertThat(liveInstances()).containsExactlyInAnyOrder(runningInstance, resumableInstance, deployed, handMade);
        assertThat(liveImages()).containsExactly(doneImage);
        assertThat(ec2.findOwnSnapshotsByTag("us-east-1", BakeTags.BAKE, "abandoned")).isEmpty();
    }

    @Test
    void aSnapshotThatNoImageUsesGoesUnlessItsBakeCanResume() {
        // given: two images whose deregistration left their snapshots behind
        statuses.put("failed", BakeStatus.RESUMABLE);
        statuses.put("done", BakeStatus.COMPLETED);
        String builder = launchUntagged("us-east-1");
        String resumable = image("us-east-1", builder, "failed-image", "failed");
        String done = image("us-east-1", builder, "done-image", "done");
        List<String> resumableSnapshots = ec2.findOwnSnapshotsByTag("us-east-1", BakeTags.BAKE, "failed");
        List<String> doneSnapshots = ec2.findOwnSnapshotsByTag("us-east-1", BakeTags.BAKE, "done");
        ec2.deregisterImage("us-east-1", resumable);
        ec2.deregisterImage("us-east-1", done);
        Sweeper sweeper = sweeper();

        // when
        sweeper.sweep(REGIONS, finding -> { });

        // then
        assertThat(doneSnapshots).isNotEmpty();
        assertThat(ec2.findOwnSnapshotsByTag("us-east-1", BakeTags.BAKE, "done")).isEmpty();
        assertThat(ec2.findOwnSnapshotsByTag("us-east-1", BakeTags.BAKE, "failed"))
                .containsExactlyInAnyOrderElementsOf(resumableSnapshots);
    }

    @Test
    void aBakeThatStartedWhileTheSweepLookedKeepsItsInstance() {
        // given an instance whose bake the job repository does not know when the sweep plans, and runs when it removes
        String starting = launch("us-east-1", "starting", Map.of());
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        Sweeper sweeper = new Sweeper(ec2, new SsmGateway(clients), new LaunchTemplates(clients),
                bake -> bake.equals("starting") && asked.getAndIncrement() > 0 ? BakeStatus.RUNNING : BakeStatus.UNKNOWN,
                Clock.fixed(time.now(), ZoneOffset.UTC));
        List<Sweeper.Finding> removed = new ArrayList<>();

        // when
        List<Sweeper.Finding> findings = sweeper.sweep(List.of("us-east-1"), removed::add);

        // then
        assertThat(removed).isEmpty();
        assertThat(liveInstances()).contains(starting);
        assertThat(reasons(findings)).containsEntry(starting, "keep: its bake is running");
    }

    @Test
    void anImageOfAnAbandonedBakeThatIsInUseOrWasPublishedStays() {
        // given three images of an abandoned bake: one a template launches, one published, one neither
        statuses.put("abandoned", BakeStatus.ABANDONED);
        String builder = launchUntagged("us-east-1");
        String launched = image("us-east-1", builder, "launched", "abandoned");
        String published = image("us-east-1", builder, "published", "abandoned");
        String leftover = image("us-east-1", builder, "leftover", "abandoned");
        ec2.tag("us-east-1", published, Map.of(BakeTags.PUBLISHED, time.now().toString()));
        new LaunchTemplates(clients).create("us-east-1", "web-lt", launched, "t3.micro", Map.of(), "lt");

        // when
        List<Sweeper.Finding> findings = sweeper().sweep(List.of("us-east-1"), f -> { });

        // then
        assertThat(liveImages()).contains(launched, published).doesNotContain(leftover);
        assertThat(reasons(findings)).containsEntry(launched, "keep: launched by web-lt v1 (default)")
                .containsEntry(leftover, "go: its bake was abandoned");
    }

    // ---- helpers ----

    private Sweeper sweeper() {
        return new Sweeper(ec2, new SsmGateway(clients), new LaunchTemplates(clients),
                bake -> statuses.getOrDefault(bake, BakeStatus.UNKNOWN), Clock.fixed(time.now(), ZoneOffset.UTC));
    }

    private String launch(String region, String bake, Map<String, String> extra) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(BakeTags.BAKE, bake);
        tags.put(BakeTags.RECIPE, "web");
        tags.putAll(extra);
        return launchTagged(region, tags);
    }

    private String launchUntagged(String region) {
        return launchTagged(region, Map.of("Name", "hand-made"));
    }

    private String launchTagged(String region, Map<String, String> tags) {
        String base = new SsmGateway(clients).parameter(region, AL2023);
        String id = ec2.launch(region, new LaunchRequest(base, "/dev/xvda", "t3.micro", null, List.of(), null, 0,
                tags, null)).id();
        time.advance(Duration.ofMinutes(2));
        return id;
    }

    private String image(String region, String instance, String name, String bake) {
        String id = ec2.createImage(region, instance, name, "", Map.of(BakeTags.BAKE, bake, BakeTags.RECIPE, "web"));
        time.advance(Duration.ofHours(1));
        return id;
    }

    private List<String> liveInstances() {
        return sandbox.instances().stream().filter(i -> !i.state().equals("terminated")
                && !i.state().equals("shutting-down")).map(SandboxInstance::instanceId).toList();
    }

    private List<String> liveImages() {
        return sandbox.images().stream().filter(i -> i.tags().containsKey(BakeTags.BAKE))
                .filter(i -> !i.state().equals("deregistered")).map(SandboxImage::imageId).toList();
    }

    private static Map<String, String> reasons(List<Sweeper.Finding> findings) {
        return findings.stream().collect(Collectors.toMap(f -> f.resource().id(),
                f -> (f.removes() ? "go: " : "keep: ") + f.reason()));
    }
}
