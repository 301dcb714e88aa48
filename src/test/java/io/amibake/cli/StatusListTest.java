package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.amibake.SandboxExtension;
import io.amibake.engine.api.BakeLine;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeSummary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status} lists bakes without starting Spring (issue 27): the lines it reads with plain
 * JDBC are the engine's history, field by field, for every recipe filter and limit, on a home with
 * a bake that failed and was resumed (two executions), one that failed and stayed failed, one that
 * completed at once, and a bake of another recipe.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusListTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    static Path home;

    private final CommandRunner cli = new CommandRunner(() -> home);


    @BeforeAll
    void bakesOfEveryKind() {
        String endpoint = sandbox.endpoint().toString();
        sandbox.sandbox().faults().failCommand("curl -fsS http://localhost/", 7, "curl: (7) Failed to connect");
        assertThat(cli.run("bake", "recipes/httpd.yaml", "--endpoint-url", endpoint)).as(cli.err()).isEqualTo(1);
        sandbox.sandbox().faults().clear();
        assertThat(cli.run("resume", "httpd", "--endpoint-url", endpoint)).as(cli.err()).isZero();
        assertThat(cli.run("bake", "recipes/httpd-debian.yaml", "--endpoint-url", endpoint)).as(cli.err())
                .isZero();
        assertThat(cli.run("bake", "recipes/httpd.yaml", "--endpoint-url", endpoint)).as(cli.err()).isZero();
        sandbox.sandbox().faults().failCommand("curl -fsS http://localhost/", 7, "curl: (7) Failed to connect");
        assertThat(cli.run("bake", "recipes/httpd.yaml", "--endpoint-url", endpoint)).as(cli.err()).isEqualTo(1);
        sandbox.sandbox().faults().clear();
    }

    @Test
    void theLinesReadWithoutSpringAreTheEnginesHistory() {
        List<String> recipes = new ArrayList<>(Arrays.asList(null, "httpd", "httpd-debian", "nosuch"));
        List<Integer> limits = List.of(0, 1, 2, 3, 20);

        // when
        List<List<BakeLine>> quick = new ArrayList<>();
        for (String recipe : recipes) {
            for (int limit : limits) {
                Optional<List<BakeLine>> lines = BakeContext.lines(home, recipe, limit);
                assertThat(lines).as("read without Spring: " + recipe + ", limit " + limit).isPresent();
                quick.add(lines.get());
            }
        }

        // then
        List<List<BakeLine>> engine = new ArrayList<>();
        try (BakeContext context = BakeContext.open(home)) {
            BakeService bakes = context.launcher();
            for (String recipe : recipes) {
                for (int limit : limits) {
                    engine.add(bakes.history(recipe, limit).stream().map(BakeSummary::line).toList());
                }
            }
        }
        assertThat(quick).isEqualTo(engine);
        assertThat(quick.get(limits.indexOf(20))).hasSize(4)
                .extracting(BakeLine::runs, BakeLine::status, BakeLine::recipe)
                .containsExactly(tuple(1, "FAILED", "httpd"),
                        tuple(1, "COMPLETED", "httpd"),
                        tuple(1, "COMPLETED", "httpd-debian"),
                        tuple(2, "COMPLETED", "httpd"));
    }

    @Test
    void statusPrintsTheLinesTheEngineWouldHave() {
        // when
        int table = cli.run("status");
        String printed = cli.out();
        int json = cli.run("status", "httpd", "--json");

        // then
        assertThat(table).as(cli.err()).isZero();
        assertThat(printed.lines()).hasSize(5).first().asString()
                .matches("EXECUTION BAKE +STATUS +STEP +STARTED +DURATION +EXECUTIONS IMAGE");
        assertThat(printed.lines().skip(1)).allMatch(line -> line.matches("\\d+ +httpd\\S* +(COMPLETED|FAILED) +\\S+ +"
                + "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\S+ +[12] +(ami-\\S+|-)"), "a bake's line");
        assertThat(json).as(cli.err()).isZero();
        assertThat(cli.out()).startsWith("[{\"execution\":").contains("\"recipe\":\"httpd\"")
                .doesNotContain("httpd-debian");
    }
}
