package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One way to name a bake (issue 28): a recipe's name (its newest bake), a bake id, or an execution
 * number, the same for status, logs, report, stop, abandon and resume, with one error message. The
 * bake here failed once and was resumed: two executions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OneBakeNameTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    static Path home;

    private final CommandRunner cli = new CommandRunner(() -> home);
    private String bakeId;
    private long first;


    @BeforeAll
    void aBakeThatFailedOnceAndWasResumed() {
        sandbox.sandbox().faults().failCommand("curl -fsS http://localhost/", 7, "curl: (7) Failed to connect");
        assertThat(cli.run("bake", "recipes/httpd.yaml", "--endpoint-url", sandbox.endpoint().toString()))
                .as(cli.err()).isEqualTo(1);
        Matcher started = Pattern.compile("bake (httpd-\\S+) of recipe httpd \\(execution (\\d+)\\)")
                .matcher(cli.out());
        assertThat(started.find()).as(cli.out()).isTrue();
        bakeId = started.group(1);
        first = Long.parseLong(started.group(2));
        sandbox.sandbox().faults().clear();
        assertThat(cli.run("resume", "httpd", "--endpoint-url", sandbox.endpoint().toString()))
                .as(cli.err()).isZero();
    }

    @Test
    void statusTakesABakeIdWhereItTookOnlyANumber() {
        // when
        int exit = cli.run("status", "--execution", bakeId);

        // then no "is not a long": the bake's steps, of both its executions
        assertThat(exit).as(cli.err()).isZero();
        assertThat(cli.err()).doesNotContain("is not a long");
        assertThat(cli.out()).startsWith("bake " + bakeId + ", recipe httpd").contains(", 2 executions took ")
                .containsPattern(first + " +provision +FAILED ").containsPattern("\\d+ +provision +COMPLETED ");
    }

    @Test
    void statusOfARecipeListsTheResumedBakeOnceWithItsIdAndItsExecutions() throws Exception {
        // when
        int exit = cli.run("status", "httpd");
        String table = cli.out();
        int json = cli.run("status", "httpd", "--json");

        // then one line: the bake id, its latest execution, and both executions counted
        assertThat(exit).isZero();
        assertThat(table.lines()).hasSize(2).last().asString().matches("\\d+ +" + bakeId + " +COMPLETED +\\S+ .* 2 +ami-\\S+");
        assertThat(table).endsWith(System.lineSeparator());
        assertThat(json).isZero();
        JsonNode bakes = JsonMapper.builder().build().readTree(cli.out());
        assertThat(bakes).hasSize(1);
        assertThat(bakes.get(0).path("bake").asString()).isEqualTo(bakeId);
        assertThat(bakes.get(0).path("executions").asInt()).isEqualTo(2);
        assertThat(bakes.get(0).path("status").asString()).isEqualTo("COMPLETED");
    }

    @Test
    void anOldExecutionNumberNamesItsBake() {
        // when
        int exit = cli.run("status", String.valueOf(first));

        // then
        assertThat(exit).as(cli.err()).isZero();
        assertThat(cli.out()).startsWith("bake " + bakeId + ", recipe httpd");
    }

    @Test
    void logsAndReportWithoutANameShowTheNewestBake() throws Exception {
        // when
        int logs = cli.run("logs");
        String printed = cli.out();
        Path file = home.resolve("newest.html");
        int report = cli.run("report", "-o", file.toString());

        // then
        assertThat(logs).as(cli.err()).isZero();
        assertThat(printed).contains("== provision / check-page: Failed, exit code 7")
                .contains("== provision / check-page: Success, exit code 0");
        assertThat(report).as(cli.err()).isZero();
        assertThat(cli.out()).contains("(bake " + bakeId + ", COMPLETED)");
        assertThat(Files.readString(file)).contains(bakeId);
    }

    @Test
    void theReportSaysExecutionWhereStatusDoesAndNeverRun() throws Exception {
        // when
        Path file = home.resolve("words.html");
        int report = cli.run("report", bakeId, "-o", file.toString());

        // then one word for a bake's first run and each resume, as in status and its JSON
        assertThat(report).as(cli.err()).isZero();
        String html = Files.readString(file);
        assertThat(html).contains("Execution " + first + ": failed").contains(" in 2 executions, ")
                .doesNotContainPattern("\\bRun \\d|\\d runs\\b|<th>runs</th>");
    }

    @Test
    void aNameThatMatchesNothingIsOneLineNamingWhatWasTriedAndWhatExists() {
        for (String[] command : new String[][] {{"status", "nosuch"}, {"logs", "nosuch"}, {"report", "nosuch"},
                {"stop", "nosuch"}, {"abandon", "nosuch", "--endpoint-url", sandbox.endpoint().toString()},
                {"resume", "nosuch", "--endpoint-url", sandbox.endpoint().toString()},
                {"abandon", "--execution", "nosuch", "--endpoint-url", sandbox.endpoint().toString()}}) {
            // when
            int exit = cli.run(command);

            // then
            assertThat(exit).as(String.join(" ", command) + ": " + cli.err()).isEqualTo(2);
            assertThat(cli.err()).as(String.join(" ", command))
                    .startsWith("amibake: no bake 'nosuch': no recipe of that name has bakes, and it is no execution"
                            + " number or bake id in ")
                    .endsWith("recipes with bakes: httpd (see 'amibake status')" + System.lineSeparator())
                    .doesNotContain("is not a long");
        }
    }

    @Test
    void stopNamesTheBakeThatDoesNotRun() {
        // when
        int exit = cli.run("stop", bakeId);

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(cli.err()).contains("amibake: bake " + bakeId + " (execution ")
                .contains(") is COMPLETED, not running; nothing to stop");
    }

    @Test
    void theImageTestsOutputIsKeptAndAnUnknownStepIsNamedWithTheKnownOnes() {
        // when
        int tests = cli.run("logs", "httpd", "--step", "testImage");
        String printed = cli.out();
        int unknown = cli.run("logs", "httpd", "--step", "tests");

        // then
        assertThat(tests).as(cli.err()).isZero();
        assertThat(printed).contains("== testImage / web-server-active: Success, exit code 0");
        assertThat(unknown).isEqualTo(2);
        assertThat(cli.err()).isEqualTo("amibake: --step tests keeps no command output; the steps that do:"
                + " installPackages, provision, cleanup, testImage" + System.lineSeparator());
    }
}
