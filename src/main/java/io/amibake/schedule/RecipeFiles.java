package io.amibake.schedule;

import io.amibake.recipe.Problem;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeException;
import io.amibake.recipe.RecipeLoader;
import io.amibake.text.Redactor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The recipes a scheduler runs: files named on the command line, and the {@code .yaml} and
 * {@code .yml} files of directories named there, listed again at every look so that a recipe
 * added later is picked up.
 */
public final class RecipeFiles {

    private final List<Path> roots;
    private final ScheduleVariables variables;
    private final boolean standIns;

    /** Recipe files without variables given: a recipe with a secret variable is refused. */
    public RecipeFiles(List<Path> roots) {
        this(roots, ScheduleVariables.NONE, false);
    }

    /**
     * @param variables what {@code --var} and {@code --var-file} gave, for each recipe's bakes
     * @param standIns  whether a secret nobody gave gets a stand-in, to read a recipe's name and
     *                  schedule without baking it ({@code --list}); else the recipe is refused
     */
    public RecipeFiles(List<Path> roots, ScheduleVariables variables, boolean standIns) {
        this.roots = List.copyOf(roots);
        this.variables = variables;
        this.standIns = standIns;
    }

    /**
     * The files now, every one once.
     *
     * @throws UncheckedIOException when a named file or directory cannot be read
     */
    public List<Path> list() {
        Map<Path, Path> files = new LinkedHashMap<>();
        for (Path root : roots) {
            if (Files.isDirectory(root)) {
                try (Stream<Path> entries = Files.list(root)) {
                    entries.filter(RecipeFiles::isRecipe).sorted().forEach(f -> files.put(f.toAbsolutePath().normalize(), f));
                } catch (IOException e) {
                    throw new UncheckedIOException(root + ": cannot list the directory (" + reason(e) + ")", e);
                }
            } else if (Files.isRegularFile(root) && Files.isReadable(root)) {
                files.put(root.toAbsolutePath().normalize(), root);
            } else {
                String problem = root + ": " + (Files.exists(root) ? "cannot read it" : "no such file or directory");
                throw new UncheckedIOException(problem, new IOException(problem));
            }
        }
        return List.copyOf(files.values());
    }

    /** Reads and validates one recipe file, without variables; its text is kept to compare with the next read. */
    public static Version read(Path file) throws RecipeException {
        return new RecipeFiles(List.of()).load(file, RecipeLoader.readText(file));
    }

    /** Reads and validates one recipe file with the variables given for it. */
    public Version load(Path file) throws RecipeException {
        return load(file, RecipeLoader.readText(file));
    }

    /**
     * Validates a recipe file's text as read, with the variables given for it. A secret variable
     * nobody gave is one problem at its line and column that says how to give it to the scheduler;
     * the values of the secrets given are kept out of every problem.
     */
    public Version load(Path file, String yaml) throws RecipeException {
        ScheduleVariables.Declared declared = ScheduleVariables.Declared.of(yaml);
        Map<String, String> values = standIns ? variables.withStandIns(declared) : variables.forRecipe(declared);
        try {
            return new Version(file, yaml, RecipeLoader.parse(yaml, file.toString(), values), hash(yaml), values);
        } catch (RecipeException e) {
            Map<String, String> secrets = new HashMap<>(values);
            secrets.keySet().retainAll(declared.secrets());
            Redactor redactor = Redactor.of(secrets);
            List<Problem> problems = new ArrayList<>();
            for (Problem problem : e.problems()) {
                String suggestion = problem.suggestion();
                for (String secret : declared.secrets()) {
                    if (!values.containsKey(secret) && problem.path().equals("variables." + secret)) {
                        suggestion = "give it to the scheduler in its --var-file (a line " + secret + "=VALUE),"
                                + " or with --var " + secret + "=VALUE";
                    }
                }
                problems.add(new Problem(problem.file(), problem.line(), problem.column(), problem.path(),
                        redactor.redact(problem.message()), suggestion == null ? null : redactor.redact(suggestion)));
            }
            throw new RecipeException(problems);
        }
    }

    private static boolean isRecipe(Path file) {
        String name = file.getFileName().toString();
        return (name.endsWith(".yaml") || name.endsWith(".yml")) && !name.startsWith(".") && Files.isRegularFile(file);
    }

    private static String reason(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": "
                + e.getMessage();
    }

    static String hash(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The problems of a failed read, one line each. */
    static List<String> lines(RecipeException e) {
        List<String> lines = new ArrayList<>();
        for (Problem problem : e.problems()) {
            lines.add(problem.format());
        }
        return lines;
    }

    /**
     * One valid reading of a recipe file.
     *
     * @param hash      SHA-256 of the text: an edit is a new hash
     * @param variables the values given for its variables, secret ones included: its bakes get them
     */
    public record Version(Path file, String yaml, Recipe recipe, String hash, Map<String, String> variables) {

        public Version {
            variables = Map.copyOf(variables);
        }

        public String name() {
            return recipe.name();
        }

        /** The variables a bake stores: the secret ones' values never are. */
        Map<String, String> storedVariables() {
            Map<String, String> stored = new HashMap<>(variables);
            stored.keySet().removeAll(recipe.secrets());
            return stored;
        }

        /** Never the variables' values, which may be secrets. */
        @Override
        public String toString() {
            return name() + " from " + file + " (" + hash + ")";
        }
    }
}
