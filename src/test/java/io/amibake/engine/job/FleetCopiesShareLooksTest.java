package io.amibake.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.TestRecipes;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.Target;
import io.amibake.sandbox.LatencyProfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Bakes of one process copying into one region at once share the looks at their copies: the
 * copy concurrency bounds each bake's region partitions, not the process's, so a fleet's copies
 * are in flight together and one DescribeImages answers several of them (counted by operation
 * and region in the sandbox's stats).
 */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:fleetcopies",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "spring.batch.jdbc.isolation-level-for-create=read-committed",
        "amibake.poll-min-delay=10ms",
        // One partition at a time per bake: the source region's, then the copy's.
        "amibake.copy-concurrency=1"})
class FleetCopiesShareLooksTest {

    private static final double TIME_SCALE = 0.002;
    private static final int BAKES = 12;
    private static final String REGION = "eu-west-1";

    /** Copies of an hour (7.2 s here): the bakes' copies overlap however their builds drift apart. */
    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(TIME_SCALE,
            options -> options.withProfile(LatencyProfile.aws().with("image-copy", Duration.ofHours(1))));

    @Autowired
    private BakeService bakes;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void twelveBakesCopyingIntoOneRegionAtOnceLookAtTheirCopiesTogether() throws Exception {
        // given how often one bake alone looks at its copy
        long before = describeImages();
        assertThat(bake("share-solo").status()).isEqualTo("COMPLETED");
        long alone = describeImages() - before;

        // when twelve bakes of one process start at once
        before = describeImages();
        List<CompletableFuture<BakeResult>> fleet = new ArrayList<>();
        for (int i = 1; i <= BAKES; i++) {
            String name = "share-" + i;
            fleet.add(CompletableFuture.supplyAsync(() -> bake(name)));
        }
        for (CompletableFuture<BakeResult> result : fleet) {
            assertThat(result.get().status()).isEqualTo("COMPLETED");
        }
        long together = describeImages() - before;

        // then a look answered several bakes: fewer looks than each bake alone would take
        assertThat(together).as("DescribeImages in %s: %d for %d bakes at once, %d for one alone", REGION,
                together, BAKES, alone).isLessThan(BAKES * alone);
        // since their copies were in flight together
        assertThat(sandbox.peakConcurrentCopies(REGION)).isEqualTo(BAKES);
    }

    private long describeImages() {
        return sandbox.stats().count("DescribeImages", REGION);
    }

    private BakeResult bake(String name) {
        try {
            String recipe = TestRecipes.oneRegion(name, "echo baked", "regions:\n  targets: [us-east-1, " + REGION + "]\n");
            return bakes.start(BakeRequest.of(recipe, name + ".yaml", Map.of()),
                    Target.endpoint(sandbox.endpoint()), null, BakeEvents.NONE);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
