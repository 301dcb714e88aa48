package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.TestRecipes;
import io.amibake.cloud.BakeTags;
import io.amibake.engine.job.AccountsPage;
import io.amibake.sandbox.SandboxAccounts;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxStats;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prune} and {@code sweep} reach the accounts a recipe copies into, each through that
 * account's role as a bake does, with the same rules as in the build account; a role that refuses
 * stops its own account only.
 */
@Timeout(240)
class AccountsPruneSweepTest {

    private static final String TOOLS = SandboxAccounts.DEFAULT;
    private static final String DEV = "222222222222";
    private static final String PROD = "333333333333";
    private static final String GONE = "444444444444";

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.0005);

    @TempDir
    Path home;

    private String out;
    private String err;

    @BeforeAll
    static void accounts() {
        sandbox.accounts().add(DEV).add(PROD).add(GONE);
        String buildKey = sandbox.keyArn("us-east-1", "alias/amibake-images");
        for (String account : List.of(DEV, PROD, GONE)) {
            sandbox.accounts().allowKeyUse(buildKey, account);
        }
    }

    @BeforeEach
    void everyRoleTrustsTheToolsAccount() {
        sandbox.faults().clear();
        for (String account : List.of(DEV, PROD, GONE)) {
            sandbox.accounts().trust(role(account), TOOLS, null);
        }
    }

    @Test
    void pruneAppliesRetentionInEachAccountThroughItsRoleAndReportsTheOneThatRefuses() throws Exception {
        // given two bakes of a recipe without retention, copied into three accounts
        Path recipe = home.resolve("spread.yaml");
        Files.writeString(recipe, recipe("spread", "", "eu-west-1"));
        assertThat(amibake("bake", recipe.toString(), "--var", "run=1")).as(out + err).isZero();
        assertThat(amibake("bake", recipe.toString(), "--var", "run=2")).as(out + err).isZero();
        assertThat(copies("spread", DEV)).hasSize(4);
        // and then a retention that keeps one, and one account's role that no longer trusts amibake
        Files.writeString(recipe, recipe("spread", "  retention: {keep: 1}\n", "eu-west-1"));
        sandbox.accounts().distrust(role(GONE));
        SandboxStats before = sandbox.stats();

        // when
        int exit = amibake("prune", recipe.toString(), "--endpoint-url", sandbox.endpoint().toString());

        // then each account that let amibake in keeps only the newest copy in each of its regions
        assertThat(exit).as(out + err).isEqualTo(1);
        assertThat(out).contains("  us-east-1: 1 gone, 1 kept", "  " + DEV + "/us-east-1: 1 gone, 1 kept",
                "  " + DEV + "/eu-west-1: 1 gone, 1 kept", "  " + PROD + "/eu-west-1: 1 gone, 1 kept");
        assertThat(copies("spread", DEV)).extracting(SandboxImage::name).containsExactly("spread-2", "spread-2");
        assertThat(copies("spread", PROD)).extracting(SandboxImage::name).containsExactly("spread-2");
        // and the refusing one is named on one line, its copies untouched
        assertThat(err.lines()).singleElement().asString().startsWith("amibake: prune of spread in account " + GONE
                + " stopped: role " + role(GONE) + " could not be assumed: AccessDenied");
        assertThat(copies("spread", GONE)).extracting(SandboxImage::name)
                .containsExactlyInAnyOrder("spread-1", "spread-2");
        // and the accounts' roles called only what docs/accounts.md allows them
        for (String account : List.of(DEV, PROD)) {
            assertThat(AccountsPage.called(before, sandbox.stats(), account)).contains("ec2:DeregisterImage")
                    .allSatisfy(action -> assertThat(action).isIn(AccountsPage.read().actions("distribute")));
        }
    }

    @Test
    void sweepRemovesAnAbandonedBakesUnpublishedCopyInAnAccountAndKeepsThePublishedOnes() throws Exception {
        // given a bake whose copy in DEV's us-west-2 could not be marked published (its role may not tag),
        // then abandoned
        Path recipe = home.resolve("left.yaml");
        Files.writeString(recipe, recipe("left", "", "us-west-2"));
        sandbox.faults().failNext("CreateTags", "us-west-2", "UnauthorizedOperation", 1);
        assertThat(amibake("bake", recipe.toString(), "--var", "run=1")).as(out + err).isEqualTo(1);
        assertThat(amibake("abandon", "left", "--endpoint-url", sandbox.endpoint().toString(), "--home",
                home.toString())).as(out + err).isZero();
        SandboxImage orphan = copies("left", DEV).stream().filter(i -> i.region().equals("us-west-2"))
                .filter(i -> !i.tags().containsKey(BakeTags.PUBLISHED)).findFirst().orElseThrow();
        SandboxImage published = copies("left", PROD).get(0);
        sandbox.accounts().distrust(role(GONE));

        // when a dry run, then the sweep
        int dryRun = amibake("sweep", recipe.toString(), "--dry-run", "--region", "us-east-1", "--region",
                "us-west-2", "--region", "eu-west-1", "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString());
        String planned = out;
        List<SandboxImage> afterDryRun = copies("left", DEV);
        SandboxStats before = sandbox.stats();
        int exit = amibake("sweep", recipe.toString(), "--region", "us-east-1", "--region", "us-west-2",
                "--region", "eu-west-1", "--endpoint-url", sandbox.endpoint().toString(), "--home", home.toString());

        // then the dry run changed nothing, and the sweep removed the orphan copy in its account only
        assertThat(dryRun).isEqualTo(1);
        assertThat(planned).containsPattern("go +" + DEV + "/us-west-2 +image +" + orphan.imageId()
                + " .*its bake was abandoned");
        assertThat(afterDryRun).extracting(SandboxImage::imageId).contains(orphan.imageId());
        assertThat(exit).as(out + err).isEqualTo(1);
        assertThat(out).containsPattern("gone +" + DEV + "/us-west-2 +image +" + orphan.imageId())
                .containsPattern("keep +" + PROD + "/eu-west-1 +image +" + published.imageId());
        assertThat(copies("left", DEV)).extracting(SandboxImage::imageId).doesNotContain(orphan.imageId());
        assertThat(copies("left", PROD)).containsExactly(published);
        assertThat(copies("left", GONE)).hasSize(1);
        assertThat(err.lines()).singleElement().asString().startsWith("amibake: sweep of account " + GONE
                + " stopped: role " + role(GONE) + " could not be assumed: AccessDenied");
        assertThat(AccountsPage.called(before, sandbox.stats(), DEV)).contains("ec2:DeregisterImage")
                .allSatisfy(action -> assertThat(action).isIn(AccountsPage.read().actions("distribute")));
    }

    /** A recipe copied into DEV's us-east-1 and another, PROD's and GONE's eu-west-1, named by variable {@code run}. */
    private static String recipe(String name, String retention, String devRegion) {
        return TestRecipes.withBuildKey(name, """
                image:
                  name: "{{recipe}}-{{var.run}}"
                %svariables:
                  run: "1"
                accounts:
                  - roleArn: %s
                    regions: [us-east-1, %s]
                    ssmParameter: /images/{{recipe}}/latest
                  - roleArn: %s
                    regions: [eu-west-1]
                  - roleArn: %s
                    regions: [eu-west-1]
                """.formatted(retention, role(DEV), devRegion, role(PROD), role(GONE)));
    }

    private static String role(String account) {
        return "arn:aws:iam::" + account + ":role/amibake-distribute";
    }

    /** The recipe's available images in the account, oldest first. */
    private static List<SandboxImage> copies(String recipe, String account) {
        return sandbox.images().stream().filter(i -> i.account().equals(account) && i.state().equals("available"))
                .filter(i -> recipe.equals(i.tags().get(BakeTags.RECIPE)))
                .sorted(java.util.Comparator.comparing(SandboxImage::createdAt)).toList();
    }

    private int amibake(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (args[0].equals("bake")) {
            all.addAll(List.of("--endpoint-url", sandbox.endpoint().toString(), "--home", home.toString()));
        }
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int exit = AmibakeCommand.commandLine().setOut(new PrintWriter(o)).setErr(new PrintWriter(e))
                .execute(all.toArray(String[]::new));
        out = o.toString();
        err = e.toString();
        return exit;
    }
}
