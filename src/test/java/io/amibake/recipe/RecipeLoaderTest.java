package io.amibake.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecipeLoaderTest {

    private static final Path HTTPD = Path.of("recipes/httpd.yaml");
    private static final Path LAMP = Path.of("recipes/lamp.yaml");
    private static final Path EVERYTHING = Path.of("src/test/resources/valid/everything.yaml");

    private static final String MINIMAL = """
            name: web
            source:
              region: us-east-1
              ami: ami-0123456789abcdef0
            build:
              instanceType: t3.micro
            image:
              name: "{{recipe}}-{{date}}"
            """;

    @Test
    void theHttpdRecipeIsAl2023FromTheSsmParameterInThreeRegions() throws RecipeException {
        // when
        Recipe recipe = RecipeLoader.load(HTTPD, Map.of());

        // then
        assertThat(recipe.name()).isEqualTo("httpd");
        assertThat(recipe.os()).isEqualTo("al2023");
        assertThat(recipe.source().region()).isEqualTo("us-east-1");
        assertThat(recipe.source().ssmParameter())
                .isEqualTo("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
        assertThat(recipe.build().instanceType()).isEqualTo("t3.micro");
        assertThat(recipe.build().instanceProfile()).isEqualTo("AmazonSSMRoleForInstancesQuickSetup");
        assertThat(recipe.packages().preset()).isEqualTo("httpd");
        assertThat(recipe.cleanup().cleaners()).containsExactlyInAnyOrderElementsOf(Cleaners.names());
        assertThat(recipe.imageRegions()).hasSize(3).first().isEqualTo("us-east-1");
        assertThat(recipe.regions().ssmParameter()).isEqualTo("/amibake/{{recipe}}/latest");
    }

    @Test
    void theLampRecipeEncryptsAndSharesItsCopies() throws RecipeException {
        // when
        Recipe recipe = RecipeLoader.load(LAMP, Map.of());

        // then
        assertThat(recipe.packages().preset()).isEqualTo("lamp");
        assertThat(recipe.regions().encrypted()).isTrue();
        assertThat(recipe.regions().kmsKeys()).containsEntry("eu-central-1", "alias/amibake-images");
        assertThat(recipe.regions().shareWith()).containsExactly("123456789012");
        assertThat(recipe.imageRegions()).containsExactly("us-east-1", "eu-central-1", "ap-southeast-2");
    }

    @Test
    void everyKeyReachesItsRecord() throws RecipeException {
        // when
        Recipe recipe = RecipeLoader.load(EVERYTHING, Map.of());

        // then
        assertThat(recipe.name()).isEqualTo("everything-1");
        assertThat(recipe.description()).isEqualTo("A recipe with every key");
        assertThat(recipe.os()).isEqualTo("ubuntu24");
        assertThat(recipe.variables()).isEqualTo(Map.of("version", "3.1", "stage", "beta"));
        assertThat(recipe.source()).isEqualTo(new Source("eu-west-1", null, null, new SourceFilter(
                List.of("099720109477", "amazon"), "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*",
                "arm64")));
        assertThat(recipe.build()).isEqualTo(new Build("m7g.large", "subnet-0123456789abcdef0",
                List.of("sg-0123456789abcdef0", "sg-12345678"),
                "arn:aws:iam::123456789012:instance-profile/amibake-build", 20, OnFailure.KEEP, Duration.ofHours(3)));
        assertThat(recipe.packages()).isEqualTo(new Packages("httpd", List.of("jq", "unzip"), List.of("apache2")));
        assertThat(recipe.provision()).containsExactly(
                new ShellStep("write-version", "echo \"{{not a template}}\" > /etc/version", null),
                new ShellStep("slow-step", "sleep 1\necho done\n", Duration.ofMinutes(45)));
        assertThat(recipe.cleanup()).isEqualTo(new Cleanup(List.of("logs", "tmp"), List.of("apache2"),
                List.of(new ShellStep("scrub-keys", "rm -f /root/api-key", Duration.ofMinutes(1)))));
        assertThat(recipe.image()).isEqualTo(new ImageSpec(
                "{{recipe}} {{os}} v{{var.version}} ({{date:yyyy-MM-dd}}) [{{timestamp}}]",
                "{{var.stage}} build of {{recipe}}",
                Map.of("Name", "{{recipe}}", "Stage", "{{var.stage}}", "Count", "3")));
        assertThat(recipe.regions()).isEqualTo(new Regions(List.of("eu-west-1", "us-east-1"), true,
                Map.of("us-east-1", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                        "eu-west-1", "alias/images"),
                List.of("123456789012", "012345678901"), "/amibake/{{recipe}}/{{var.stage}}/latest"));
    }

    @Test
    void omittedKeysTakeTheirDocumentedDefaults() throws RecipeException {
        // when
        Recipe recipe = RecipeLoader.parse(MINIMAL, "minimal.yaml", Map.of());

        // then
        assertThat(recipe.description()).isEmpty();
        assertThat(recipe.os()).isNull();
        assertThat(recipe.build().onFailure()).isEqualTo(OnFailure.STOP);
        assertThat(recipe.build().timeout()).isEqualTo(Duration.ofHours(2));
        assertThat(recipe.build().volumeSize()).isZero();
        assertThat(recipe.packages()).isEqualTo(Packages.NONE);
        assertThat(recipe.provision()).isEmpty();
        assertThat(recipe.cleanup()).isEqualTo(Cleanup.NONE);
        assertThat(recipe.regions()).isEqualTo(Regions.sourceOnly());
        assertThat(recipe.imageRegions()).containsExactly("us-east-1");
    }

    @Test
    void aFilterWithoutArchitectureMeansX86() throws RecipeException {
        // given
        String yaml = MINIMAL.replace("  ami: ami-0123456789abcdef0\n",
                "  filter:\n    owners: [amazon]\n    name: al2023-ami-2023.*-x86_64\n");

        // when
        Recipe recipe = RecipeLoader.parse(yaml, "filter.yaml", Map.of());

        // then
        assertThat(recipe.source().filter().architecture()).isEqualTo("x86_64");
    }

    @Test
    void regionsGivenAsAListAreTheTargets() throws RecipeException {
        // when
        Recipe recipe = RecipeLoader.load(Path.of("src/test/resources/valid/shorthand-regions.yaml"), Map.of());

        // then
        assertThat(recipe.regions()).isEqualTo(new Regions(List.of("us-east-1", "eu-west-1"), false, Map.of(),
                List.of(), null));
    }

    @Test
    void commandLineVariablesReplaceTheDefaults() throws RecipeException {
        // when
        Recipe recipe = RecipeLoader.load(HTTPD, Map.of("version", "2.0"));

        // then
        assertThat(recipe.variables()).containsEntry("version", "2.0").containsEntry("environment", "dev");
    }

    @Test
    void overridingAnUndeclaredVariableIsAProblemWithASuggestion() {
        // when
        RecipeException thrown = catchThrowableOfType(RecipeException.class,
                () -> RecipeLoader.load(HTTPD, Map.of("verison", "2.0")));

        // then
        assertThat(thrown.problems()).singleElement().satisfies(problem -> {
            assertThat(problem.path()).isEqualTo("variables.verison");
            assertThat(problem.message()).contains("--var sets 'verison'");
            assertThat(problem.suggestion()).isEqualTo("did you mean 'version'?");
            assertThat(problem.line()).isPositive();
        });
    }

    @Test
    void anOverriddenVariableIsCheckedWhereTemplatesUseIt() {
        // when
        RecipeException thrown = catchThrowableOfType(RecipeException.class,
                () -> RecipeLoader.load(HTTPD, Map.of("version", "1:0")));

        // then
        assertThat(thrown.report()).contains("image.name: renders to 'httpd-al2023-1:0-");
    }

    @Test
    void aMissingFileIsAProblemWithoutALocation() {
        // when
        RecipeException thrown = catchThrowableOfType(RecipeException.class,
                () -> RecipeLoader.load(Path.of("recipes/nope.yaml"), Map.of()));

        // then
        assertThat(thrown.problems()).singleElement().satisfies(problem -> {
            assertThat(problem.line()).isZero();
            assertThat(problem.format()).isEqualTo("recipes/nope.yaml: the file does not exist");
        });
    }

    @Test
    void aDirectoryIsNotARecipe(@TempDir Path dir) {
        // when
        RecipeException thrown = catchThrowableOfType(RecipeException.class, () -> RecipeLoader.load(dir, Map.of()));

        // then
        assertThat(thrown.report()).contains("is a directory");
    }

    @Test
    void theReportHasOneProblemPerLineInFileOrder() {
        // given
        String yaml = MINIMAL.replace("t3.micro", "t3.micor").replace("us-east-1", "us-eats-1");

        // when
        RecipeException thrown = catchThrowableOfType(RecipeException.class,
                () -> RecipeLoader.parse(yaml, "recipes/x.yaml", Map.of()));

        // then
        assertThat(thrown.report().lines()).containsExactly(
                "recipes/x.yaml:3:11: source.region: unknown region 'us-eats-1'; did you mean 'us-east-1'?",
                "recipes/x.yaml:6:17: build.instanceType: unknown instance type 't3.micor'; did you mean 't3.micro'?");
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "yes", "on", "True"})
    void yamlBooleansAreAccepted(String yes) throws RecipeException {
        // given
        String yaml = MINIMAL + "regions:\n  encrypted: " + yes + "\n";

        // when / then
        assertThat(RecipeLoader.parse(yaml, "b.yaml", Map.of()).regions().encrypted()).isTrue();
    }

    @Test
    void listingTheSourceRegionAmongTheTargetsIsFine() throws RecipeException {
        // given
        String yaml = MINIMAL + "regions: [eu-west-1, us-east-1]\n";

        // when
        Recipe recipe = RecipeLoader.parse(yaml, "r.yaml", Map.of());

        // then
        assertThat(recipe.imageRegions()).containsExactly("us-east-1", "eu-west-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"recipes/httpd.yaml", "recipes/lamp.yaml", "src/test/resources/valid/everything.yaml",
        "src/test/resources/valid/shorthand-regions.yaml"})
    void thePrintedRecipeLoadsBackEqual(String file) throws RecipeException {
        // given
        Recipe recipe = RecipeLoader.load(Path.of(file), Map.of());

        // when
        Recipe reloaded = RecipeLoader.parse(RecipePrinter.toYaml(recipe), file, Map.of());

        // then
        assertThat(reloaded).isEqualTo(withDefaultStepTimeouts(recipe));
    }

    /** The printer spells out the default step timeout, which the loader then reads as given. */
    private static Recipe withDefaultStepTimeouts(Recipe r) {
        List<ShellStep> provision = r.provision().stream().map(RecipeLoaderTest::timed).toList();
        Cleanup cleanup = new Cleanup(r.cleanup().cleaners(), r.cleanup().stopServices(),
                r.cleanup().run().stream().map(RecipeLoaderTest::timed).toList());
        Tests test = new Tests(r.test().steps().stream().map(RecipeLoaderTest::timed).toList(), r.test().defaults(),
                r.test().regions());
        return new Recipe(r.name(), r.description(), r.os(), r.source(), r.build(), r.packages(), provision, cleanup,
                r.image(), r.regions(), r.variables(), r.secrets(), test, r.deploy(), r.notifications(), r.schedule());
    }

    private static ShellStep timed(ShellStep step) {
        return new ShellStep(step.name(), step.run(),
                step.timeout() == null ? CommandPlan.STEP_TIMEOUT : step.timeout());
    }
}
