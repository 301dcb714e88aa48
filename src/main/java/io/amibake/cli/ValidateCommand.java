package io.amibake.cli;

import io.amibake.recipe.CommandPlan;
import io.amibake.recipe.Durations;
import io.amibake.recipe.Problem;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeException;
import io.amibake.recipe.RecipeLoader;
import io.amibake.recipe.RecipePrinter;
import io.amibake.recipe.RemoteCommand;
import io.amibake.recipe.Templates;
import io.amibake.text.Redactor;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code amibake validate}: checks recipes without Spring and without the network. Prints one
 * line per valid recipe and every problem of each invalid one; with {@code --print}, also the
 * normalized recipe and the exact shell of every SSM command the bake would send.
 */
@Command(name = "validate",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Check recipes offline: every problem, with file, line, column and key path."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every recipe is valid", "2:a recipe is not valid (every problem is listed), or bad input"})
public final class ValidateCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE|DIR",
            description = "Recipe files, or folders whose *.yaml and *.yml files (at any depth) are recipes.")
    private List<Path> paths;

    @Option(names = "--var", paramLabel = "NAME=VALUE",
            description = "Override a variable the recipe declares; repeatable.")
    private Map<String, String> vars = new LinkedHashMap<>();

    @Option(names = "--print",
            description = "Also print the normalized recipe and the shell of every SSM command, in order.")
    private boolean print;

    @Option(names = "--json", description = "Print one JSON array, one object per recipe file with its problems, for"
            + " scripts.")
    private boolean json;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Path> files = new ArrayList<>();
        boolean allValid = true;
        for (Path path : paths) {
            List<Path> found;
            try {
                found = recipesIn(path);
            } catch (IOException e) {
                err.println(path + ": cannot read this folder: " + e.getMessage());
                allValid = false;
                continue;
            }
            if (found.isEmpty()) {
                err.println(path + ": no *.yaml or *.yml recipes in this folder");
                allValid = false;
            }
            files.addAll(found);
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (Path file : files) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("file", file.toString());
            try {
                Recipe recipe = RecipeLoader.load(file, vars);
                Redactor secrets = Redactor.of(recipe.secretValues());
                result.put("valid", true);
                result.put("recipe", recipe.name());
                result.put("summary", secrets.redact(summary(recipe)));
                if (!json) {
                    out.println("valid    " + file + ": " + secrets.redact(summary(recipe)));
                }
                if (print && !json) {
                    printPlan(out, recipe);
                }
            } catch (RecipeException e) {
                allValid = false;
                List<Problem> problems = e.problems();
                result.put("valid", false);
                result.put("problems", problems.stream().map(p -> {
                    Map<String, Object> problem = new LinkedHashMap<>();
                    problem.put("line", p.line());
                    problem.put("column", p.column());
                    problem.put("key", p.path());
                    problem.put("message", p.message());
                    problem.put("suggestion", p.suggestion());
                    return problem;
                }).toList());
                if (!json) {
                    err.println("INVALID  " + file + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems"));
                    err.println(e.report());
                }
            }
            results.add(result);
        }
        if (json) {
            out.println(Json.line(results));
        }
        out.flush();
        err.flush();
        return allValid ? AmibakeCommand.OK : AmibakeCommand.USAGE;
    }

    /** A folder's recipes in name order; a file (existing or not) stands for itself. */
    static List<Path> recipesIn(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> walk = Files.walk(path)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(".yaml") || p.getFileName().toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static String summary(Recipe recipe) {
        String base = recipe.source().ami() != null ? recipe.source().ami()
                : recipe.source().ssmParameter() != null ? "ssm " + recipe.source().ssmParameter()
                : "newest '" + recipe.source().filter().name() + "'";
        return recipe.name() + " (" + base + ") -> image '"
                + Templates.render(recipe.image().name(), recipe, Instant.now()) + "' in "
                + String.join(", ", recipe.imageRegions()) + "; " + plural(CommandPlan.of(recipe).size(), "SSM command");
    }

    private static void printPlan(PrintWriter out, Recipe recipe) {
        out.println("# normalized recipe");
        out.print(RecipePrinter.toYaml(recipe));
        List<RemoteCommand> commands = CommandPlan.of(recipe);
        out.println("# SSM commands (AWS-RunShellScript), in the order the bake sends them");
        for (int i = 0; i < commands.size(); i++) {
            RemoteCommand command = commands.get(i);
            out.println("# ---- " + (i + 1) + "/" + commands.size() + " " + command.key()
                    + " (executionTimeout " + Durations.format(command.timeout()) + ")");
            command.lines().forEach(out::println);
        }
        List<RemoteCommand> tests = CommandPlan.tests(recipe);
        if (!tests.isEmpty()) {
            out.println("# test commands, on an instance launched from the new image, before any copy");
        }
        for (int i = 0; i < tests.size(); i++) {
            RemoteCommand test = tests.get(i);
            out.println("# ---- test " + (i + 1) + "/" + tests.size() + " " + test.key()
                    + " (executionTimeout " + Durations.format(test.timeout()) + ")");
            test.lines().forEach(out::println);
        }
        out.println("# ---- end");
    }

    private static String plural(int count, String noun) {
        return count + " " + noun + (count == 1 ? "" : "s");
    }
}
