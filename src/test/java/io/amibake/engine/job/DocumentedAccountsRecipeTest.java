package io.amibake.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.RegionView;
import io.amibake.engine.api.Target;
import io.amibake.sandbox.SandboxAccounts;
import io.amibake.sandbox.SandboxStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * docs/accounts.md's recipe bakes as the page says, with the roles, trust and key policy it
 * describes; and its IAM policies allow what that bake called in each account, and the
 * distribution role's allows nothing that bake did not call.
 */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:accounts",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "amibake.poll-min-delay=10ms",
        "amibake.role-refresh=500ms"})
class DocumentedAccountsRecipeTest {

    private static final String TOOLS = SandboxAccounts.DEFAULT;
    private static final String DEV = "222222222222";
    private static final String PROD = "333333333333";
    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.001);

    @Autowired
    private BakeService runner;

    @TempDir
    Path manifests;

    @Test
    void thePagesRecipeBakesIntoEveryAccountAndThePoliciesCoverWhatItCalled() throws Exception {
        // given the accounts, roles and key policies as the page sets them up
        AccountsPage page = AccountsPage.read();
        String yaml = page.block("yaml", "");
        assertThat(Files.readString(Path.of("recipes/accounts.yaml"))).isEqualTo(yaml);
        sandbox.accounts().add(DEV).add(PROD)
                .trust("arn:aws:iam::" + TOOLS + ":role/amibake-build", TOOLS, "amibake-tools")
                .trust("arn:aws:iam::" + DEV + ":role/amibake-distribute", TOOLS, "amibake-tools")
                .trust("arn:aws:iam::" + PROD + ":role/amibake-distribute", TOOLS, "amibake-tools");
        String buildKey = sandbox.keyArn("us-east-1", "alias/amibake-images");
        for (String account : page.keyUsers("build")) {
            sandbox.accounts().allowKeyUse(buildKey, account);
        }
        sandbox.account(DEV).createKmsKey("us-east-1", "alias/workload-images");
        sandbox.account(DEV).createKmsKey("eu-west-1", "alias/workload-images");
        // a launch template of the account's own: retention must see what it launches
        try (Ec2Client ec2 = Ec2Client.builder().endpointOverride(sandbox.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        SandboxAccounts.accessKeyOf(DEV), "x"))).build()) {
            ec2.createLaunchTemplate(r -> r.launchTemplateName("workload")
                    .launchTemplateData(d -> d.instanceType("t3.micro")));
        }
        SandboxStats before = sandbox.stats();

        // when
        BakeResult result = runner.start(BakeRequest.of(yaml, "recipes/accounts.yaml", Map.of()),
                Target.endpoint(sandbox.endpoint()), manifests.resolve("bake.json"), BakeEvents.NONE);

        // then every partition has its image
        assertThat(result.status()).as(String.valueOf(result.error())).isEqualTo("COMPLETED");
        assertThat(result.view().regions()).extracting(RegionView::region).containsExactly("us-east-1", "eu-west-1",
                DEV + "/us-east-1", DEV + "/eu-west-1", PROD + "/eu-west-1");
        assertThat(result.view().regions()).allSatisfy(r -> assertThat(r.status()).isEqualTo("available"));

        // and each account called only what its policy allows
        SandboxStats after = sandbox.stats();
        Set<String> caller = page.actions("caller");
        Set<String> build = page.actions("build");
        Set<String> distribute = page.actions("distribute");
        Set<String> free = Set.of("sts:GetCallerIdentity");
        assertThat(AccountsPage.called(before, after, TOOLS)).allSatisfy(action -> assertThat(action)
                .as("called in the tools account").isIn(union(caller, build, free)));
        for (String account : new String[] {DEV, PROD}) {
            assertThat(AccountsPage.called(before, after, account)).allSatisfy(action -> assertThat(action)
                    .as("called in " + account).isIn(distribute));
        }
        // and the distribution role's EC2 and SSM actions are all ones the bake called: KMS is EBS's
        // use, CreateTags is authorized as part of CopyImage's tags (not a request of its own), and
        // what retention reads and removes once an account holds more images than the recipe keeps
        // AccountRetentionTest sees called
        Set<String> calledThere = union(AccountsPage.called(before, after, DEV),
                AccountsPage.called(before, after, PROD));
        assertThat(page.actions("distribute",
                sid -> !sid.equals("RemoveWhatRetentionDrops") && !sid.equals("SeeWhatUsesTheCopies")))
                .filteredOn(action -> !action.startsWith("kms:") && !action.equals("ec2:CreateTags"))
                .allSatisfy(action -> assertThat(calledThere).as("allowed but never called").contains(action));
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> all = new TreeSet<>();
        for (Set<String> set : sets) {
            all.addAll(set);
        }
        return all;
    }
}
