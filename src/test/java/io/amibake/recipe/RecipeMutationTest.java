package io.amibake.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
 * report, never another exception.
 */
class RecipeMutationTest {

    private static final long SEED = 0x5EED_2026L;
    private static final int MUTANTS = 3000;

    @Test
    void mutatedRecipesYieldARecipeOrAReportNeverAnotherException() throws IOException {
        // given
        List<String> originals = validRecipes();
        Random random = new Random(SEED);
        int rejected = 0;

        for (int i = 0; i < MUTANTS; i++) {
            String mutant = mutate(originals.get(random.nextInt(originals.size())), random);

            // when
            try {
                RecipeLoader.parse(mutant, "mutant-" + i + ".yaml", Map.of());
            } catch (RecipeException e) {
                // then
                rejected++;
                assertThat(e.problems()).isNotEmpty()
                        .allSatisfy(p -> assertThat(p.line()).isPositive());
                assertThat(e.report()).isNotBlank();
            } catch (RuntimeException | Error e) {
                fail("mutant " + i + " made the loader throw " + e + "\n--- mutant ---\n" + mutant, e);
            }
        }

        // then
        assertThat(rejected).as("the mutations must mostly break recipes").isGreaterThan(MUTANTS / 2);
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

    private static String mutate(String text, Random random) {
        String result = text;
        int rounds = 1 + random.nextInt(3);
        for (int round = 0; round < rounds; round++) {
            result = random.nextInt(4) == 0 ? mutateText(result, random) : mutateTree(result, random);
        }
        return result;
    }

    private static String mutateTree(String text, Random random) {
        Node root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(text));
        } catch (RuntimeException notYaml) {
            return mutateText(text, random);
        }
        if (root == null) {
            return text;
        }
        List<Node> containers = new ArrayList<>();
        collect(root, containers, 0);
        Node target = containers.get(random.nextInt(containers.size()));
        if (target instanceof MappingNode mapping && !mapping.getValue().isEmpty()) {
            List<NodeTuple> tuples = new ArrayList<>(mapping.getValue());
            int at = random.nextInt(tuples.size());
            NodeTuple tuple = tuples.get(at);
            switch (random.nextInt(4)) {
                case 0 -> tuples.remove(at);
                case 1 -> tuples.add(random.nextInt(tuples.size() + 1), tuple);
                case 2 -> tuples.set(at, new NodeTuple(tuple.getKeyNode(), randomNode(random, tuple.getValueNode())));
                default -> tuples.set(at, new NodeTuple(scalar(Tag.STR, typo(keyOf(tuple), random)),
                        tuple.getValueNode()));
            }
            mapping.setValue(tuples);
        } else if (target instanceof SequenceNode sequence && !sequence.getValue().isEmpty()) {
            List<Node> items = new ArrayList<>(sequence.getValue());
            int at = random.nextInt(items.size());
            switch (random.nextInt(3)) {
                case 0 -> items.remove(at);
                case 1 -> items.add(items.get(at));
                default -> items.set(at, randomNode(random, items.get(at)));
            }
            sequence.getValue().clear();
            sequence.getValue().addAll(items);
        }
        StringWriter out = new StringWriter();
        new Yaml(new DumperOptions()).serialize(root, out);
        return out.toString();
    }

    private static void collect(Node node, List<Node> into, int depth) {
        if (depth > 20) {
            return;
        }
        if (node instanceof MappingNode mapping) {
            into.add(node);
            mapping.getValue().forEach(t -> collect(t.getValueNode(), into, depth + 1));
        } else if (node instanceof SequenceNode sequence) {
            into.add(node);
            sequence.getValue().forEach(n -> collect(n, into, depth + 1));
        }
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

    private static String mutateText(String text, Random random) {
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
