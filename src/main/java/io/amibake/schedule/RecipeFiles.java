package io.amibake.schedule;

import io.amibake.recipe.Problem;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeException;
import io.amibake.recipe.RecipeLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
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

    public RecipeFiles(List<Path> roots) {
        this.roots = List.copyOf(roots);
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

    /** Reads and validates one recipe file; its text is kept to compare with the next read. */
    public static Version read(Path file) throws RecipeException {
        return parse(file, RecipeLoader.readText(file));
    }

    /** Validates a recipe file's text as read. */
    public static Version parse(Path file, String yaml) throws RecipeException {
        return new Version(file, yaml, RecipeLoader.parse(yaml, file.toString(), Map.of()), hash(yaml));
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
     * @param hash SHA-256 of the text: an edit is a new hash
     */
    public record Version(Path file, String yaml, Recipe recipe, String hash) {

        public String name() {
            return recipe.name();
        }
    }
}
