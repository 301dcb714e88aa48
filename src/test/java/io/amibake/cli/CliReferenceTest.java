package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * docs/cli.md is every command's help as picocli prints it, so the reference never drifts from the
 * code: this test fails when it does, and writes it afresh when run with {@code -Damibake.docs.write=true}.
 */
class CliReferenceTest {

    private static final Path REFERENCE = Path.of("docs/cli.md");

    /** Wide enough for a line of options, narrow enough to read on GitHub without scrolling far. */
    private static final int WIDTH = 100;

    @Test
    void docsCliMdIsTheCommandsOwnHelp() throws Exception {
        String generated = reference();
        if (Boolean.getBoolean("amibake.docs.write")) {
            Files.writeString(REFERENCE, generated);
        }
        assertThat(Files.exists(REFERENCE)).as("docs/cli.md exists").isTrue();
        assertThat(Files.readString(REFERENCE))
                .as("docs/cli.md drifted from the commands' help; regenerate it with: mvn -B -o -q test"
                        + " -Dtest=CliReferenceTest -Damibake.docs.write=true")
                .isEqualTo(generated);
    }

    static String reference() {
        CommandLine root = AmibakeCommand.commandLine();
        StringBuilder md = new StringBuilder();
        md.append("# Command reference\n\n")
                .append("Every command's `--help`, as the program prints it. Generated from the commands themselves")
                .append(" by `CliReferenceTest`, which fails when this page drifts; regenerate it with\n")
                .append("`mvn -B -o -q test -Dtest=CliReferenceTest -Damibake.docs.write=true`.\n\n")
                .append("A bake is named the same way everywhere: a recipe's name or file (its newest bake), a bake")
                .append(" id, or an execution number. Every command exits 2 on bad input or usage, before any")
                .append(" cloud call; each lists its own exit codes.\n\n");
        root.getSubcommands().forEach((name, command) -> {
            if (!command.getCommandSpec().usageMessage().hidden() && !name.equals("help")) {
                md.append("- [`amibake ").append(name).append("`](#amibake-").append(name).append(")\n");
            }
        });
        md.append('\n');
        section(md, root);
        root.getSubcommands().forEach((name, command) -> {
            if (!command.getCommandSpec().usageMessage().hidden() && !name.equals("help")) {
                section(md, command);
                command.getSubcommands().values().forEach(sub -> section(md, sub));
            }
        });
        return md.toString();
    }

    private static void section(StringBuilder md, CommandLine command) {
        StringWriter text = new StringWriter();
        command.setUsageHelpAutoWidth(false).setUsageHelpWidth(WIDTH)
                .usage(new PrintWriter(text), CommandLine.Help.Ansi.OFF);
        md.append("## ").append(command.getCommandSpec().qualifiedName()).append("\n\n```text\n")
                .append(text.toString().stripTrailing()).append("\n```\n\n");
    }
}
