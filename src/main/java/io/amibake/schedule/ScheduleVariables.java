package io.amibake.schedule;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * The variables given to {@code amibake schedule}, from {@code --var-file} and {@code --var}:
 * {@code NAME=VALUE} for every scheduled recipe that declares {@code NAME}, or
 * {@code RECIPE.NAME=VALUE} for one recipe. Secret values live here, in memory, for the life of
 * the process: the scheduler gives them to each bake and each resume, and never stores them.
 */
public final class ScheduleVariables {

    /** No variables given. */
    public static final ScheduleVariables NONE = new ScheduleVariables(Map.of(), Map.of());

    private static final Pattern KEY = Pattern.compile("(?:([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\\.)?"
            + "([A-Za-z_][A-Za-z0-9_]*)");

    /** Stands in for a secret nobody gave where only the recipe's name and schedule are read. */
    private static final String STAND_IN = "secret";

    private final Map<String, String> everyRecipe;
    private final Map<String, Map<String, String>> byRecipe;

    private ScheduleVariables(Map<String, String> everyRecipe, Map<String, Map<String, String>> byRecipe) {
        this.everyRecipe = everyRecipe;
        this.byRecipe = byRecipe;
    }

    /**
     * The variables of a {@code --var-file} (one {@code NAME=VALUE} or {@code RECIPE.NAME=VALUE}
     * per line; blank lines and lines starting with {@code #} are skipped; the value is the rest of
     * the line, as written), then of the {@code --var} options, which win.
     *
     * @param notes told a note, such as a file that other users can read
     * @throws IllegalArgumentException with one line naming the option or the file and line; never
     *                                  a value, which may be a secret
     */
    public static ScheduleVariables of(Path file, List<String> vars, java.util.function.Consumer<String> notes) {
        Map<String, String> every = new LinkedHashMap<>();
        Map<String, Map<String, String>> by = new LinkedHashMap<>();
        if (file != null) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": cannot read the variables file ("
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
            }
            if (readableByOthers(file)) {
                notes.accept("note: " + file + " can be read by other users; its secrets are better kept"
                        + " 0600 (chmod 600 " + file + ")");
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (!put(line, every, by)) {
                    throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected NAME=VALUE or"
                            + " RECIPE.NAME=VALUE (a variable name is letters, digits and '_')");
                }
            }
        }
        for (String var : vars) {
            if (!put(var, every, by)) {
                int eq = var.indexOf('=');
                throw new IllegalArgumentException("--var '" + (eq < 0 ? var : var.substring(0, eq) + "=...")
                        + "' is not NAME=VALUE or RECIPE.NAME=VALUE");
            }
        }
        return new ScheduleVariables(Map.copyOf(every), Map.copyOf(by));
    }

    private static boolean put(String pair, Map<String, String> every, Map<String, Map<String, String>> by) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
            return false;
        }
        Matcher key = KEY.matcher(pair.substring(0, eq).strip());
        if (!key.matches()) {
            return false;
        }
        String value = pair.substring(eq + 1);
        if (key.group(1) == null) {
            every.put(key.group(2), value);
        } else {
            by.computeIfAbsent(key.group(1), r -> new LinkedHashMap<>()).put(key.group(2), value);
        }
        return true;
    }

    private static boolean readableByOthers(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            return permissions.contains(PosixFilePermission.OTHERS_READ)
                    || permissions.contains(PosixFilePermission.GROUP_READ);
        } catch (IOException | UnsupportedOperationException unknown) {
            return false;
        }
    }

    /**
     * The values for the recipe whose text this is: those of the variables it declares, and every
     * {@code RECIPE.NAME} given for it; for commands that read one recipe at a time ({@code plan},
     * {@code prune}).
     */
    public Map<String, String> forRecipe(String yaml) {
        return forRecipe(Declared.of(yaml));
    }

    /**
     * The values one recipe's bakes get: those of the variables it declares, and every
     * {@code RECIPE.NAME} given for it (the loader reports one it does not declare).
     */
    Map<String, String> forRecipe(Declared declared) {
        Map<String, String> values = new LinkedHashMap<>();
        everyRecipe.forEach((name, value) -> {
            if (declared.variables().contains(name)) {
                values.put(name, value);
            }
        });
        if (declared.name() != null) {
            values.putAll(byRecipe.getOrDefault(declared.name(), Map.of()));
        }
        return values;
    }

    /** As {@link #forRecipe}, with a stand-in for each secret not given: to read a recipe's name and schedule only. */
    Map<String, String> withStandIns(Declared declared) {
        Map<String, String> values = forRecipe(declared);
        for (String secret : declared.secrets()) {
            values.putIfAbsent(secret, STAND_IN);
        }
        return values;
    }

    /**
     * What was given for nothing: a {@code NAME} that none of the recipes declares, a
     * {@code RECIPE} that is none of theirs; one line each, for exit 2 at start-up.
     */
    public List<String> unused(List<RecipeFiles.Version> recipes) {
        Set<String> declared = new LinkedHashSet<>();
        Set<String> names = new LinkedHashSet<>();
        for (RecipeFiles.Version recipe : recipes) {
            declared.addAll(recipe.recipe().variables().keySet());
            names.add(recipe.name());
        }
        List<String> unused = new java.util.ArrayList<>();
        for (String name : everyRecipe.keySet()) {
            if (!declared.contains(name)) {
                unused.add("amibake: the variable '" + name + "' is given, but no scheduled recipe declares it");
            }
        }
        for (String recipe : byRecipe.keySet()) {
            if (!names.contains(recipe)) {
                unused.add("amibake: variables are given for recipe '" + recipe + "', which is not scheduled here"
                        + " (scheduled: " + String.join(", ", names) + ")");
            }
        }
        return unused;
    }

    /**
     * What a recipe's text declares, read before it is validated: its name, its variables and
     * which of them are secret. Empty for text that is not a YAML mapping; the loader then says why.
     */
    record Declared(String name, Set<String> variables, Set<String> secrets) {

        static final Declared NOTHING = new Declared(null, Set.of(), Set.of());

        static Declared of(String yaml) {
            Node root;
            try {
                root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(yaml));
            } catch (RuntimeException notYaml) {
                return NOTHING;
            }
            if (!(root instanceof MappingNode top)) {
                return NOTHING;
            }
            String name = null;
            Set<String> variables = new LinkedHashSet<>();
            Set<String> secrets = new LinkedHashSet<>();
            for (NodeTuple entry : top.getValue()) {
                if (!(entry.getKeyNode() instanceof ScalarNode key)) {
                    continue;
                }
                if (key.getValue().equals("name") && entry.getValueNode() instanceof ScalarNode value) {
                    name = value.getValue();
                } else if (key.getValue().equals("variables") && entry.getValueNode() instanceof MappingNode vars) {
                    for (NodeTuple variable : vars.getValue()) {
                        if (variable.getKeyNode() instanceof ScalarNode varName) {
                            variables.add(varName.getValue());
                            if (variable.getValueNode() instanceof MappingNode) {
                                secrets.add(varName.getValue());
                            }
                        }
                    }
                }
            }
            return new Declared(name, Set.copyOf(variables), Set.copyOf(secrets));
        }
    }
}
