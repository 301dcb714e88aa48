package io.amibake.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Keeps docs/recipes.md, the loader and the test recipes in step: every key the loader reads is
 * documented and used by a valid recipe under test, and every cleaner's shell is quoted verbatim.
 */
class DocumentationTest {

    private static final Path DOCS = Path.of("docs/recipes.md");
    /** Mappings whose keys are the user's (variable names, tag keys, regions), not the schema's. */
    private static final Set<String> FREE_FORM = Set.of("variables", "image.tags", "regions.kmsKeys",
            "accounts[].kmsKeys");

    /** Every key path the loader reads, as docs/recipes.md writes them. */
    static Set<String> loaderKeys() {
        Set<String> keys = new TreeSet<>(RecipeReader.TOP_KEYS);
        RecipeReader.SOURCE_KEYS.forEach(k -> keys.add("source." + k));
        RecipeReader.FILTER_KEYS.forEach(k -> keys.add("source.filter." + k));
        RecipeReader.BUILD_KEYS.forEach(k -> keys.add("build." + k));
        RecipeReader.PACKAGES_KEYS.forEach(k -> keys.add("packages." + k));
        RecipeReader.STEP_KEYS.forEach(k -> keys.add("provision[]." + k));
        RecipeReader.CLEANUP_KEYS.forEach(k -> keys.add("cleanup." + k));
        RecipeReader.STEP_KEYS.forEach(k -> keys.add("cleanup.run[]." + k));
        RecipeReader.IMAGE_KEYS.forEach(k -> keys.add("image." + k));
        RecipeReader.REGIONS_KEYS.forEach(k -> keys.add("regions." + k));
        RecipeReader.NOTIFY_KEYS.forEach(k -> keys.add("notify." + k));
        RecipeReader.SCHEDULE_KEYS.forEach(k -> keys.add("schedule." + k));
        RecipeReader.AWS_KEYS.forEach(k -> keys.add("aws." + k));
        RecipeReader.ACCOUNT_KEYS.forEach(k -> keys.add("accounts[]." + k));
        return keys;
    }

    @Test
    void everyKeyTheLoaderReadsIsDocumented() throws IOException {
        // given
        String docs = Files.readString(DOCS);

        // when / then
        assertThat(loaderKeys()).allSatisfy(key -> assertThat(docs).contains("| `" + key + "` |"));
    }

    @Test
    void everyKeyIsUsedByAValidRecipeUnderTest() throws IOException {
        // given
        Set<String> used = new TreeSet<>();
        try (Stream<Path> files = Stream.concat(Files.list(Path.of("recipes")),
                Files.list(Path.of("src/test/resources/valid")))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                collectKeys(new Yaml(new SafeConstructor(new LoaderOptions()))
                        .compose(new StringReader(Files.readString(file))), "", used);
            }
        }

        // when / then
        assertThat(used).containsAll(loaderKeys());
    }

    @Test
    void everyCleanerIsDocumentedWithTheExactCommandsItRuns() throws IOException {
        // given
        String docs = Files.readString(DOCS);

        // when / then
        for (String cleaner : Cleaners.names()) {
            assertThat(docs).contains("### `" + cleaner + "`");
            String section = docs.substring(docs.indexOf("### `" + cleaner + "`"));
            assertThat(section).contains("```sh\n" + String.join("\n", Cleaners.commands(cleaner)) + "\n```");
        }
    }

    @Test
    void everyPlaceholderAndPresetIsDocumented() throws IOException {
        // given
        String docs = Files.readString(DOCS);

        // when / then
        assertThat(docs).contains("`{{recipe}}`", "`{{os}}`", "`{{date}}`", "`{{date:PATTERN}}`", "`{{timestamp}}`",
                "`{{var.NAME}}`");
        assertThat(Presets.NAMES).allSatisfy(preset -> assertThat(docs).contains("| `" + preset + "` |"));
    }

    @Test
    void theWholeRecipesShownInTheDocsAndReadmeAreValid() throws IOException, RecipeException {
        for (Path page : List.of(DOCS, Path.of("README.md"))) {
            // given
            Matcher block = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(page));
            int recipes = 0;
            while (block.find()) {
                String yaml = block.group(1);
                if (!yaml.contains("\nsource:") || !yaml.contains("\nimage:")) {
                    continue;
                }
                recipes++;

                // when
                Recipe recipe = RecipeLoader.parse(yaml, page + " example " + recipes, Map.of());

                // then
                assertThat(recipe.name()).isEqualTo("httpd");
            }
            assertThat(recipes).as("whole recipes in %s", page).isPositive();
        }
    }

    @Test
    void theIssueListsAtLeastTheseCleaners() {
        // when / then
        assertThat(Cleaners.names()).contains("package-cache", "logs", "tmp", "shell-history", "ssh-host-keys",
                "authorized-keys", "cloud-init", "machine-id");
    }

    private static void collectKeys(Node node, String path, Set<String> into) {
        if (node instanceof MappingNode mapping) {
            if (FREE_FORM.contains(path)) {
                return;
            }
            for (NodeTuple tuple : mapping.getValue()) {
                String key = ((ScalarNode) tuple.getKeyNode()).getValue();
                String at = path.isEmpty() ? key : path + "." + key;
                into.add(at);
                collectKeys(tuple.getValueNode(), at, into);
            }
        } else if (node instanceof SequenceNode sequence) {
            List<Node> items = new ArrayList<>(sequence.getValue());
            items.forEach(item -> collectKeys(item, path + "[]", into));
        }
    }
}
