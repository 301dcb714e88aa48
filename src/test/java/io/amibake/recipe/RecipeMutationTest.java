package io.amibake.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Mutates the valid recipes at random, with a fixed seed so a failure reproduces: deletes,
 * duplicates, renames and retypes keys in the node tree, and cuts, doubles and garbles lines
 * of the text. Whatever comes out, the loader must answer with a recipe or a validation
 * report, never another exception; and a mutant it accepts must mean what {@code validate
 * --print} says, and mean the original unless the edit is one a recipe may make.
 */
class RecipeMutationTest {

    private static final long SEED = 0x5EED_2026L;
    private static final int MUTANTS = 3000;

    /** Maps whose keys the recipe's author chooses: a renamed key there is a different, valid key. */
    private static final Set<String> FREE_KEYS = Set.of("variables", "tags");

    /**
     * Edits a valid recipe may undergo and stay valid with another meaning: a value replaced by
     * another the loader checks, an optional key or list item removed or repeated, a key renamed
     * in a map of the author's own keys, a line of text changed (inside a script, a comment, or a
     * value). A key of the recipe's own schema renamed is not among them: the loader must refuse
     * the unknown key rather than drop it.
     */
    private static final Set<String> HARMLESS = Set.of("removed", "repeated", "replaced", "renamed free key",
            "restored key", "text");

    /** Every key the reader knows: a typo that lands on one most likely undid an earlier typo. */
    private static final Set<String> SCHEMA_KEYS = java.util.stream.Stream.of(RecipeReader.TOP_KEYS,
            RecipeReader.SOURCE_KEYS, RecipeReader.FILTER_KEYS, RecipeReader.BUILD_KEYS, RecipeReader.PACKAGES_KEYS,
            RecipeReader.STEP_KEYS, RecipeReader.CLEANUP_KEYS, RecipeReader.IMAGE_KEYS, RecipeReader.REGIONS_KEYS,
            RecipeReader.RETENTION_KEYS, RecipeReader.SCHEDULE_KEYS).flatMap(List::stream).collect(java.util.stream.Collectors.toSet());

    /** One edit of a mutant: its kind, and the keys leading to where it was made. */
    record Edit(String kind, List<String> path) {
    }

    record Mutant(String text, List<Edit> edits) {

        /** The edits still visible in the text: not removed, replaced or garbled by a later one. */
        List<Edit> lasting() {
            List<Edit> lasting = new ArrayList<>();
            for (int i = 0; i < edits.size(); i++) {
                Edit edit = edits.get(i);
                boolean undone = edits.subList(i + 1, edits.size()).stream().anyMatch(later ->
                        later.kind().equals("text")
                        // a typo that turned a key back into a schema key renamed it back
                        || later.kind().equals("restored key") && edit.kind().startsWith("renamed")
                                && later.path().size() == edit.path().size()
                                && later.path().subList(0, later.path().size() - 1)
                                        .equals(edit.path().subList(0, edit.path().size() - 1)) || later.path().size() >= edit.path().size()
                                && later.path().subList(0, edit.path().size()).equals(edit.path())
                        || edit.path().size() > later.path().size()
                                && edit.path().subList(0, later.path().size()).equals(later.path()));
                if (!undone) {
                    lasting.add(edit);
                }
            }
            return lasting;
        }
    }

