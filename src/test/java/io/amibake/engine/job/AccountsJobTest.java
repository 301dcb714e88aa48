package io.amibake.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.cloud.BakeTags;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.RegionView;
import io.amibake.engine.api.Target;
import io.amibake.sandbox.LatencyProfile;
import io.amibake.sandbox.SandboxAccounts;
import io.amibake.sandbox.SandboxImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * A recipe baked under a role and copied into other accounts, against the sandbox's accounts:
 * each account's copy is its own, and an account whose role refuses fails alone and resumes.
 */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:accounts",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "amibake.poll-min-delay=10ms",
        // A session lasts 3600 sandbox seconds, 1.8 s here: refreshed well before it ends.
        "amibake.role-refresh=500ms"})
class AccountsJobTest {

    private static final String RECIPE = "src/test/resources/recipes/accounts.yaml";
    private static final String TOOLS = SandboxAccounts.DEFAULT;
    private static final String DEV = "222222222222";
    private static final String PROD = "333333333333";
    private static final String EDGE = "444444444444";
    private static final String MEMBER = "555555555555";
    private static final String OUTSIDER = "666666666666";
    /** In the organization's root, and none of the recipe's accounts. */
    private static final String ELSEWHERE = "777777777777";

    /** Copies take three sandbox hours: several of the roles' sessions. */
    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.0005,
            options -> options.withProfile(LatencyProfile.aws().with("image-copy", Duration.ofHours(3))));

    /** The OU that DEV and MEMBER are in; PROD and EDGE are in the organization's root. */
    private static String ou;

    @Autowired
    private BakeService runner;

    @TempDir
    Path manifests;

    @BeforeAll
    static void accounts() {
        String role = ":role/amibake-distribute";
        ou = sandbox.accounts().addOrganizationalUnit(null);
        sandbox.accounts().add(DEV, ou).add(PROD).add(EDGE).add(MEMBER, ou).add(ELSEWHERE).addOutsider(OUTSIDER)
                .trust("arn:aws:iam::" + TOOLS + ":role/amibake-build", TOOLS, "tools-ext")
                .trust("arn:aws:iam::" + DEV + role, TOOLS, "dev-ext")
                .trust("arn:aws:iam::" + PROD + role, TOOLS, null);
        // The build's key lets every account copy what it encrypts; EDGE's role trusts nobody yet.
        String buildKey = sandbox.keyArn("us-east-1", "alias/amibake-images");
        for (String account : List.of(DEV, PROD, EDGE)) {
            sandbox.accounts().allowKeyUse(buildKey, account);
        }
    }

    private static StaticCredentialsProvider keysOf(String account) {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(SandboxAccounts.accessKeyOf(account), "x"));
    }

    @Test
    void anAccountWhoseRoleRefusesFailsAloneAndTheResumeFinishesItOnceTrusted() throws Exception {
        // when
        BakeResult failed = bake("refused");

        // then the other accounts have their copies, published, and the refusing one nothing
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(failed.error()).contains(EDGE + "/us-west-2").contains("AccessDenied");
        Map<String, RegionView> regions = failed.view().regions().stream()
                .collect(Collectors.toMap(RegionView::region, Function.identity()));
        assertThat(regions.get(DEV + "/us-east-1").status()).isEqualTo("available");
        assertThat(regions.get(PROD + "/eu-west-1").status()).isEqualTo("available");
        assertThat(regions.get(EDGE + "/us-west-2").status()).isEqualTo("failed");
        assertThat(copies(failed, DEV)).extracting(SandboxImage::region)
                .containsExactlyInAnyOrder("us-east-1", "eu-west-1");
        assertThat(copies(failed, DEV)).allSatisfy(copy -> {
            assertThat(copy.state()).isEqualTo("available");
            assertThat(copy.tags()).containsEntry("Team", "platform").containsEntry(BakeTags.RECIPE, "multi");
            assertThat(copy.kmsKeyId()).contains(":" + DEV + ":key/");
        });
        assertThat(copies(failed, EDGE)).isEmpty();
        String devCopy = regions.get(DEV + "/eu-west-1").imageId();
        try (SsmClient ssm = SsmClient.builder().endpointOverride(sandbox.endpoint()).region(Region.EU_WEST_1)
                .credentialsProvider(keysOf(DEV)).build()) {
            assertThat(ssm.getParameter(r -> r.name("/images/multi/latest")).parameter().value()).isEqualTo(devCopy);
        }
        long devCopyCalls = sandbox.stats().countIn(DEV, null, "CopyImage");

        // when the role trusts the tools account and the bake resumes
        sandbox.accounts().trust("arn:aws:iam::" + EDGE + ":role/amibake-distribute", TOOLS, null);
        BakeResult resumed = runner.resume(failed.executionId(), Target.endpoint(sandbox.endpoint()),
                manifests.resolve("resumed.json"), BakeEvents.NONE);

        // then only that account's partition ran, and every account-region holds one copy
        assertThat(resumed.status()).as(String.valueOf(resumed.error())).isEqualTo("COMPLETED");
        assertThat(copies(resumed, EDGE)).singleElement().satisfies(copy -> {
            assertThat(copy.region()).isEqualTo("us-west-2");
            assertThat(copy.state()).isEqualTo("available");
        });
        assertThat(sandbox.stats().countIn(DEV, null, "CopyImage")).isEqualTo(devCopyCalls);
        for (String account : List.of(DEV, PROD, EDGE)) {
            assertThat(copies(resumed, account)).extracting(SandboxImage::region).doesNotHaveDuplicates();
        }
        // the bake outlived the roles' sessions: each was assumed again before it expired
        assertThat(sandbox.stats().count("AssumeRole", "us-east-1", "ok")).isGreaterThan(6);
    }

    @Test
    void theOrganizationsShareIsVisibleFromAMemberAccountAndNotFromAnOutsider() throws Exception {
        // when
        BakeResult result = bake("shared");

        // then (whether the refusing account has been trusted yet depends on the tests' order)
        assertThat(result.view().regions()).filteredOn(r -> r.region().equals("us-east-1")).singleElement()
                .satisfies(r -> assertThat(r.status()).isEqualTo("available"));
        String image = result.imageId();
        try (Ec2Client member = ec2(MEMBER); Ec2Client outsider = ec2(OUTSIDER)) {
            assertThat(member.describeImages(r -> r.imageIds(image)).images()).singleElement()
                    .satisfies(i -> assertThat(i.ownerId()).isEqualTo(TOOLS));
            assertThat(outsider.describeImages(r -> r.executableUsers("self")).images())
                    .noneMatch(i -> i.imageId().equals(image));
        }
        assertThat(sandbox.images()).filteredOn(i -> i.imageId().equals(image)).singleElement()
                .satisfies(i -> assertThat(i.launchPermissionOrganizations())
                        .containsExactly("arn:aws:organizations::123456789012:organization/o-amibake0001"));
    }

    @Test
    void anOusShareIsVisibleFromItsMembersOnly() throws Exception {
        // given the recipe shared with the OU instead of the organization
        String ouArn = sandbox.accounts().organizationalUnitArn(ou);
        String yaml = Files.readString(Path.of(RECIPE)).replace(sandbox.accounts().organizationArn(), ouArn);

        // when
        BakeResult result = runner.start(BakeRequest.of(yaml, RECIPE, Map.of("run", "ou")),
                Target.endpoint(sandbox.endpoint()), manifests.resolve("ou.json"), BakeEvents.NONE);

        // then the OU's member sees the image; an account of the organization outside the OU does not
        assertThat(result.view().regions()).filteredOn(r -> r.region().equals("us-east-1")).singleElement()
                .satisfies(r -> assertThat(r.status()).isEqualTo("available"));
        String image = result.imageId();
        try (Ec2Client member = ec2(MEMBER); Ec2Client elsewhere = ec2(ELSEWHERE)) {
            assertThat(member.describeImages(r -> r.executableUsers("self")).images())
                    .anyMatch(i -> i.imageId().equals(image));
            assertThat(elsewhere.describeImages(r -> r.executableUsers("self")).images())
                    .noneMatch(i -> i.imageId().equals(image));
        }
        assertThat(sandbox.images()).filteredOn(i -> i.imageId().equals(image)).singleElement()
                .satisfies(i -> assertThat(i.launchPermissionOrganizations()).containsExactly(ouArn));
    }

    private Ec2Client ec2(String account) {
        return Ec2Client.builder().endpointOverride(sandbox.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(keysOf(account)).build();
    }

    private BakeResult bake(String run) throws Exception {
        String yaml = Files.readString(Path.of(RECIPE));
        return runner.start(BakeRequest.of(yaml, RECIPE, Map.of("run", run)), Target.endpoint(sandbox.endpoint()),
                manifests.resolve(run + ".json"), BakeEvents.NONE);
    }

    /** The account's copies of the bake, every state. */
    private static List<SandboxImage> copies(BakeResult result, String account) {
        return sandbox.images().stream().filter(i -> i.account().equals(account))
                .filter(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE))).toList();
    }
}
