package io.amibake.engine.job;

import io.amibake.engine.api.Target;
import io.amibake.cloud.BakeTags;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.recipe.CommandPlan;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeLoader;
import io.amibake.recipe.RemoteCommand;
import io.amibake.sandbox.SandboxCommand;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** The bake job against the sandbox over HTTP, with the real SDK, retries and waits. */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:bakejob",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        // as the commands set it: bakes that start at once must not fail on SERIALIZABLE job creation
        "spring.batch.jdbc.isolation-level-for-create=read-committed",
        "amibake.poll-min-delay=10ms"})
class BakeJobTest {

    /** Sandbox time runs 500 times faster: a bake's ten minutes of AWS time take about a second. */
    private static final double TIME_SCALE = 0.002;

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(TIME_SCALE);

    @Autowired
    private BakeService runner;

    @TempDir
    Path manifests;

    @BeforeEach
    void clearFaults() {
        sandbox.faults().clear();
    }

    @Test
    void theHttpdRecipeBakesToOneAvailableImageAndLeavesNoInstanceBehind() throws Exception {
        // when
        BakeResult result = bake("recipes/httpd.yaml");

        // then
        assertThat(result.status()).isEqualTo("COMPLETED");
        SandboxImage image = imageOf(result);
        assertThat(image.state()).isEqualTo("available");
        assertThat(image.name()).startsWith("httpd-al2023-1.0-");
        assertThat(image.tags()).containsEntry(BakeTags.BAKE, result.bakeId())
                .containsEntry(BakeTags.RECIPE, "httpd")
                .containsEntry("Application", "httpd")
                .containsEntry("Environment", "dev");
        assertThat(instancesOf(result)).singleElement().satisfies(i -> assertThat(i.state()).isEqualTo("terminated"));
        assertThat(Files.readString(result.manifest())).contains(result.imageId());
    }

    @Test
    void theLampRecipeBakesToOneAvailableImage() throws Exception {
        // when
        BakeResult result = bake("recipes/lamp.yaml");

        // then
        assertThat(result.status()).isEqualTo("COMPLETED");
        assertThat(imageOf(result).state()).isEqualTo("available");
        assertThat(instancesOf(result)).singleElement().satisfies(i -> assertThat(i.state()).isEqualTo("terminated"));
    }

    @Test
    void aFailedCommandStopsTheInstanceAndResumeRerunsOnlyThatCommandAndTheRest() throws Exception {
        // given the page check fails on the instance
        sandbox.faults().failCommand("curl -fsS http://localhost/", 7, "curl: (7) Failed to connect");
        int sentBefore = sandbox.commands().size();

        // when
        BakeResult failed = bake("recipes/httpd.yaml");

        // then the bake fails with the command's name, exit code and output
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(failed.error()).contains("check-page").contains("exit code 7").contains("Failed to connect");
        assertThat(instancesOf(failed)).singleElement()
                .satisfies(i -> assertThat(i.state()).isIn("stopping", "stopped"));

        // when the cause is fixed and the bake resumed
        sandbox.faults().clear();
        JobExecution last = runner.resumable("httpd");
        BakeResult resumed = runner.resume(last.getId(), Target.endpoint(sandbox.endpoint()), manifests.resolve("m.json"),
                BakeEvents.NONE);

        // then it completes on the same instance, sending the failed command and the later ones only
        assertThat(resumed.status()).isEqualTo("COMPLETED");
        assertThat(instancesOf(resumed)).singleElement().satisfies(i -> assertThat(i.state()).isEqualTo("terminated"));
        List<String> sent = sentKeys(sandbox.commands().subList(sentBefore, sandbox.commands().size()));
        assertThat(sent).containsExactly("packages", "provision:deploy-page", "provision:check-page",
                "provision:check-page", "cleanup:run:remove-deploy-secrets", "cleanup:builtin",
                "test:web-server-active", "test:serves-page", "test:page-content");
        assertThat(imageOf(resumed).state()).isEqualTo("available");
    }