    @Test
    void mutatedRecipesYieldARecipeOrAReportNeverAnotherException() throws Exception {
        // given
        List<String> originals = validRecipes();
        Random random = new Random(SEED);
        int rejected = 0;

        int acceptedWithAnotherMeaning = 0;

        for (int i = 0; i < MUTANTS; i++) {
            String original = originals.get(random.nextInt(originals.size()));
            Mutant mutant = mutate(original, random);

            // when
            Recipe recipe;
            try {
                recipe = RecipeLoader.parse(mutant.text(), "mutant-" + i + ".yaml", Map.of());
            } catch (RecipeException e) {
                // then
                rejected++;
                assertThat(e.problems()).isNotEmpty()
                        .allSatisfy(p -> assertThat(p.line()).isPositive());
                assertThat(e.report()).isNotBlank();
                continue;
            } catch (RuntimeException | Error e) {
                fail("mutant " + i + " made the loader throw " + e + "\n--- mutant ---\n" + mutant.text(), e);
                continue;
            }

            // then what validate --print shows of an accepted mutant loads back to the same text
            String printed = RecipePrinter.toYaml(recipe);
            assertThat(RecipePrinter.toYaml(RecipeLoader.parse(printed, "printed-" + i + ".yaml", Map.of())))
                    .as("mutant %d printed and loaded back\n--- mutant ---\n%s", i, mutant.text())
                    .isEqualTo(printed);
            // and it means its original, or differs from it by harmless edits only
            if (!printed.equals(RecipePrinter.toYaml(RecipeLoader.parse(original, "original.yaml", Map.of())))) {
                acceptedWithAnotherMeaning++;
                assertThat(mutant.lasting()).as("mutant %d, accepted with another meaning than its original, by the"
                        + " edits %s\n--- mutant ---\n%s", i, mutant.edits(), mutant.text())
                        .allSatisfy(edit -> assertThat(edit.kind()).isIn(HARMLESS));
            }
        }

        // then
        assertThat(rejected).as("the mutations must mostly break recipes").isGreaterThan(MUTANTS / 2);
        assertThat(acceptedWithAnotherMeaning).as("mutants accepted with another meaning, checked above").isPositive();
    }

