package io.amibake.engine.job;

import io.amibake.engine.state.StepNames;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.state.BakeParameters;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.state.RegionState;
import io.amibake.engine.store.BakeSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.amibake.SandboxExtension;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.SsmGateway;
import io.amibake.engine.wait.Expectations;
import io.amibake.engine.wait.PollPlan;
import io.amibake.engine.wait.StopSignal;
import io.amibake.engine.wait.Waits;
import io.amibake.recipe.RecipeLoader;
import io.amibake.sandbox.LatencyProfile;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.JobInterruptedException;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.scope.context.StepContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * The copy limit: a fleet of bakes in one process copying into one region never has more copies
 * in flight than AWS accepts (100 per destination region), counted by the sandbox itself.
 */
class CopyLimitTest {

    private static final double TIME_SCALE = 0.002;
    private static final String RECIPE = """
            name: limit
            os: al2023
            source:
              region: us-east-1
              ssm: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
            build:
              instanceType: t3.micro
              instanceProfile: amibake-build
            provision:
              - name: marker
                run: echo baked
            image:
              name: "limit-{{var.n}}"
            variables:
              n: "0"
            regions:
              targets: [eu-west-1]
            """;

    /** Copies of 30 minutes (3.6 s here): long enough that all 120 calls land while the first copies run. */
    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(TIME_SCALE,
            options -> options.withProfile(LatencyProfile.aws().with("image-copy", Duration.ofMinutes(30))));

    @Test
    void aFleetOf120CopiesIntoOneRegionNeverHasMoreThanTheLimitInFlight() throws Exception {
        // given 120 bakes of one process, each at its copy into eu-west-1
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            Ec2Gateway ec2 = new Ec2Gateway(clients);
            SsmGateway ssm = new SsmGateway(clients);
            String source = ssm.parameter("us-east-1", "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
            Waits waits = new Waits(ec2, ssm, new Expectations(), PollPlan.DEFAULT, new StopSignal());
            BakeServices services = new BakeServices(clients, ec2, ssm, waits,
                    new BakeSettings(null, null, null, null, null, null, null, null, null, null, null, null, null),
                    BakeEvents.NONE, Clock.systemUTC());
            // CopyImage's bucket refills on the sandbox's clock; pace it on the same clock.
            CopySlots slots = new CopySlots();
            CopyPacer pacer = new CopyPacer(() -> (long) (System.nanoTime() / TIME_SCALE));

            // when they all copy at once
            ExecutorService pool = Executors.newFixedThreadPool(120);
            List<Future<RepeatStatus>> copies = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                ChunkContext chunk = copyPartition(i, source);
                Map<String, String> variables = Map.of("n", String.valueOf(i));
                BakeRun run = new BakeRun("limit-bake-" + i, "limit", RecipeLoader.parse(RECIPE, "limit.yaml", variables),
                        services, null, null, new StopSignal(), new RequestTally(clients.requests()));
                CopyRegionStep step = new CopyRegionStep(run, slots, pacer);
                copies.add(pool.submit(() -> {
                    RepeatStatus status;
                    do {
                        status = step.execute(new StepContribution(chunk.getStepContext().getStepExecution()), chunk);
                    } while (status == RepeatStatus.CONTINUABLE);
                    return status;
                }));
            }
            for (Future<RepeatStatus> copy : copies) {
                assertThat(copy.get(2, TimeUnit.MINUTES)).isEqualTo(RepeatStatus.FINISHED);
            }
            pool.shutdown();
        }

        // then every copy was made, and the region never held more than 100 pending at once
        assertThat(sandbox.images()).filteredOn(i -> i.region().equals("eu-west-1")).hasSize(120)
                .allSatisfy(i -> assertThat(i.state()).isEqualTo("available"));
        assertThat(sandbox.stats().count("CopyImage", "eu-west-1", "ResourceLimitExceeded")).isZero();
        assertThat(sandbox.stats().count("CopyImage", "eu-west-1", "RequestLimitExceeded")).isZero();
        assertThat(sandbox.peakConcurrentCopies("eu-west-1")).isBetween(2, 100);
    }

    @Test
    void aCopyPastThePacersBurstWaitsItsTurnBeforeCallingCopyImage() throws Exception {
        // given a pacer that has let a burst through, on a clock that stands still: the next copy waits a second
        CopyPacer pacer = new CopyPacer(() -> 0L);
        for (int i = 0; i < CopyPacer.BUCKET; i++) {
            pacer.take("eu-west-1");
        }
        // and a bake asked to stop the moment it says it paces: only a wait that is kept ends there
        StopSignal stop = new StopSignal();
        List<String> notes = new ArrayList<>();
        BakeEvents events = new NoteEvents(notes) {
            @Override
            public void note(String step, String message) {
                super.note(step, message);
                if (message.contains("pacing CopyImage")) {
                    stop.raise();
                }
            }
        };
        long copies = sandbox.stats().count("CopyImage");
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            Ec2Gateway ec2 = new Ec2Gateway(clients);
            SsmGateway ssm = new SsmGateway(clients);
            String source = ssm.parameter("us-east-1", "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
            BakeServices services = new BakeServices(clients, ec2, ssm,
                    new Waits(ec2, ssm, new Expectations(), PollPlan.DEFAULT, stop),
                    new BakeSettings(null, null, null, null, null, null, null, null, null, null, null, null, null),
                    events, Clock.systemUTC());
            ChunkContext chunk = copyPartition(1000, source);
            BakeRun run = new BakeRun("limit-bake-1000", "limit", RecipeLoader.parse(RECIPE, "limit.yaml",
                    Map.of("n", "1000")), services, null, null, stop, new RequestTally(clients.requests()));

            // when its copy step runs
            CopyRegionStep step = new CopyRegionStep(run, new CopySlots(), pacer);

            // then it stopped in its pacing wait, before calling CopyImage
            assertThatThrownBy(() -> step.execute(new StepContribution(chunk.getStepContext().getStepExecution()),
                    chunk)).isInstanceOf(JobInterruptedException.class);
        }
        assertThat(notes).containsExactly("distribute: eu-west-1: pacing CopyImage, 1.0s");
        assertThat(sandbox.stats().count("CopyImage")).isEqualTo(copies);
    }

    /** One bake's state at its copy into eu-west-1: the image made, its name chosen. */
    private static ChunkContext copyPartition(int n, String sourceImage) {
        JobExecution job = new JobExecution(n, new JobInstance(n, StepNames.JOB),
                new JobParametersBuilder().addString(BakeParameters.BAKE, "limit-bake-" + n)
                        .addString(BakeParameters.RECIPE, "limit").toJobParameters());
        BakeState bake = BakeState.of(job);
        bake.recipe(RECIPE, "limit.yaml", Map.of("n", String.valueOf(n)));
        bake.startedAt(Instant.now());
        bake.imageNaming("limit-" + n, "copy limit test");
        bake.imageId(sourceImage);
        StepExecution partition = new StepExecution(n, StepNames.REGION_PARTITION + "eu-west-1", job);
        partition.setExecutionContext(RegionState.forRegion("eu-west-1"));
        return new ChunkContext(new StepContext(partition));
    }
}
