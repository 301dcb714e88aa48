package io.amibake.recipe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The SSM commands a bake sends, in order: {@code packages} (when the recipe has any), one per
 * provision step, one per custom cleanup step, then {@code cleanup:builtin}, which stops the
 * services and runs the built-in cleaners in the order the recipe lists them, last, so that
 * nothing a custom step writes survives it.
 */
public final class CommandPlan {

    /** The default {@code executionTimeout} of a provision or cleanup step. */
    public static final Duration STEP_TIMEOUT = Duration.ofMinutes(10);
    /** The {@code executionTimeout} of the packages command: updates and installs are slow. */
    public static final Duration PACKAGES_TIMEOUT = Duration.ofMinutes(30);

    private CommandPlan() {
    }

    /** Every command for {@code recipe}, in the order the bake sends them. */
    public static List<RemoteCommand> of(Recipe recipe) {
        List<RemoteCommand> commands = new ArrayList<>();
        if (!recipe.packages().isEmpty()) {
            commands.add(new RemoteCommand("packages", "packages", "packages",
                    script(Presets.lines(recipe.packages())), PACKAGES_TIMEOUT));
        }
        for (ShellStep step : recipe.provision()) {
            commands.add(step("provision:" + step.name(), "provision", step));
        }
        Cleanup cleanup = recipe.cleanup();
        for (ShellStep step : cleanup.run()) {
            commands.add(step("cleanup:run:" + step.name(), "cleanup", step));
        }
        if (!cleanup.stopServices().isEmpty() || !cleanup.cleaners().isEmpty()) {
            commands.add(new RemoteCommand("cleanup:builtin", "cleanup", "builtin",
                    script(builtinCleanup(cleanup)), STEP_TIMEOUT));
        }
        return List.copyOf(commands);
    }

    /**
     * The test commands, keyed {@code test:NAME}, run on an instance of the new image: the
     * preset's defaults (unless the recipe turns them off), then the recipe's own steps; a step
     * named like a default replaces it.
     */
    public static List<RemoteCommand> tests(Recipe recipe) {
        Tests tests = recipe.test();
        java.util.Map<String, ShellStep> steps = new java.util.LinkedHashMap<>();
        if (tests.defaults()) {
            Presets.tests(recipe.packages().preset()).forEach(s -> steps.put(s.name(), s));
        }
        tests.steps().forEach(s -> steps.put(s.name(), s));
        return steps.values().stream().map(s -> step("test:" + s.name(), "test", s)).toList();
    }

    private static RemoteCommand step(String key, String phase, ShellStep step) {
        List<String> body = Arrays.asList(step.run().stripTrailing().split("\n", -1));
        return new RemoteCommand(key, phase, step.name(), script(body),
                step.timeout() == null ? STEP_TIMEOUT : step.timeout());
    }

    private static List<String> builtinCleanup(Cleanup cleanup) {
        List<String> lines = new ArrayList<>();
        if (!cleanup.stopServices().isEmpty()) {
            // Stopped first, so what they write while stopping is cleaned too.
            lines.add("# stop services");
            lines.add("systemctl stop " + Shell.quoteAll(cleanup.stopServices()));
        }
        for (String cleaner : cleanup.cleaners()) {
            lines.add("# cleaner: " + cleaner);
            lines.addAll(Cleaners.commands(cleaner));
        }
        lines.add("sync");
        return lines;
    }

    private static List<String> script(List<String> body) {
        List<String> lines = new ArrayList<>(body.size() + 2);
        lines.add(Shell.SHEBANG);
        lines.add(Shell.STRICT);
        lines.addAll(body);
        return lines;
    }
}
