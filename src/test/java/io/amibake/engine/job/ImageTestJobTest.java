package io.amibake.engine.job;

import io.amibake.engine.api.Target;
import io.amibake.cloud.BakeTags;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.state.RecipeChanges;
import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.SsmGateway;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeLoader;
import io.amibake.sandbox.SandboxCommand;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The image test: an instance launched from the new image runs the recipe's tests before any
 * copy; against the sandbox over HTTP, whose model of an instance's contents decides the checks.
 */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:imagetest",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "amibake.poll-min-delay=10ms"})
class ImageTestJobTest {

    private static final double TIME_SCALE = 0.0005;

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(TIME_SCALE);

    @Autowired
    private BakeService runner;

    @TempDir
    Path dir;

    @BeforeEach
    void clearFaults() {
        sandbox.faults().clear();
    }

    @Test
    void theHttpdRecipePassesItsTestsOnAnInstanceOfTheImageWhichIsThenTerminated() throws Exception {
        // when
        BakeResult result = bake(Files.readString(Path.of("recipes/httpd.yaml")), "httpd");

        // then
        assertThat(result.status()).as(result.error()).isEqualTo("COMPLETED");
        SandboxImage image = imageOf(result);
        assertThat(image.tags()).containsEntry(TestImageStep.TEST_TAG, "passed");
        SandboxInstance tester = testInstanceOf(result);
        assertThat(tester.imageId()).isEqualTo(image.imageId());
        assertThat(tester.state()).isEqualTo("terminated");
        assertThat(tester.clientToken()).isEqualTo(TestImageStep.clientToken(result.bakeId(), 0));
        assertThat(tester.tags()).containsEntry(BakeTags.BAKE, result.bakeId());
        assertThat(sentTo(tester)).anySatisfy(c -> assertThat(String.join("\n", c.commands()))
                .contains("systemctl is-active httpd")).allSatisfy(c -> assertThat(c.status()).isEqualTo("Success"));
        assertThat(tester.iamInstanceProfile()).endsWith("/AmazonSSMRoleForInstancesQuickSetup");
    }

    @Test
    void theLampRecipePassesItsDatabaseAndPhpTests() throws Exception {
        // when
        BakeResult result = bake(Files.readString(Path.of("recipes/lamp.yaml")), "lamp");

        // then
        assertThat(result.status()).as(result.error()).isEqualTo("COMPLETED");
        assertThat(imageOf(result).tags()).containsEntry(TestImageStep.TEST_TAG, "passed");
        SandboxInstance tester = testInstanceOf(result);
        assertThat(tester.state()).isEqualTo("terminated");
        assertThat(sentTo(tester)).anySatisfy(c -> assertThat(String.join("\n", c.commands()))
                .contains("mysqladmin ping"));
        // and (test.regions: all) each copy was tested in its region on an instance since terminated
        assertThat(instancesOf(result)).filteredOn(i -> "test".equals(i.tags().get(TestImageStep.ROLE_TAG)))
                .allSatisfy(i -> assertThat(i.state()).isEqualTo("terminated"))
                .extracting(SandboxInstance::region)
                .containsExactlyInAnyOrder("us-east-1", "eu-central-1", "ap-southeast-2");
    }

    @Test
    void aCleanupThatRemovesThePageFailsTheTestAndNothingIsCopiedOrPublished() throws Exception {
        // given the previous image published, and a recipe whose cleanup removes the page
        String previous = publish("/amibake/broken/latest", "ami-0123456789abcdef0");
        String yaml = Files.readString(Path.of("recipes/httpd.yaml")).replace("name: httpd", "name: broken")
                .replace("run: rm -f /root/deploy-token /etc/profile.d/deploy-env.sh",
                        "run: rm -f /root/deploy-token /etc/profile.d/deploy-env.sh /var/www/html/index.html");
        long copiesBefore = sandbox.stats().count("CopyImage");

        // when
        BakeResult failed = bake(yaml, "broken");

        // then the bake fails with the test's step, command, exit code and output
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(failed.error()).contains("testImage").contains("serves-page").contains("exit code 22")
                .contains("returned error: 403");
        assertThat(imageOf(failed).tags()).containsEntry(TestImageStep.TEST_TAG, "failed");
        assertThat(sandbox.stats().count("CopyImage")).isEqualTo(copiesBefore);
        assertThat(parameter("/amibake/broken/latest")).isEqualTo(previous);
        assertThat(testInstanceOf(failed).state()).isEqualTo("terminated");

        // and the fixed recipe cannot resume: the image already holds the cleanup's effect
        Recipe fixed = RecipeLoader.parse(yaml.replace(" /var/www/html/index.html", ""), "broken.yaml", Map.of());
        JobExecution last = runner.resumable("broken");
        assertThat(RecipeChanges.conflicts(BakeState.of(last), fixed))
                .anySatisfy(c -> assertThat(c).contains("cleanup:run:remove-deploy-secrets"));
    }

