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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** A recipe's retention applies in the accounts it copies into, each through its own role. */
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

    @Test
    void theAccountKeepsOnlyItsNewestCopies() throws Exception {
        // given
        sandbox.accounts().add(DEV).trust("arn:aws:iam::" + DEV + ":role/amibake-distribute", TOOLS, null);
        sandbox.accounts().allowKeyUse(sandbox.keyArn("us-east-1", "alias/amibake-images"), DEV);
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
        // and what the account's role called is what docs/accounts.md allows it, removals included
        Set<String> called = AccountsPage.called(before, sandbox.stats(), DEV);
        assertThat(called).contains("ec2:DeregisterImage", "ec2:DeleteSnapshot", "ec2:CreateTags")
                .allSatisfy(action -> assertThat(action).isIn(AccountsPage.read().actions("distribute")));
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
