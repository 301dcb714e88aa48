package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxClock;
import io.amibake.sandbox.SandboxOptions;
import io.amibake.sandbox.SandboxStats;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/** {@code amibake plan} against a sandbox over HTTP: every problem at once, exit codes, and nothing created. */
class PlanCommandTest {

    private static final String SOURCE = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

    private final SandboxClock.Manual clock = SandboxClock.manual(Instant.parse("2026-03-02T08:00:00Z"));
    private Sandbox sandbox;

    @TempDir
    Path home;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withThrottling(false), clock);
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    private int plan(String yaml, String... more) throws Exception {
        Path recipe = home.resolve("web.yaml");
        Files.writeString(recipe, yaml);
        List<String> args = new java.util.ArrayList<>(List.of("plan", recipe.toString(), "--endpoint-url",
                sandbox.endpoint().toString(), "--home", home.toString()));
        args.addAll(List.of(more));
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args.toArray(String[]::new));
    }

    private static String recipe(String instanceType, String kmsKey, String extraBuild, String imageName) {
        return "name: web\nos: al2023\nsource:\n  region: us-east-1\n  ssm: " + SOURCE + "\n"
                + "build:\n  instanceType: " + instanceType + "\n  instanceProfile: AmazonSSMRoleForInstancesQuickSetup\n"
                + extraBuild
                + "image:\n  name: \"" + imageName + "\"\n"
                + "regions:\n  targets: [us-east-1, eu-west-1]\n  encrypted: true\n  kmsKeys: {eu-west-1: " + kmsKey
                + "}\n  ssmParameter: /amibake/{{recipe}}/latest\n"
                + "deploy:\n  launchTemplate: web-servers\n";
    }

    /** No call that creates or changes something succeeded, and nothing lives in the sandbox. */
    private void assertNothingCreated() {
        SandboxStats stats = sandbox.stats();
        for (String create : List.of("RunInstances", "CreateImage", "CopyImage", "CreateTags", "PutParameter",
                "CreateLaunchTemplate", "CreateLaunchTemplateVersion", "ModifyLaunchTemplate")) {
            assertThat(stats.count(create, null, "ok")).as(create).isZero();
        }
        assertThat(stats.liveInstances()).isZero();
        assertThat(stats.liveImages()).isZero();
        assertThat(stats.liveSnapshots()).isZero();
    }

    @Test
    void aMissingKeyAnUnofferedTypeAndADeniedLaunchAreAllReportedWithExitTwoAndNothingCreated() throws Exception {
        // given
        sandbox.account().withdrawInstanceType("us-east-1", "t3.small");
        sandbox.faults().deny("RunInstances", "us-east-1");
        sandbox.faults().deny("CreateImage", "us-east-1");

        // when
        int exit = plan(recipe("t3.small", "alias/missing", "", "web-{{date:yyyyMMdd-HHmmss}}"));

        // then
        assertThat(exit).as(err.toString()).isEqualTo(2);
        assertThat(out.toString())
                .contains("problems (3)")
                .contains("problem  KMS key alias/missing does not exist in eu-west-1")
                .contains("problem  instance type t3.small is not offered in us-east-1")
                .contains("problem  RunInstances in us-east-1 would be denied: UnauthorizedOperation")
                .contains("ok       CopyImage in eu-west-1 would be allowed");
        assertThat(sandbox.stats().count("RunInstances", "us-east-1", "UnauthorizedOperation")).isEqualTo(1);
        assertNothingCreated();
    }

    @Test
    void aGoodRecipeExitsZeroAndCreatesNothing() throws Exception {
        // given
        sandbox.account().createKmsKey("eu-west-1", "alias/web-images");
        String subnet = sandbox.account().defaultSubnets("us-east-1").get(0);
        String group = sandbox.account().createSecurityGroup("us-east-1", "amibake-build");

        // when
        int exit = plan(recipe("t3.micro", "alias/web-images", "  subnet: " + subnet + "\n  securityGroups: ["
                + group + "]\n", "web-{{date:yyyyMMdd-HHmmss}}"));

        // then
        assertThat(exit).as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .doesNotContain("problem")
                .contains("ok       RunInstances in us-east-1 would be allowed (DryRun)")
                .contains("ok       subnet " + subnet + " exists in us-east-1")
                .contains("ok       security group " + group + " exists in us-east-1")
                .contains("ok       KMS key alias/web-images exists in eu-west-1")
                .contains("launch template web-servers created (none exists yet)")
                .contains("SSM parameter /amibake/web/latest set to the new image")
                .contains("no completed bake of web against " + sandbox.endpoint() + " yet");
        assertThat(sandbox.stats().count("RunInstances", "us-east-1", "DryRunOperation")).isEqualTo(1);
        assertThat(sandbox.stats().count("CopyImage", "eu-west-1", "DryRunOperation")).isEqualTo(1);
        assertNothingCreated();
    }

    @Test
    void createImageIsNotAskedBeforeTheBuildInstanceExistsButListedAsNotCheckedWithWhatElseCannotBe()
            throws Exception {
        // given a denied CreateImage, which no request before the bake can detect honestly
        sandbox.faults().deny("CreateImage", "us-east-1");

        // when
        int exit = plan(recipe("t3.micro", "alias/amibake-images", "", "web-{{timestamp}}"), "--json");

        // then
        assertThat(exit).as(out + "\n" + err).isZero();
        assertThat(sandbox.stats().count("CreateImage")).isZero();
        assertThat(out.toString())
                .contains("\"notChecked\":[\"StopInstances, CreateImage and TerminateInstances on the build instance:")
                .contains("SSM PutParameter: SSM has no DryRun\"")
                .contains("EBS checks the key only when the copy runs")
                .contains("CreateLaunchTemplate, CreateLaunchTemplateVersion and ModifyLaunchTemplate");
        assertNothingCreated();
    }

    @Test
    void deployedAndTestedInstancesAreCheckedInEveryRegionTheyLaunchIn() throws Exception {
        // given eu-west-1 without t3.large and without a default VPC, and a group of another VPC
        sandbox.account().withdrawInstanceType("eu-west-1", "t3.large");
        sandbox.account().removeDefaultVpc("eu-west-1");
        String otherVpcGroup = sandbox.account().createSecurityGroup("us-east-1", "web",
                sandbox.account().createVpc("us-east-1"));
        String subnet = sandbox.account().defaultSubnets("us-east-1").get(0);
        String yaml = recipe("t3.micro", "alias/amibake-images", "", "web-{{timestamp}}")
                .replace("deploy:\n  launchTemplate: web-servers\n", "test: {regions: all}\ndeploy:\n"
                        + "  instances:\n    count: 1\n    instanceType: t3.large\n"
                        + "    subnet: {us-east-1: " + subnet + "}\n"
                        + "    securityGroups: {us-east-1: [" + otherVpcGroup + "]}\n");

        // when
        int exit = plan(yaml);

        // then
        assertThat(exit).as(out + "\n" + err).isEqualTo(2);
        assertThat(out.toString())
                .contains("problem  deploy.instances: security group " + otherVpcGroup + " is in vpc-")
                .contains("problem  deploy.instances: instance type t3.large is not offered in eu-west-1")
                .contains("problem  eu-west-1 has no default VPC; set deploy.instances.subnet for eu-west-1")
                .contains("ok       deploy.instances: instance type t3.large is offered in us-east-1")
                .contains("ok       deploy.instances: subnet " + subnet + " exists in us-east-1")
                .contains("ok       test of the copy: instance type t3.micro is offered in eu-west-1")
                .contains("1 deployed instance (t3.large) of the new image")
                .contains("test instance of the copy, terminated after its tests")
                .contains("RunInstances of deployed or tested instances in us-east-1, eu-west-1");
        assertNothingCreated();
    }

    @Test
    void anImageNameTakenInATargetRegionIsAProblem() throws Exception {
        // given an image named web-fixed in eu-west-1
        try (Ec2Client ec2 = Ec2Client.builder().endpointOverride(sandbox.endpoint()).region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("t", "t"))).build()) {
            String base = ec2.describeImages(r -> r.owners("amazon").filters(f -> f.name("name")
                    .values("al2023-ami-*-x86_64"))).images().get(0).imageId();
            String instance = ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro").minCount(1).maxCount(1))
                    .instances().get(0).instanceId();
            clock.advance(Duration.ofMinutes(1));
            ec2.createImage(r -> r.instanceId(instance).name("web-fixed"));
            clock.advance(Duration.ofMinutes(30));
        }

        // when
        int exit = plan(recipe("t3.micro", "alias/amibake-images", "", "web-fixed"), "--json");

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(out.toString()).startsWith("{\"recipe\":\"web\",\"ok\":false")
                .containsPattern("\"problems\":\\[\"image name 'web-fixed' is taken in eu-west-1 by ami-[0-9a-f]+;[^\"]*\"\\]")
                .contains("image name 'web-fixed' is free in us-east-1");
    }

    @Test
    void anUnknownInstanceProfileSubnetAndSecurityGroupAndARegionNotEnabledAreReported() throws Exception {
        // given
        sandbox.account().removeInstanceProfile("AmazonSSMRoleForInstancesQuickSetup");
        sandbox.account().disableRegion("eu-west-1");

        // when
        int exit = plan(recipe("t3.micro", "alias/amibake-images", "  subnet: subnet-0123456789abcdef0\n"
                + "  securityGroups: [sg-0123456789abcdef0]\n", "web-{{timestamp}}"));

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(out.toString()).contains("problems (4)").contains("problem  RunInstances in us-east-1 would fail:"
                + " InvalidParameterValue (DryRun): Value (AmazonSSMRoleForInstancesQuickSetup) for parameter"
                + " iamInstanceProfile.name is invalid")
                .contains("problem  region eu-west-1 is not enabled for this account")
                .contains("problem  subnet subnet-0123456789abcdef0 does not exist in us-east-1")
                .contains("problem  security group sg-0123456789abcdef0 does not exist in us-east-1")
                .contains("ok       region us-east-1 is enabled");
        assertNothingCreated();
    }

    @Test
    void aSourceThatCannotBeResolvedIsAProblemAndNothingIsLaunched() throws Exception {
        // when
        int exit = plan(recipe("t3.micro", "alias/amibake-images", "", "web-{{timestamp}}")
                .replace(SOURCE, "/amibake/no-such-parameter"));

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(out.toString()).contains("problems (2)")
                .contains("problem  source image cannot be resolved in us-east-1: ParameterNotFound")
                .contains("problem  RunInstances and CopyImage not asked with DryRun: the source image is not known")
                .contains("source image  not resolved");
        assertThat(sandbox.stats().count("RunInstances")).isZero();
        assertNothingCreated();
    }

    @Test
    void eachAccountIsCheckedThroughItsOwnRole() throws Exception {
        // given three accounts: one whose role trusts the tools account and whose policy lets it use
        // the build's key, one whose key policy does not, and one whose role trusts nobody
        String tools = io.amibake.sandbox.SandboxAccounts.DEFAULT;
        sandbox.accounts().add("222222222222").add("333333333333").add("444444444444")
                .trust("arn:aws:iam::222222222222:role/distribute", tools, "dev-ext")
                .trust("arn:aws:iam::333333333333:role/distribute", tools, null);
        String buildKey;
        try (var kms = software.amazon.awssdk.services.kms.KmsClient.builder().endpointOverride(sandbox.endpoint())
                .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("amibake", "sandbox"))).build()) {
            buildKey = kms.describeKey(r -> r.keyId("alias/amibake-images")).keyMetadata().arn();
        }
        sandbox.accounts().allowKeyUse(buildKey, "222222222222");
        String yaml = "name: web\nsource:\n  region: us-east-1\n  ssm: " + SOURCE + "\n"
                + "build:\n  instanceType: t3.micro\n  instanceProfile: AmazonSSMRoleForInstancesQuickSetup\n"
                + "  kmsKey: alias/amibake-images\n"
                + "image:\n  name: \"web-{{timestamp}}\"\n"
                + "accounts:\n"
                + "  - roleArn: arn:aws:iam::222222222222:role/distribute\n    externalId: dev-ext\n"
                + "    regions: [us-east-1, eu-west-1]\n    kmsKeys: {eu-west-1: alias/missing}\n"
                + "    ssmParameter: /images/{{recipe}}/latest\n"
                + "  - roleArn: arn:aws:iam::333333333333:role/distribute\n    regions: [eu-west-1]\n"
                + "  - roleArn: arn:aws:iam::444444444444:role/distribute\n    regions: [us-west-2]\n";

        // when
        int exit = plan(yaml);

        // then
        String printed = out.toString();
        assertThat(exit).as(printed + err).isEqualTo(2);
        assertThat(printed)
                .contains("ok       account 222222222222: role arn:aws:iam::222222222222:role/distribute can be assumed")
                .contains("ok       account 222222222222: may use the build's key " + buildKey)
                .contains("ok       account 222222222222: SSM parameter /images/web/latest is reachable in eu-west-1")
                .contains("problem  account 222222222222: KMS key alias/missing does not exist in eu-west-1")
                .contains("ok       account 333333333333: role arn:aws:iam::333333333333:role/distribute can be assumed")
                .contains("problem  account 333333333333: may not use the build's key " + buildKey
                        + ": AccessDeniedException")
                .contains("problem  account 444444444444: role arn:aws:iam::444444444444:role/distribute could not"
                        + " be assumed: AccessDenied")
                .contains("  222222222222/eu-west-1\n    the account's copy of the image and its snapshots, encrypted"
                        + " with alias/missing");
        assertThat(printed).doesNotContain("account 444444444444: region");
        assertNothingCreated();
    }
}