    @Test
    void aWrongTestFixedWithAnEditedRecipeResumesRunningOnlyTheTests() throws Exception {
        // given a test that looks for a file the image never had
        String good = Files.readString(Path.of("recipes/httpd.yaml")).replace("name: httpd", "name: picky");
        String wrong = good.replace("run: curl -fsS http://localhost/ | grep -q 'It works'",
                "run: test -f /var/www/html/missing.html");
        BakeResult failed = bake(wrong, "picky");
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(failed.error()).contains("page-content").contains("exit code 1");
        int sentBefore = sandbox.commands().size();

        // when the test is fixed and the bake resumed with the edited recipe
        JobExecution last = runner.resumable("picky");
        Recipe edited = RecipeLoader.parse(good, "picky.yaml", Map.of());
        assertThat(RecipeChanges.conflicts(BakeState.of(last), edited)).isEmpty();
        BakeResult resumed = runner.resume(last.getId(), new BakeRequest(good, "picky.yaml", Map.of(), edited),
                Map.of(), Target.endpoint(sandbox.endpoint()), dir.resolve("p.json"), BakeEvents.NONE, e -> { });

        // then only the tests ran again, on a second test instance, and the image went out
        assertThat(resumed.status()).as(resumed.error()).isEqualTo("COMPLETED");
        List<SandboxCommand> sent = sandbox.commands().subList(sentBefore, sandbox.commands().size());
        List<SandboxInstance> testers = instancesOf(resumed).stream()
                .filter(i -> "test".equals(i.tags().get(TestImageStep.ROLE_TAG))).toList();
        assertThat(testers).hasSize(2).allSatisfy(i -> assertThat(i.state()).isEqualTo("terminated"));
        List<String> servers = instancesOf(resumed).stream()
                .filter(i -> "deploy".equals(i.tags().get(TestImageStep.ROLE_TAG))).map(SandboxInstance::instanceId)
                .toList();
        assertThat(sent).filteredOn(c -> !servers.contains(c.instanceId())).isNotEmpty()
                .allSatisfy(c -> assertThat(c.instanceId()).isEqualTo(testers.get(1).instanceId()));
        assertThat(imageOf(resumed).tags()).containsEntry(TestImageStep.TEST_TAG, "passed");
    }

    private BakeResult bake(String yaml, String name) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, yaml);
        return runner.start(BakeRequest.of(yaml, file.toString(), Map.of()),
                Target.endpoint(sandbox.endpoint()), dir.resolve(name + ".json"), BakeEvents.NONE);
    }

    private String publish(String name, String value) {
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            new SsmGateway(clients).putParameter("us-east-1", name, value);
        }
        return value;
    }

    private String parameter(String name) {
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            return new SsmGateway(clients).parameter("us-east-1", name);
        }
    }

    private static SandboxImage imageOf(BakeResult result) {
        return sandbox.images().stream()
                .filter(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE)))
                .filter(i -> i.sourceImageId() == null)
                .findFirst().orElseThrow();
    }

    private static List<SandboxInstance> instancesOf(BakeResult result) {
        return sandbox.instances().stream().filter(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE))).toList();
    }

    /** The instance that tested the image in the source region (copies are tested in theirs). */
    private static SandboxInstance testInstanceOf(BakeResult result) {
        return instancesOf(result).stream().filter(i -> "test".equals(i.tags().get(TestImageStep.ROLE_TAG)))
                .filter(i -> i.region().equals("us-east-1"))
                .reduce((a, b) -> {
                    throw new AssertionError("more than one test instance");
                }).orElseThrow();
    }

    private static List<SandboxCommand> sentTo(SandboxInstance instance) {
        return sandbox.commands().stream().filter(c -> c.instanceId().equals(instance.instanceId())).toList();
    }
}
