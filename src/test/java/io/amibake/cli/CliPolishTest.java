package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The small things a user notices: exit codes, help text, terminal handling, targets. */
class CliPolishTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int amibake(String... args) {
        return AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    }

    @Test
    void noArgumentsIsAUsageErrorWithTheUsageOnStderr() {
        // when
        int exit = amibake();

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(err.toString()).contains("Usage: amibake").contains("report").contains("logs");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void everyHelpLineIsWholeSentencesSoWrappingNeverBreaksOneMidLine() {
        // given
        List<String> broken = new ArrayList<>();
        CommandLine root = AmibakeCommand.commandLine();

        // when
        collect(root, broken);

        // then
        assertThat(broken).isEmpty();
    }

    private static void collect(CommandLine cli, List<String> broken) {
        CommandSpec spec = cli.getCommandSpec();
        List<String> lines = new ArrayList<>(List.of(spec.usageMessage().description()));
        for (OptionSpec option : spec.options()) {
            lines.addAll(List.of(option.description()));
        }
        for (String line : lines) {
            String text = line.strip().replaceAll("(%n)+$", "");
            if (!text.isEmpty() && !text.matches("(?s).*[.:?!)]$") && !text.matches(".*\\$\\{[A-Z-]+}\\)?\\.?$")) {
                broken.add(spec.qualifiedName() + ": " + text);
            }
        }
        cli.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, broken));
    }

    @Test
    void sandboxCallsItsLatencyProfileSoNotToClashWithTheAwsProfile() {
        // when
        CommandSpec sandbox = AmibakeCommand.commandLine().getSubcommands().get("sandbox").getCommandSpec();

        // then
        assertThat(sandbox.findOption("--latency-profile")).isNotNull();
        assertThat(sandbox.findOption("--profile")).isNull();
    }

    @Test
    void completionPrintsPicocliSBashScriptForEveryCommand() {
        // when
        int exit = amibake("completion", "bash");

        // then
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("complete -F _complete_amibake")
                .contains("report").contains("logs").contains("--latency-profile").contains("ZSH_VERSION");
        assertThat(amibake("completion", "fish")).isEqualTo(AmibakeCommand.USAGE);
    }

    @Test
    void noColorAndDumbTerminalsTurnTheLiveStatusLineOff() {
        // then
        assertThat(ConsoleEvents.live(Map.of("TERM", "xterm-256color"), true)).isTrue();
        assertThat(ConsoleEvents.live(Map.of("TERM", "xterm-256color"), false)).isFalse();
        assertThat(ConsoleEvents.live(Map.of("TERM", "xterm", "NO_COLOR", "1"), true)).isFalse();
        assertThat(ConsoleEvents.live(Map.of("TERM", "dumb"), true)).isFalse();
        assertThat(ConsoleEvents.live(Map.of("NO_COLOR", ""), true)).as("an empty NO_COLOR is unset").isTrue();
    }

    @Test
    void textLinesStartWithDateAndTimeAndTheFirstNamesTheBakeAndRecipe() {
        // given
        StringWriter text = new StringWriter();
        ConsoleEvents events = new ConsoleEvents(new PrintWriter(text), false, "httpd");

        // when
        events.bakeStarted(7, "httpd-20261128t120000z-ab12");
        events.stepFinished("prepare", "COMPLETED", java.time.Duration.ofMillis(120), null);

        // then
        assertThat(text.toString().lines().toList()).hasSize(2)
                .allSatisfy(line -> assertThat(line).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\S* \\[.*"));
        assertThat(text.toString().lines().findFirst().orElseThrow())
                .contains("bake httpd-20261128t120000z-ab12 of recipe httpd (execution 7) started");
    }

    @Test
    void aBakeAgainstAwsEndpointUrlIsRecordedAsThatEndpointNotAsAws() {
        // given
        CloudOptions cloud = new CloudOptions();

        // then
        assertThat(cloud.target(null, Map.of()).waitsKey()).isEqualTo("aws");
        assertThat(cloud.target(null, Map.of("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")).waitsKey())
                .isEqualTo("http://127.0.0.1:4566");
        assertThat(cloud.target(null, Map.of("AWS_ENDPOINT_URL", "http://a", "AWS_ENDPOINT_URL_EC2", "http://b"))
                .waitsKey()).as("the EC2-specific variable wins, as in the SDK").isEqualTo("http://b");
        assertThat(cloud.target(URI.create("http://127.0.0.1:1"), Map.of("AWS_ENDPOINT_URL", "http://a")).waitsKey())
                .isEqualTo("sandbox");
    }
}