    @Test
    void twoRecipesBakedAtOnceInOneProcessEachRunTheirOwnRecipe() throws Exception {
        // given two bakes of different recipes, each with its own events, started at once on one job bean
        Map<String, List<String>> heard = Map.of("httpd", new CopyOnWriteArrayList<>(),
                "lamp", new CopyOnWriteArrayList<>());

        // when
        CompletableFuture<BakeResult> httpd = CompletableFuture.supplyAsync(() -> bake("recipes/httpd.yaml",
                new NoteEvents(heard.get("httpd"))));
        CompletableFuture<BakeResult> lamp = CompletableFuture.supplyAsync(() -> bake("recipes/lamp.yaml",
                new NoteEvents(heard.get("lamp"))));

        // then each completed with an image of its own recipe, and heard only its own steps
        for (var bake : Map.of("httpd", httpd, "lamp", lamp).entrySet()) {
            BakeResult result = bake.getValue().get(5, TimeUnit.MINUTES);
            assertThat(result.status()).as(String.valueOf(result.error())).isEqualTo("COMPLETED");
            assertThat(imageOf(result).name()).startsWith(bake.getKey() + "-al2023-");
            assertThat(imageOf(result).tags()).containsEntry(BakeTags.RECIPE, bake.getKey());
            assertThat(heard.get(bake.getKey())).contains("prepare: image name: " + imageOf(result).name())
                    .noneMatch(line -> line.contains(bake.getKey().equals("httpd") ? "lamp-" : "httpd-"));
        }
    }

    @Test
    void throttlingAndTransientErrorsNeverFailABake() throws Exception {
        // given
        sandbox.faults().failNext("DescribeImages", null, "RequestLimitExceeded", 3);
        sandbox.faults().failNext("SendCommand", null, "ThrottlingException", 2);
        sandbox.faults().failNext("DescribeInstances", null, "InternalError", 2);
        sandbox.faults().failNext("RunInstances", null, "InsufficientInstanceCapacity", 2);
        sandbox.faults().dropNext("GetCommandInvocation", null, 1);

        // when
        BakeResult result = bake("recipes/httpd.yaml");

        // then
        assertThat(result.status()).isEqualTo("COMPLETED");
        assertThat(instancesOf(result)).singleElement().satisfies(i -> assertThat(i.state()).isEqualTo("terminated"));
    }

    private BakeResult bake(String recipe) throws Exception {
        return bake(recipe, BakeEvents.NONE);
    }

    private BakeResult bake(String recipe, BakeEvents events) {
        try {
            String yaml = Files.readString(Path.of(recipe));
            Recipe parsed = RecipeLoader.parse(yaml, recipe, Map.of());
            return runner.start(BakeRequest.of(yaml, recipe, Map.of()),
                    Target.endpoint(sandbox.endpoint()),
                    manifests.resolve(parsed.name() + ".json"), events);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static SandboxImage imageOf(BakeResult result) {
        return sandbox.images().stream()
                .filter(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE)))
                .filter(i -> i.sourceImageId() == null || i.sourceRegion() == null)
                .reduce((a, b) -> {
                    throw new AssertionError("more than one image for bake " + result.bakeId());
                })
                .orElseThrow();
    }

    /** The bake's build instances; its test instances are ImageTestJobTest's concern. */
    private static List<SandboxInstance> instancesOf(BakeResult result) {
        return sandbox.instances().stream()
                .filter(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE)))
                .filter(i -> i.tags().get(TestImageStep.ROLE_TAG) == null)
                .toList();
    }

    /** The keys of the commands sent to the build and test instances; deployed servers run the tests too. */
    private static List<String> sentKeys(List<SandboxCommand> sent) throws Exception {
        Recipe recipe = RecipeLoader.load(Path.of("recipes/httpd.yaml"), Map.of());
        List<RemoteCommand> plan = new java.util.ArrayList<>(CommandPlan.of(recipe));
        plan.addAll(CommandPlan.tests(recipe));
        List<String> servers = sandbox.instances().stream()
                .filter(i -> "deploy".equals(i.tags().get(TestImageStep.ROLE_TAG)))
                .map(SandboxInstance::instanceId).toList();
        return sent.stream().filter(c -> !servers.contains(c.instanceId())).map(c -> plan.stream()
                .filter(p -> p.lines().equals(c.commands())).map(RemoteCommand::key)
                .findFirst().orElse("unknown")).toList();
    }
}
