package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.TestRecipes;
import io.amibake.cloud.BakeTags;
import io.amibake.engine.job.CrashPoints;
import io.amibake.sandbox.SandboxAccounts;
import io.amibake.sandbox.SandboxImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The packaged program halted the moment another account's CopyImage (or parameter write)
 * returned, before the partition saved it, then resumed: each account-region ends with exactly
 * one copy, the one its parameter names.
 */
class AccountsCrashIT {

    private static final String TOOLS = SandboxAccounts.DEFAULT;
    private static final String DEV = "222222222222";
    private static final String PROD = "333333333333";
    /** Every account-region of the recipe below, as account and region. */
    private static final List<List<String>> PARTITIONS = List.of(List.of(DEV, "us-east-1"), List.of(DEV, "eu-west-1"),
            List.of(PROD, "eu-west-1"));

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.01);

    @TempDir
    Path home;

    @BeforeAll
    static void accounts() {
        sandbox.accounts().add(DEV).add(PROD)
                .trust("arn:aws:iam::" + DEV + ":role/amibake-distribute", TOOLS, null)
                .trust("arn:aws:iam::" + PROD + ":role/amibake-distribute", TOOLS, null);
        String key = sandbox.keyArn("us-east-1", "alias/amibake-images");
        sandbox.accounts().allowKeyUse(key, DEV).allowKeyUse(key, PROD);
    }

    @ParameterizedTest(name = "halted right after {0}")
    @ValueSource(strings = {"CopyImage", "CopyImage#3", "PutParameter#2"})
    void aBakeHaltedDuringTheAccountsCopiesResumesToOneCopyInEachAccountRegion(String call) throws Exception {
        // given a bake halted right after the call returned, before its partition saved it
        String recipe = "accounts-" + call.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        Path file = home.resolve(recipe + ".yaml");
        Files.writeString(file, TestRecipes.withBuildKey(recipe, """
                image:
                  name: "{{recipe}}-{{timestamp}}"
                accounts:
                  - roleArn: arn:aws:iam::222222222222:role/amibake-distribute
                    regions: [us-east-1, eu-west-1]
                    ssmParameter: /images/{{recipe}}/latest
                  - roleArn: arn:aws:iam::333333333333:role/amibake-distribute
                    regions: [eu-west-1]
                    ssmParameter: /images/{{recipe}}/latest
                """));
        String endpoint = sandbox.endpoint().toString();
        AmibakeProcess halted = AmibakeProcess.start(home, Map.of(CrashPoints.VARIABLE, call), line -> false,
                "bake", file.toString(), "--endpoint-url", endpoint, "--home", home.toString(), "--json");
        assertThat(halted.awaitExit()).as(halted.output()).isEqualTo(AmibakeProcess.KILLED);
        assertThat(halted.stderr()).as(halted.output()).contains("halted after " + call.replaceAll("#.*", ""));

        // when
        AmibakeProcess resumed = AmibakeProcess.run(home, "resume", recipe, "--endpoint-url", endpoint,
                "--home", home.toString(), "--json");

        // then
        String story = halted.output() + "\n" + resumed.output();
        assertThat(resumed.exitCode()).as(story).isZero();
        for (List<String> partition : PARTITIONS) {
            String account = partition.get(0);
            String region = partition.get(1);
            List<SandboxImage> copies = sandbox.images().stream()
                    .filter(i -> i.account().equals(account) && i.region().equals(region))
                    .filter(i -> recipe.equals(i.tags().get(BakeTags.RECIPE)))
                    .filter(i -> !i.state().equals("deregistered")).toList();
            assertThat(copies).as(account + "/" + region + "\n" + story).singleElement()
                    .satisfies(copy -> {
                        assertThat(copy.state()).isEqualTo("available");
                        assertThat(parameter(account, region, "/images/" + recipe + "/latest"))
                                .isEqualTo(copy.imageId());
                    });
        }
    }

    private static String parameter(String account, String region, String name) {
        try (SsmClient ssm = SsmClient.builder().endpointOverride(sandbox.endpoint()).region(Region.of(region))
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        SandboxAccounts.accessKeyOf(account), "x"))).build()) {
            return ssm.getParameter(r -> r.name(name)).parameter().value();
        }
    }
}
