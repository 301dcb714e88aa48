package io.amibake.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.TestRecipes;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.cloud.BakeTags;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.Target;
import io.amibake.sandbox.SandboxAccounts;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxStats;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * What a bake does in the accounts it copies into besides the copy, each through its own role:
 * retention applies there, and its requests count in the bake's tally.
 */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:accounts",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "amibake.poll-min-delay=10ms",
        "amibake.role-refresh=500ms"})
class AccountRetentionTest {

    private static final String TOOLS = SandboxAccounts.DEFAULT;
    private static final String DEV = "222222222222";
    private static final String RECIPE = TestRecipes.withBuildKey("kept", """
            image:
              name: "{{recipe}}-{{var.run}}"
              retention: {keep: 1}
            variables:
              run: "1"
            accounts:
              - roleArn: arn:aws:iam::222222222222:role/amibake-distribute
                regions: [us-east-1, eu-west-1]
                ssmParameter: /images/{{recipe}}/latest
            """);

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.001);

    @Autowired
    private BakeService runner;

    @TempDir
    Path manifests;

    @BeforeAll
    static void theAccountTrustsTheToolsAccount() {
        sandbox.accounts().add(DEV).trust("arn:aws:iam::" + DEV + ":role/amibake-distribute", TOOLS, null);
        sandbox.accounts().allowKeyUse(sandbox.keyArn("us-east-1", "alias/amibake-images"), DEV);
    }

    @Test
    void theAccountKeepsOnlyItsNewestCopies() throws Exception {
        // given
        BakeResult first = bake("1");
        assertThat(first.status()).as(String.valueOf(first.error())).isEqualTo("COMPLETED");
        assertThat(available(first, DEV)).hasSize(2);

        SandboxStats before = sandbox.stats();

        // when
        BakeResult second = bake("2");

        // then the first bake's copies are gone from the account, and the second's stay
        assertThat(second.status()).as(String.valueOf(second.error())).isEqualTo("COMPLETED");
        assertThat(available(first, DEV)).isEmpty();
        assertThat(available(second, DEV)).extracting(SandboxImage::region)
                .containsExactlyInAnyOrder("us-east-1", "eu-west-1");
        assertThat(available(first, TOOLS)).isEmpty();
        assertThat(available(second, TOOLS)).hasSize(1);
        // and what the account's role called is what docs/accounts.md allows it, with what retention
        // reads before it removes, and the removals
        Set<String> called = AccountsPage.called(before, sandbox.stats(), DEV);
        assertThat(called).contains("ec2:DeregisterImage", "ec2:DeleteSnapshot", "ec2:CreateTags",
                        "ec2:DescribeInstances", "ec2:DescribeLaunchTemplates")
                .allSatisfy(action -> assertThat(action).isIn(AccountsPage.read().actions("distribute")));
    }

    @Test
    void theTallyHoldsTheCopiesTheAccountsRoleMade() throws Exception {
        // given a recipe whose only copies are made by another account's role
        String recipe = TestRecipes.withBuildKey("tally", """
                image:
                  name: "{{recipe}}-{{timestamp}}"
                accounts:
                  - roleArn: arn:aws:iam::222222222222:role/amibake-distribute
                    regions: [us-east-1, eu-west-1]
                """);
        SandboxStats before = sandbox.stats();

        // when
        BakeResult result = runner.start(BakeRequest.of(recipe, "tally.yaml", Map.of()),
                Target.endpoint(sandbox.endpoint()), manifests.resolve("tally.json"), BakeEvents.NONE);

        // then the requests it reports are the account's too
        assertThat(result.status()).as(String.valueOf(result.error())).isEqualTo("COMPLETED");
        long copies = sandbox.stats().countIn(DEV, null, "CopyImage") - before.countIn(DEV, null, "CopyImage");
        assertThat(copies).isEqualTo(2);
        assertThat(result.view().requests()).containsEntry("CopyImage", copies)
                .hasEntrySatisfying("AssumeRole", count -> assertThat(count).isPositive());
    }

    private BakeResult bake(String run) throws Exception {
        return runner.start(BakeRequest.of(RECIPE, "kept.yaml", Map.of("run", run)),
                Target.endpoint(sandbox.endpoint()), manifests.resolve(run + ".json"), BakeEvents.NONE);
    }

    /** The bake's available images in the account. */
    private static List<SandboxImage> available(BakeResult bake, String account) {
        return sandbox.images().stream().filter(i -> i.account().equals(account) && i.state().equals("available"))
                .filter(i -> bake.bakeId().equals(i.tags().get(BakeTags.BAKE))).toList();
    }
}
