package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.TestRecipes;
import io.amibake.sandbox.SandboxAccounts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@code status} and {@code status --json} show of a bake copied into two accounts, one of
 * whose roles refuses: each account-region as its own row, {@code ACCOUNT/REGION}.
 */
class AccountsStatusTest {

    private static final String DEV = "222222222222";
    private static final String PROD = "333333333333";

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.0005);

    @TempDir
    static Path home;

    private static long execution;
    private static String out;
    private static String err;

    @BeforeAll
    static void bakeIntoTwoAccountsOneRefusing() throws Exception {
        sandbox.accounts().add(DEV).add(PROD)
                .trust("arn:aws:iam::" + DEV + ":role/amibake-distribute", SandboxAccounts.DEFAULT, null);
        sandbox.accounts().allowKeyUse(sandbox.keyArn("us-east-1", "alias/amibake-images"), DEV);
        Path recipe = home.resolve("spread.yaml");
        Files.writeString(recipe, TestRecipes.withBuildKey("spread", """
                image:
                  name: "{{recipe}}-{{timestamp}}"
                regions: [us-east-1, eu-west-1]
                accounts:
                  - roleArn: arn:aws:iam::222222222222:role/amibake-distribute
                    regions: [eu-west-1]
                  - roleArn: arn:aws:iam::333333333333:role/amibake-distribute
                    regions: [eu-west-1]
                """));
        assertThat(amibake("bake", recipe.toString(), "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString())).as(out + err).isEqualTo(1);
        assertThat(amibake("status", "spread", "--json", "--home", home.toString())).as(err).isZero();
        execution = JsonMapper.builder().build().readTree(out).get(0).path("execution").asLong();
    }

    @Test
    void statusShowsEachAccountRegionAsItsOwnRow() {
        // when
        int exit = amibake("status", "--execution", String.valueOf(execution), "--home", home.toString());

        // then
        assertThat(exit).as(err).isZero();
        assertThat(row(DEV + "/eu-west-1")).matches(DEV + "/eu-west-1 +COMPLETED +ami-[0-9a-f]{17}");
        assertThat(row(PROD + "/eu-west-1")).matches(PROD + "/eu-west-1 +FAILED +-");
        assertThat(row("eu-west-1")).matches("eu-west-1 +COMPLETED +ami-[0-9a-f]{17}");
        assertThat(out).contains("AccessDenied");
    }

    @Test
    void statusJsonListsEachAccountRegion() {
        // when
        int exit = amibake("status", "--execution", String.valueOf(execution), "--json", "--home", home.toString());

        // then
        assertThat(exit).as(err).isZero();
        List<String> regions = new ArrayList<>();
        for (JsonNode region : JsonMapper.builder().build().readTree(out).path("regions")) {
            regions.add(region.path("region").asText() + " " + region.path("status").asText());
        }
        assertThat(regions).containsExactly("us-east-1 COMPLETED", "eu-west-1 COMPLETED",
                DEV + "/eu-west-1 COMPLETED", PROD + "/eu-west-1 FAILED");
    }

    private static String row(String region) {
        return out.lines().filter(line -> line.startsWith(region + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + region + " in\n" + out));
    }

    private static int amibake(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int exit = AmibakeCommand.commandLine().setOut(new PrintWriter(o)).setErr(new PrintWriter(e)).execute(args);
        out = o.toString();
        err = e.toString();
        return exit;
    }
}
