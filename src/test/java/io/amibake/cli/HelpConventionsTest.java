package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Walks every picocli command and checks the conventions its help shares with the others: one
 * "Exit codes:" section of the command's own codes, placeholders in one style, {@code --sandbox}
 * said right for the command, {@code --json} wherever the output is a list, and descriptions that
 * start with a verb in the imperative.
 */
class HelpConventionsTest {

    /** The commands that run a bake, whose exit codes are the bake's table. */
    private static final Set<String> BAKES = Set.of("amibake", "amibake bake", "amibake resume");

    /** The commands whose output is a list (or one document) a script reads. */
    private static final Set<String> LISTS = Set.of("amibake status", "amibake logs", "amibake plan",
            "amibake validate", "amibake schedule", "amibake prune", "amibake sweep", "amibake bake", "amibake resume");

    /**
     * The commands that may start a sandbox in their own process, and {@code schedule resume},
     * where it names the schedule of a scheduler that did.
     */
    private static final Set<String> IN_PROCESS_SANDBOX = Set.of("amibake bake", "amibake plan", "amibake schedule",
            "amibake serve", "amibake schedule resume");

    /** An upper-case placeholder: NAME, FILE|DIR, [RECIPE.]NAME=VALUE, OPERATION[@REGION]=CODE[xN]. */
    private static final Pattern PLACEHOLDER = Pattern.compile("[A-Z][A-Z0-9_.|=\\[\\]@-]*|\\[[A-Z][A-Z0-9_.|=\\[\\]@-]*");

    @Test
    void everyCommandFollowsTheHelpConventions() {
        List<CommandLine> commands = new ArrayList<>();
        walk(AmibakeCommand.commandLine(), commands);
        assertThat(commands).hasSizeGreaterThan(15);
        SoftAssertions softly = new SoftAssertions();
        for (CommandLine command : commands) {
            CommandSpec spec = command.getCommandSpec();
            String name = spec.qualifiedName();
            String help = usage(command);
            softly.assertThat(count(help, "Exit codes:")).as("%s: one 'Exit codes:' section", name).isEqualTo(1);
            softly.assertThat(help).as("%s: 'Exit codes:', never 'Exit status'", name).doesNotContain("Exit status");
            Map<String, String> codes = spec.usageMessage().exitCodeList();
            softly.assertThat(codes).as("%s: its own exit codes, usage errors included", name)
                    .containsKeys("0", "2");
            if (!BAKES.contains(name)) {
                softly.assertThat(codes.values()).as("%s: its own codes, not the bake's table", name)
                        .doesNotContain(AmibakeCommand.EXIT_CODES.get("1"));
            }
            for (ArgSpec arg : spec.args()) {
                if (arg.hidden() || arg.typeInfo().isBoolean() || arg.isOption() && ((OptionSpec) arg).usageHelp()) {
                    continue;
                }
                softly.assertThat(arg.paramLabel()).as("%s %s: placeholder", name, label(arg))
                        .matches(label -> PLACEHOLDER.matcher(label.replace("xN", "N")).matches());
                softly.assertThat(String.join(" ", arg.description())).as("%s %s: no <placeholder> in its text",
                        name, label(arg)).doesNotContainPattern("<[a-z][a-z-]*>");
            }
            OptionSpec sandbox = spec.findOption("--sandbox");
            if (sandbox != null) {
                softly.assertThat(!sandbox.hidden()).as("%s: --sandbox shown only where it can be used", name)
                        .isEqualTo(IN_PROCESS_SANDBOX.contains(name));
                if (!name.equals("amibake bake") && !sandbox.hidden()) {
                    softly.assertThat(String.join(" ", sandbox.description())).as("%s: --sandbox's text", name)
                            .doesNotContain("bake against it");
                }
            }
            if (LISTS.contains(name)) {
                softly.assertThat(spec.findOption("--json")).as("%s: --json for scripts", name).isNotNull();
            }
            String[] description = spec.usageMessage().description();
            if (description.length > 0 && !name.equals("amibake")) {
                softly.assertThat(description[0].split(" ")[0]).as("%s: starts with a verb in the imperative", name)
                        .doesNotMatch("[A-Z][a-z]*[^s]s");
            }
        }
        softly.assertAll();
    }

    private static String label(ArgSpec arg) {
        return arg.isOption() ? ((OptionSpec) arg).longestName() : arg.paramLabel();
    }

    private static void walk(CommandLine command, List<CommandLine> all) {
        if (command.getCommand() instanceof CommandLine.HelpCommand) {
            return;
        }
        all.add(command);
        command.getSubcommands().values().forEach(sub -> walk(sub, all));
    }

    private static String usage(CommandLine command) {
        StringWriter text = new StringWriter();
        command.usage(new PrintWriter(text));
        return text.toString();
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }
}
