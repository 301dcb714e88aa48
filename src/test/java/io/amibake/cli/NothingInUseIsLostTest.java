package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.cloud.BakeTags;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxInstance;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The findings of issue 21, each as a platform team met it through the command line against a
 * sandbox: images and servers that are published or in use are never lost, and a region whose
 * deploy test failed never points launches at the image that failed.
 */
@Timeout(300)
class NothingInUseIsLostTest {

    private static final List<String> REGIONS = List.of("us-east-1", "us-west-2", "eu-west-1");
    /** What only the recipe's own page test runs, on test and deployed instances. */
    private static final String PAGE_TEST = "page-test-ran";

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    Path home;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void clearFaults() {
        sandbox.faults().clear();
    }

    @Test
    void abandonThenSweepKeepTheServingImagesAndServersOfTheRegionsThatCompleted() throws Exception {
        // given httpd baked, then baked again with only eu-west-1 failing
        Path recipe = recipe("httpd", "");
        assertThat(amibake("bake", recipe.toString())).as(err.toString()).isZero();
        sandbox.faults().failNextImage("eu-west-1");
        assertThat(amibake("bake", recipe.toString())).isEqualTo(1);
        String execution = lastExecution();
        List<String> serving = deployed("httpd", "us-east-1", "us-west-2");
        assertThat(serving).hasSize(2);

        // when
        int abandoned = amibake("abandon", "--execution", execution, "--delete-images");
        int swept = amibake("sweep", "--region", "us-east-1", "--region", "us-west-2", "--region", "eu-west-1");

        // then the tested servers still run, and everything that names an image names one that exists
        assertThat(abandoned).as(err.toString()).isZero();
        assertThat(swept).as(err.toString()).isZero();
        assertThat(out.toString()).doesNotContain("terminated " + serving.get(0))
                .doesNotContain("terminated " + serving.get(1));
        assertThat(deployed("httpd", "us-east-1", "us-west-2")).containsExactlyInAnyOrderElementsOf(serving);
        assertThat(deployed("httpd", "eu-west-1")).hasSize(1);
        for (String region : REGIONS) {
            assertThat(live()).contains(parameter(region, "/amibake/httpd/latest"), templateDefault(region, "httpd-web"));
        }
        assertThat(live()).containsAll(sandbox.instances().stream().filter(NothingInUseIsLostTest::alive)
                .map(SandboxInstance::imageId).filter(id -> owned().contains(id)).toList());
    }

    @Test
    void aRegionWhoseDeployTestFailedKeepsItsTemplateParameterAndServerOnThePreviousImage() throws Exception {
        // given a first bake deployed everywhere
        Path recipe = recipe("failtest", "");
        assertThat(amibake("bake", recipe.toString())).as(err.toString()).isZero();
        String image = parameter("us-west-2", "/amibake/failtest/latest");
        List<String> server = deployed("failtest", "us-west-2");

        // when the page test fails on the new server in us-west-2 only
        sandbox.faults().failCommand(PAGE_TEST, 1, "no page", 1, "us-west-2");
        int exit = amibake("bake", recipe.toString());

        // then us-west-2 still launches, resolves and serves the previous image, and the new one is marked failed
        assertThat(exit).isEqualTo(1);
        assertThat(parameter("us-west-2", "/amibake/failtest/latest")).isEqualTo(image);
        assertThat(templateDefault("us-west-2", "failtest-web")).isEqualTo(image);
        assertThat(deployed("failtest", "us-west-2")).isEqualTo(server);
        assertThat(sandbox.images()).filteredOn(i -> i.region().equals("us-west-2") && !i.imageId().equals(image)
                        && "failtest".equals(i.tags().get(BakeTags.RECIPE)))
                .singleElement().satisfies(i -> assertThat(i.tags()).containsEntry(BakeTags.TEST, "failed")
                        .doesNotContainKey(BakeTags.PUBLISHED));
    }

    @Test
    void retentionKeepsTheImageThatAParameterOfAnotherEnvironmentStillNames() throws Exception {
        // given a recipe whose parameter's name holds a variable, baked for prod then for dev
        Path recipe = withoutDeploy(recipe("envpub", ""));
        Files.writeString(recipe, Files.readString(recipe)
                .replace("ssmParameter: /amibake/{{recipe}}/latest", "ssmParameter: /amibake/{{recipe}}/{{var.environment}}/latest")
                .replace("retention: {keep: 7, maxAge: 30d}", "retention: {keep: 1}"));
        assertThat(amibake("bake", recipe.toString(), "--var", "environment=prod")).as(err.toString()).isZero();
        List<String> prod = new ArrayList<>();
        for (String region : REGIONS) {
            prod.add(parameter(region, "/amibake/envpub/prod/latest"));
        }

        // when
        int dev = amibake("bake", recipe.toString(), "--var", "environment=dev");
        int pruned = amibake("prune", recipe.toString(), "--var", "environment=dev");

        // then
        assertThat(dev).as(err.toString()).isZero();
        assertThat(pruned).as(err.toString()).isZero();
        assertThat(live()).containsAll(prod);
    }

