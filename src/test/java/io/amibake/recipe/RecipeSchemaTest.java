package io.amibake.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The schema that {@code amibake schema} prints, checked by an independent validator (networknt)
 * against the same corpora as the reader: every recipe the reader accepts validates, and every
 * invalid recipe whose problem is one of structure (a key, a type, a required key, a value out
 * of a list or a pattern) is rejected. The few invalid recipes left to {@code validate} are named
 * below with the reason a schema cannot see their problem.
 */
class RecipeSchemaTest {

    /** Problems no JSON Schema of the document can see, and why. */
    private static final Map<String, String> BEYOND_A_SCHEMA = Map.ofEntries(
            Map.entry("27-unknown-placeholder.yaml", "inside a template"),
            Map.entry("28-os-placeholder-without-os.yaml", "a template against another key"),
            Map.entry("29-image-name-too-short.yaml", "the name as rendered from its template"),
            Map.entry("30-image-name-bad-character.yaml", "the name as rendered from its template"),
            Map.entry("31-date-pattern-with-colon.yaml", "inside a template"),
            Map.entry("32-bad-date-pattern.yaml", "inside a template"),
            Map.entry("33-undeclared-variable-in-template.yaml", "a template against the variables"),
            Map.entry("35-tag-value-too-long.yaml", "the value as rendered from its template"),
            Map.entry("40-kms-keys-without-encryption.yaml", "a rule across keys"),
            Map.entry("41-kms-key-for-unused-region.yaml", "a rule across keys"),
            Map.entry("42-kms-key-arn-in-other-region.yaml", "a rule across keys"),
            Map.entry("44-ssm-parameter-reserved-prefix.yaml", "the name as rendered from its template"),
            Map.entry("84-ssm-parameter-longer-than-a-tag.yaml", "the name as rendered from its template"),
            Map.entry("53-step-timeout-too-long.yaml", "a duration's total, once its units are added up"),
            Map.entry("52-duplicate-step-names.yaml", "unique by one field of each item"),
            Map.entry("65-misspelled-required-key.yaml", "reported as a misspelling; the schema rejects it too"));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchema SCHEMA = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7)
            .getSchema(RecipeSchema.json());

    static Stream<Path> accepted() throws IOException {
        return Stream.of(files("recipes"), files("src/test/resources/valid"), files("src/test/resources/recipes"))
                .flatMap(List::stream);
    }

    static Stream<Path> rejected() throws IOException {
        return files("src/test/resources/invalid").stream();
    }

    private static List<Path> files(String dir) throws IOException {
        try (Stream<Path> list = Files.list(Path.of(dir))) {
            return list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void everyRecipeTheReaderAcceptsValidates(Path file) throws Exception {
        // given
        RecipeLoader.load(file, Map.of());

        // when
        Set<ValidationMessage> problems = SCHEMA.validate(document(file));

        // then
        assertThat(problems).as(file.toString()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void everyStructuralErrorInTheInvalidCorpusIsRejected(Path file) throws Exception {
        // given
        String name = file.getFileName().toString();
        JsonNode document;
        try {
            document = document(file);
        } catch (RuntimeException notYaml) {
            // Not a YAML document a schema is applied to (syntax, duplicate keys, aliases, tags):
            // the editor's YAML parser flags it before any schema.
            return;
        }

        // when
        Set<ValidationMessage> problems = SCHEMA.validate(document);

        // then
        if (BEYOND_A_SCHEMA.containsKey(name) && !name.startsWith("65-")) {
            assertThat(problems).as(name + " is listed as beyond a schema; if the schema now rejects it, "
                    + "take it off the list").isEmpty();
        } else {
            assertThat(problems).as(name).isNotEmpty();
        }
    }

    @Test
    void theSchemaDescribesEveryKeyTheReaderKnows() throws Exception {
        // when
        JsonNode schema = JSON.readTree(RecipeSchema.json());

        // then
        assertThat(names(schema.path("properties"))).containsExactlyElementsOf(RecipeReader.TOP_KEYS);
        assertThat(names(schema.path("properties").path("build").path("properties")))
                .containsExactlyElementsOf(RecipeReader.BUILD_KEYS);
        RecipeReader.TOP_KEYS.forEach(key -> assertThat(schema.path("properties").path(key).isEmpty())
                .as("schema of '%s'", key).isFalse());
    }

    @Test
    void theSchemaCommandPrintsTheSchema() throws Exception {
        // given
        java.io.StringWriter out = new java.io.StringWriter();

        // when
        int exit = io.amibake.cli.AmibakeCommand.commandLine().setOut(new java.io.PrintWriter(out)).execute("schema");

        // then
        assertThat(exit).isZero();
        assertThat(JSON.readTree(out.toString())).isEqualTo(JSON.readTree(RecipeSchema.json()));
        assertThat(JSON.readTree(out.toString()).path("$schema").asText()).contains("draft-07");
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonNode document(Path file) throws IOException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        Object loaded = new Yaml(new SafeConstructor(options)).load(Files.readString(file));
        return JSON.valueToTree(loaded);
    }
}
