package io.amibake.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.TestRecipes;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.Target;
import io.amibake.sandbox.SandboxAccounts;
import io.amibake.sandbox.SandboxStats;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** A bake's request tally counts what its accounts' roles sent, not only the build account's clients. */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:accounts",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "amibake.poll-min-delay=10ms",
        "amibake.role-refresh=500ms"})
class AccountRequestTallyTest {

    private static final String DEV = "222222222222";

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.001);

    @Autowired
    private BakeService runner;

    @TempDir
    Path manifests;

    @Test
    void theTallyHoldsTheCopiesTheAccountsRolesMade() throws Exception {
        // given a recipe whose only copies are made by another account's role
        sandbox.accounts().add(DEV)
                .trust("arn:aws:iam::" + DEV + ":role/amibake-distribute", SandboxAccounts.DEFAULT, null);
        sandbox.accounts().allowKeyUse(sandbox.keyArn("us-east-1", "alias/amibake-images"), DEV);
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
        long copies = sandbox.stats().countIn(DEV, "us-east-1", "CopyImage")
                + sandbox.stats().countIn(DEV, "eu-west-1", "CopyImage")
                - before.countIn(DEV, "us-east-1", "CopyImage") - before.countIn(DEV, "eu-west-1", "CopyImage");
        assertThat(copies).isEqualTo(2);
        assertThat(result.view().requests()).containsEntry("CopyImage", copies)
                .hasEntrySatisfying("AssumeRole", count -> assertThat(count).isPositive());
    }
}