    private static List<String> validRecipes() throws IOException {
        List<String> texts = new ArrayList<>();
        try (Stream<Path> files = Stream.concat(Files.list(Path.of("recipes")),
                Files.list(Path.of("src/test/resources/valid")))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                texts.add(Files.readString(file));
            }
        }
        return texts;
    }

    private static Mutant mutate(String text, Random random) {
        String result = text;
        List<Edit> edits = new ArrayList<>();
        int rounds = 1 + random.nextInt(3);
        for (int round = 0; round < rounds; round++) {
            result = random.nextInt(4) == 0 ? mutateText(result, random, edits) : mutateTree(result, random, edits);
        }
        return new Mutant(result, edits);
    }

    private static String mutateTree(String text, Random random, List<Edit> edits) {
        Node root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(text));
        } catch (RuntimeException notYaml) {
            return mutateText(text, random, edits);
        }
        if (root == null) {
            return text;
        }
        Map<Node, List<String>> containers = new LinkedHashMap<>();
        collect(root, List.of(), containers, 0);
        List<Node> nodes = new ArrayList<>(containers.keySet());
        if (nodes.isEmpty()) {
            // An earlier edit left a document without mappings or sequences: garble its text instead.
            return mutateText(text, random, edits);
        }
        Node target = nodes.get(random.nextInt(nodes.size()));
        List<String> path = containers.get(target);
        if (target instanceof MappingNode mapping && !mapping.getValue().isEmpty()) {
            List<NodeTuple> tuples = new ArrayList<>(mapping.getValue());
            int at = random.nextInt(tuples.size());
            NodeTuple tuple = tuples.get(at);
            List<String> keyPath = append(path, keyOf(tuple));
            switch (random.nextInt(4)) {
                case 0 -> {
                    tuples.remove(at);
                    edits.add(new Edit("removed", keyPath));
                }
                case 1 -> {
                    tuples.add(random.nextInt(tuples.size() + 1), tuple);
                    edits.add(new Edit("repeated", keyPath));
                }
                case 2 -> {
                    tuples.set(at, new NodeTuple(tuple.getKeyNode(), randomNode(random, tuple.getValueNode())));
                    edits.add(new Edit("replaced", keyPath));
                }
                default -> {
                    String renamed = typo(keyOf(tuple), random);
                    tuples.set(at, new NodeTuple(scalar(Tag.STR, renamed), tuple.getValueNode()));
                    if (!renamed.equals(keyOf(tuple))) {
                        boolean free = !path.isEmpty() && FREE_KEYS.contains(path.get(path.size() - 1));
                        edits.add(new Edit(free ? "renamed free key" : SCHEMA_KEYS.contains(renamed) ? "restored key"
                                : "renamed schema key", append(path, renamed)));
                    }
                }
            }
            mapping.setValue(tuples);
        } else if (target instanceof SequenceNode sequence && !sequence.getValue().isEmpty()) {
            List<Node> items = new ArrayList<>(sequence.getValue());
            int at = random.nextInt(items.size());
            List<String> itemPath = append(path, "[" + at + "]");
            switch (random.nextInt(3)) {
                case 0 -> {
                    items.remove(at);
                    edits.add(new Edit("removed", itemPath));
                }
                case 1 -> {
                    items.add(items.get(at));
                    edits.add(new Edit("repeated", itemPath));
                }
                default -> {
                    items.set(at, randomNode(random, items.get(at)));
                    edits.add(new Edit("replaced", itemPath));
                }
            }
            sequence.getValue().clear();
            sequence.getValue().addAll(items);
        }
        StringWriter out = new StringWriter();
        new Yaml(new DumperOptions()).serialize(root, out);
        return out.toString();
    }

    /** Every mapping and sequence under {@code node}, each with the keys that lead to it. */
    private static void collect(Node node, List<String> path, Map<Node, List<String>> into, int depth) {
        if (depth > 20) {
            return;
        }
        if (node instanceof MappingNode mapping) {
            into.putIfAbsent(node, path);
            mapping.getValue().forEach(t -> collect(t.getValueNode(), append(path, keyOf(t)), into, depth + 1));
        } else if (node instanceof SequenceNode sequence) {
            into.putIfAbsent(node, path);
            for (int i = 0; i < sequence.getValue().size(); i++) {
                collect(sequence.getValue().get(i), append(path, "[" + i + "]"), into, depth + 1);
            }
        }
    }

    private static List<String> append(List<String> path, String key) {
        List<String> longer = new ArrayList<>(path);
        longer.add(key);
        return List.copyOf(longer);
    }

    private static Node randomNode(Random random, Node original) {
        return switch (random.nextInt(9)) {
            case 0 -> scalar(Tag.NULL, "");
            case 1 -> scalar(Tag.INT, Integer.toString(random.nextInt(100_000) - 50));
            case 2 -> scalar(Tag.BOOL, random.nextBoolean() ? "true" : "false");
            case 3 -> scalar(Tag.STR, randomText(random));
            case 4 -> new SequenceNode(Tag.SEQ, List.of(), DumperOptions.FlowStyle.FLOW);
            case 5 -> new SequenceNode(Tag.SEQ, new ArrayList<>(List.of(original)), DumperOptions.FlowStyle.BLOCK);
            case 6 -> new MappingNode(Tag.MAP, new ArrayList<>(List.of(
                    new NodeTuple(scalar(Tag.STR, randomText(random)), original))), DumperOptions.FlowStyle.BLOCK);
            case 7 -> scalar(Tag.FLOAT, "1.5");
            default -> scalar(Tag.STR, "{{" + randomText(random) + "}}");
        };
    }

    private static ScalarNode scalar(Tag tag, String value) {
        return new ScalarNode(tag, value, null, null, DumperOptions.ScalarStyle.PLAIN);
    }

    private static String keyOf(NodeTuple tuple) {
        return tuple.getKeyNode() instanceof ScalarNode s ? s.getValue() : "key";
    }

    private static String typo(String word, Random random) {
        if (word.length() < 2) {
            return word + "x";
        }
        int at = random.nextInt(word.length() - 1);
        char[] chars = word.toCharArray();
        char swap = chars[at];
        chars[at] = chars[at + 1];
        chars[at + 1] = swap;
        return new String(chars);
    }

    private static String randomText(Random random) {
        String alphabet = "abcxyz-_:./ 0123{}[]'\"\\#&*!|>%@`\t";
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(12);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    private static String mutateText(String text, Random random, List<Edit> edits) {
        edits.add(new Edit("text", List.of()));
        List<String> lines = new ArrayList<>(text.lines().toList());
        if (lines.isEmpty()) {
            return randomText(random);
        }
        int at = random.nextInt(lines.size());
        switch (random.nextInt(5)) {
            case 0 -> lines.remove(at);
            case 1 -> lines.add(at, lines.get(at));
            case 2 -> lines.set(at, "  " + lines.get(at));
            case 3 -> {
                String line = lines.get(at);
                int cut = line.isEmpty() ? 0 : random.nextInt(line.length());
                lines.set(at, line.substring(0, cut) + randomText(random) + line.substring(cut));
            }
            default -> {
                return text.substring(0, random.nextInt(text.length() + 1));
            }
        }
        return String.join("\n", lines) + "\n";
    }
}