    @Test
    void retentionOfARecipeWithALaunchTemplateRemovesImagesBeyondItsRollbackVersions() throws Exception {
        // given three bakes of a recipe that deploys a launch template and keeps one image and one rollback
        Path recipe = recipe("ltkeep", "retention: {keep: 1, rollbackVersions: 1}");
        List<Set<String>> bakes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            assertThat(amibake("bake", recipe.toString(), "--var", "version=1." + i)).as(err.toString()).isZero();
            bakes.add(Set.of(parameter("us-east-1", "/amibake/ltkeep/latest"),
                    parameter("eu-west-1", "/amibake/ltkeep/latest"), parameter("us-west-2", "/amibake/ltkeep/latest")));
        }

        // when
        int exit = amibake("prune", recipe.toString(), "--dry-run");

        // then the first bake's images went with the last bake's retention, the rollback version's stay
        assertThat(exit).as(err.toString()).isZero();
        assertThat(live()).doesNotContainAnyElementsOf(bakes.get(0)).containsAll(bakes.get(1)).containsAll(bakes.get(2));
        assertThat(out.toString()).contains("a rollback version: ltkeep-web v2");
    }

    @Test
    void imagesThatFailedTheirTestDoNotCountTowardKeep() throws Exception {
        // given two good bakes, then two whose image test fails
        Path recipe = withoutDeploy(recipe("keeptwo", "retention: {keep: 2}"));
        List<String> good = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            assertThat(amibake("bake", recipe.toString(), "--var", "version=1." + i)).as(err.toString()).isZero();
            good.add(parameter("us-east-1", "/amibake/keeptwo/latest"));
        }
        for (int i = 2; i < 4; i++) {
            sandbox.faults().failCommand(PAGE_TEST, 1, "no page", 1, "us-east-1");
            assertThat(amibake("bake", recipe.toString(), "--var", "version=1." + i)).isEqualTo(1);
        }

        // when
        int exit = amibake("prune", recipe.toString());

        // then both good images stay
        assertThat(exit).as(err.toString()).isZero();
        assertThat(live()).containsAll(good);
    }

    // ---- helpers ----

    /** recipes/httpd.yaml under another name, its image.retention replaced when given, its page test marked. */
    private Path recipe(String name, String retention) throws Exception {
        String yaml = Files.readString(Path.of("recipes/httpd.yaml")).replace("name: httpd", "name: " + name)
                .replace("launchTemplate: httpd-web", "launchTemplate: " + name + "-web")
                .replace("      run: curl -fsS http://localhost/ | grep -q 'It works'\n",
                        "      run: curl -fsS http://localhost/ | grep -q 'It works' && echo " + PAGE_TEST + "\n");
        if (!retention.isEmpty()) {
            yaml = yaml.replace("retention: {keep: 7, maxAge: 30d}", retention);
        }
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /** The recipe without its deploy section: nothing but the SSM parameter names its images. */
    private static Path withoutDeploy(Path recipe) throws Exception {
        String yaml = Files.readString(recipe);
        Files.writeString(recipe, yaml.substring(0, yaml.indexOf("\ndeploy:") + 1));
        return recipe;
    }

    private int amibake(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!args[0].equals("prune")) {
            all.addAll(List.of("--home", home.toString()));
        }
        all.addAll(List.of("--endpoint-url", sandbox.endpoint().toString()));
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(all.toArray(String[]::new));
    }

    private String lastExecution() {
        Matcher found = Pattern.compile("\\(execution (\\d+)\\)").matcher(out.toString());
        String last = null;
        while (found.find()) {
            last = found.group(1);
        }
        return last;
    }

    /** The instances of the recipe that passed their deploy test and run, in these regions. */
    private static List<String> deployed(String recipe, String... regions) {
        return sandbox.instances().stream().filter(NothingInUseIsLostTest::alive)
                .filter(i -> recipe.equals(i.tags().get(BakeTags.RECIPE)) && "deploy".equals(i.tags().get(BakeTags.ROLE)))
                .filter(i -> List.of(regions).contains(i.region())).map(SandboxInstance::instanceId).sorted().toList();
    }

    private static List<String> live() {
        return sandbox.images().stream().filter(i -> i.state().equals("available")).map(SandboxImage::imageId).toList();
    }

    private static Set<String> owned() {
        return Set.copyOf(sandbox.images().stream().map(SandboxImage::imageId).toList());
    }

    private static String parameter(String region, String name) {
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            return new SsmGateway(clients).parameter(region, name);
        }
    }

    private static String templateDefault(String region, String name) {
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            return new LaunchTemplates(clients).defaultVersion(region, name).orElseThrow().imageId();
        }
    }

    /** An instance that runs or will: not terminated nor on its way there. */
    private static boolean alive(SandboxInstance instance) {
        return !Set.of("shutting-down", "terminated").contains(instance.state());
    }
}
