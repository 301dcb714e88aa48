package io.amibake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.amibake.Ci;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A second, independent client: the aws command-line tool (botocore, not the Java SDK) drives the
 * sandbox with --endpoint-url. Skipped when aws is absent, unless under CI ({@link Ci}), where it
 * must be there (.ci/run installs it).
 */
class AwsCliInteropTest {

    private final SandboxClock.Manual clock = SandboxClock.manual(Instant.parse("2026-01-05T10:00:00Z"));
    private final JsonMapper json = JsonMapper.builder().build();
    private Sandbox sandbox;
    private Path aws;

    @TempDir
    Path home;

    @BeforeEach
    void start() throws Exception {
        Optional<Path> found = onPath("aws");
        Ci.require(found.isPresent(), "aws CLI on PATH: install awscli (.ci/run does)");
        aws = found.get();
        sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0), clock);
    }

    @AfterEach
    void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    void theAwsCliRunsInstancesCreatesCopiesAndDescribesImagesAndSendsCommands() throws Exception {
        // given
        String image = aws("ssm", "get-parameter", "--name",
                "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64").path("Parameter")
                .path("Value").asString();

        // when
        JsonNode run = aws("ec2", "run-instances", "--image-id", image, "--instance-type", "t3.micro", "--count", "1",
                "--iam-instance-profile", "Name=amibake-build", "--client-token", "cli-1",
                "--tag-specifications", "ResourceType=instance,Tags=[{Key=amibake:bake,Value=cli}]");
        String instance = run.path("Instances").get(0).path("InstanceId").asString();
        clock.advance(Duration.ofSeconds(50));
        String command = aws("ssm", "send-command", "--instance-ids", instance, "--document-name",
                "AWS-RunShellScript", "--parameters", "commands=[\"echo hello from the sandbox\"]")
                .path("Command").path("CommandId").asString();
        String imageId = aws("ec2", "create-image", "--instance-id", instance, "--name", "cli-image", "--no-reboot")
                .path("ImageId").asString();
        clock.advance(Duration.ofMinutes(4));
        JsonNode described = aws("ec2", "describe-images", "--image-ids", imageId).path("Images").get(0);
        String copyId = aws("ec2", "copy-image", "--region", "eu-west-1", "--source-region", "us-east-1",
                "--source-image-id", imageId, "--name", "cli-image", "--client-token", "cli-copy").path("ImageId")
                .asString();
        clock.advance(Duration.ofSeconds(10));
        JsonNode copy = aws("ec2", "describe-images", "--region", "eu-west-1", "--owners", "self").path("Images").get(0);
        JsonNode invocation = aws("ssm", "get-command-invocation", "--command-id", command, "--instance-id", instance);

        // then
        assertThat(image).startsWith("ami-");
        assertThat(run.path("Instances").get(0).path("State").path("Name").asString()).isEqualTo("pending");
        assertThat(run.path("Instances").get(0).path("Tags").get(0).path("Value").asString()).isEqualTo("cli");
        assertThat(described.path("State").asString()).isEqualTo("available");
        assertThat(described.path("Name").asString()).isEqualTo("cli-image");
        assertThat(described.path("BlockDeviceMappings").get(0).path("Ebs").path("SnapshotId").asString())
                .startsWith("snap-");
        assertThat(copy.path("ImageId").asString()).isEqualTo(copyId);
        assertThat(copy.path("State").asString()).isEqualTo("pending");
        assertThat(invocation.path("Status").asString()).isEqualTo("Success");
        assertThat(invocation.path("StandardOutputContent").asString()).isEqualTo("hello from the sandbox\n");
        assertThat(sandbox.stats().count("RunInstances", "us-east-1", "ok")).isEqualTo(1);
        assertThat(sandbox.stats().count("CopyImage", "eu-west-1", "ok")).isEqualTo(1);
    }

    private JsonNode aws(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(aws.toString()));
        command.addAll(List.of(args));
        if (!List.of(args).contains("--region")) {
            command.addAll(List.of("--region", "us-east-1"));
        }
        command.addAll(List.of("--endpoint-url", sandbox.endpoint().toString(), "--output", "json"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(false);
        Map<String, String> env = builder.environment();
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        env.remove("AWS_SESSION_TOKEN");
        env.remove("AWS_PROFILE");
        env.put("AWS_CONFIG_FILE", home.resolve("config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", home.resolve("credentials").toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_PAGER", "");
        Path stderr = Files.createTempFile(home, "aws", ".err");
        Process process = builder.redirectError(stderr.toFile()).start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("aws " + String.join(" ", args) + " did not finish in 60 s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("aws %s\nstdout: %s\nstderr: %s", String.join(" ", args), text,
                Files.readString(stderr)).isZero();
        return json.readTree(text);
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
