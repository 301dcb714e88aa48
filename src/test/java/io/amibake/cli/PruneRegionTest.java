package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code prune --region} looks at the regions named only, as {@code sweep --region} does (issue 28). */
class PruneRegionTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int amibake(String... args) {
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void aDryRunOfOneRegionLooksThereOnly() {
        // when
        int exit = amibake("prune", "recipes/httpd.yaml", "--dry-run", "--region", "eu-west-1",
                "--endpoint-url", sandbox.endpoint().toString());

        // then
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("  eu-west-1: 0 would go, 0 kept").doesNotContain("us-east-1")
                .doesNotContain("us-west-2");
    }

    @Test
    void anUnknownRegionIsBadInputWithASuggestion() {
        // when
        int exit = amibake("prune", "recipes/httpd.yaml", "--region", "eu-west-11",
                "--endpoint-url", sandbox.endpoint().toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).startsWith("amibake: --region eu-west-11: unknown region; did you mean");
    }

    @Test
    void theDryRunsJsonIsOneArray() throws Exception {
        // when
        int exit = amibake("prune", "recipes/httpd.yaml", "--dry-run", "--json",
                "--endpoint-url", sandbox.endpoint().toString());

        // then
        assertThat(exit).as(err.toString()).isZero();
        JsonNode lines = JsonMapper.builder().build().readTree(out.toString());
        assertThat(lines.isArray()).as(out.toString()).isTrue();
    }
}
