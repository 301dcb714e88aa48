package io.amibake.recipe;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.reader.ReaderException;

/**
 * Reads recipes. YAML is only composed into nodes, never constructed into objects, so no YAML
 * tag can instantiate a type; {@link RecipeReader} then maps the nodes by hand onto the
 * immutable records, collecting every problem with its line, column and key path.
 */
public final class RecipeLoader {

    /** Recipes are small; a larger document is a mistake, not a recipe. */
    private static final int MAX_CODE_POINTS = 1_000_000;
    /** The same limit for files, checked on their size: SnakeYAML takes minutes to reach it on one long line. */
    static final long MAX_BYTES = MAX_CODE_POINTS;

    private RecipeLoader() {
    }

    /**
     * Loads and validates the recipe in {@code file}.
     *
     * @param varOverrides {@code --var} values; each must name a declared variable
     * @throws RecipeException listing every problem, including a missing or unreadable file
     */
    public static Recipe load(Path file, Map<String, String> varOverrides) throws RecipeException {
        return parse(readText(file), file.toString(), varOverrides);
    }

    /**
     * Reads a recipe file's text: the one reader of every command, so a file that cannot be a
     * recipe gets the same message everywhere. Oversized files are refused by their size, before
     * a byte is parsed.
     *
     * @throws RecipeException naming the file and what is wrong with it
     */
    public static String readText(Path file) throws RecipeException {
        String fileName = file.toString();
        if (!Files.exists(file)) {
            throw single(fileName, "the file does not exist", null);
        }
        if (Files.isDirectory(file)) {
            throw single(fileName, "is a directory; expected a recipe file", null);
        }
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw single(fileName, "the file has " + size + " bytes; a recipe has at most " + MAX_BYTES,
                        "is this the right file?");
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw single(fileName, "the file is not UTF-8 text", "save it as UTF-8");
        } catch (AccessDeniedException e) {
            throw single(fileName, "cannot read the file: permission denied", null);
        } catch (IOException e) {
            throw single(fileName, "cannot read the file: " + (e.getMessage() == null
                    ? e.getClass().getSimpleName() : e.getMessage()), null);
        }
    }

    /**
     * How many recipes this process has parsed: a count, not state. A bake parses its recipe once
     * (docs/bake.md), and a test holds it to that.
     */
    private static final java.util.concurrent.atomic.LongAdder PARSED = new java.util.concurrent.atomic.LongAdder();

    /** Recipes parsed by this process so far. */
    public static long parsed() {
        return PARSED.sum();
    }

    /**
     * Validates a recipe given as text; the bake re-parses its stored copy with it on resume.
     *
     * @param fileName     the name problems are reported against
     * @param varOverrides {@code --var} values; each must name a declared variable
     * @throws RecipeException listing every problem
     */
    public static Recipe parse(String yamlText, String fileName, Map<String, String> varOverrides)
            throws RecipeException {
        PARSED.increment();
        Node root;
        try {
            root = compose(yamlText);
        } catch (MarkedYAMLException e) {
            throw syntaxError(fileName, e);
        } catch (ReaderException e) {
            int[] at = lineAndColumn(yamlText, e.getPosition());
            throw new RecipeException(List.of(new Problem(fileName, at[0], at[1], "",
                    "YAML syntax error: unacceptable character " + String.format("U+%04X", e.getCodePoint())
                            + ": " + e.getMessage(), "remove it or write it as an escape in a double-quoted string")));
        } catch (YAMLException e) {
            throw new RecipeException(List.of(new Problem(fileName, 1, 1, "",
                    "YAML error: " + e.getMessage(), null)));
        }
        if (root == null) {
            throw new RecipeException(List.of(new Problem(fileName, 1, 1, "",
                    "the file is empty; expected a mapping with at least 'name', 'source', 'build' and 'image'",
                    null)));
        }
        return new RecipeReader(fileName, varOverrides == null ? Map.of() : varOverrides).read(root);
    }

    private static Node compose(String yamlText) {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_CODE_POINTS);
        options.setMaxAliasesForCollections(50);
        options.setAllowRecursiveKeys(false);
        return new Yaml(new SafeConstructor(options)).compose(new StringReader(yamlText));
    }

    private static RecipeException syntaxError(String fileName, MarkedYAMLException e) {
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        StringBuilder message = new StringBuilder("YAML syntax error: ");
        if (e.getContext() != null) {
            message.append(e.getContext());
            if (e.getContextMark() != null && mark != e.getContextMark()) {
                message.append(" (line ").append(e.getContextMark().getLine() + 1).append(')');
            }
            message.append(", ");
        }
        message.append(e.getProblem() == null ? "malformed" : e.getProblem());
        int line = mark == null ? 1 : mark.getLine() + 1;
        int column = mark == null ? 1 : mark.getColumn() + 1;
        return new RecipeException(List.of(new Problem(fileName, line, column, "", message.toString(),
                hintFor(e.getProblem()))));
    }

    private static String hintFor(String problem) {
        if (problem == null) {
            return null;
        }
        if (problem.contains("(TAB)")) {
            return "indent with spaces, YAML forbids tabs";
        }
        if (problem.contains("mapping values are not allowed")) {
            return "quote a value that contains ': '";
        }
        return null;
    }

    private static int[] lineAndColumn(String text, int position) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < Math.min(position, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new int[] {line, column};
    }

    private static RecipeException single(String fileName, String message, String suggestion) {
        return new RecipeException(List.of(new Problem(fileName, 0, 0, "", message, suggestion)));
    }
}
