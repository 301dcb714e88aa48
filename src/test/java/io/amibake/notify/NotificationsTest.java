package io.amibake.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.amibake.SandboxExtension;
import io.amibake.cloud.BakeTags;
import io.amibake.cli.AmibakeCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Real bakes against the sandbox tell a webhook served by the test, and a local command, what
 * happened: a failure, then the recovery of the resumed bake, with the bake, its failed step and
 * its images; a webhook that is down changes nothing about the bake.
 */
class NotificationsTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.0005);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path home;

    private HttpServer webhook;
    private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void listen() throws IOException {
        sandbox.faults().clear();
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                JsonNode event = JSON.readTree(body);
                received.add(event);
                exchange.sendResponseHeaders(200, -1);
            }
        });
        webhook.start();
    }

    @AfterEach
    void stop() {
        webhook.stop(0);
    }

    @Test
    void aFailedBakeAndItsRecoveryReachTheWebhookWithTheBakeTheStepAndTheImages() throws Exception {
        // given a recipe that tells the webhook, and a provisioning command that fails once
        Path recipe = recipe("told", "  url: http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook\n");
        sandbox.faults().failCommand("told-marker", 1, "disk full near s3cr3t-t0ken", 1);

        // when the bake fails, then resumes
        int failed = amibake("bake", recipe.toString(), "--var", "token=s3cr3t-t0ken");
        JsonNode failure = received.poll(30, TimeUnit.SECONDS);
        int resumed = amibake("resume", "told", "--var", "token=s3cr3t-t0ken");
        JsonNode recovery = received.poll(30, TimeUnit.SECONDS);

        // then the failure names the bake, the step and the error
        assertThat(failed).as(err.toString()).isEqualTo(1);
        assertThat(failure).as("the failed event").isNotNull();
        assertThat(failure.get("event").asString()).isEqualTo("failed");
        assertThat(failure.get("recipe").asString()).isEqualTo("told");
        String bake = failure.get("bake").asString();
        assertThat(bake).startsWith("told-");
        assertThat(failure.get("failedStep").asString()).isEqualTo("provision");
        assertThat(failure.get("error").asString()).contains("disk full");
        assertThat(failure.get("text").asString()).contains("told", bake, "failed at step provision", "disk full");
        assertThat(failure.toString()).doesNotContain("s3cr3t-t0ken");
        // and the recovery names the same bake, completed, with its image in each region
        assertThat(resumed).as(err.toString()).isZero();
        assertThat(recovery).as("the recovered event").isNotNull();
        assertThat(recovery.get("event").asString()).isEqualTo("recovered");
        assertThat(recovery.get("bake").asString()).isEqualTo(bake);
        assertThat(recovery.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(recovery.get("failedStep").isNull()).isTrue();
        JsonNode images = recovery.get("images");
        assertThat(sandbox.images()).filteredOn(i -> bake.equals(i.tags().get(BakeTags.BAKE)))
                .hasSize(2)
                .allSatisfy(image -> assertThat(images.get(image.region()).asString()).isEqualTo(image.imageId()));
        assertThat(recovery.get("imageId").asString()).isEqualTo(images.get("us-east-1").asString());
        assertThat(recovery.get("text").asString()).contains("recovered", images.get("us-west-2").asString());
        assertThat(received).as("no event but these two").isEmpty();
    }

    @Test
    void aWebhookThatIsDownDoesNotFailTheBakeAndIsReportedInOneLine() throws Exception {
        // given a webhook nobody listens on
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path recipe = recipe("unheard", "  url: http://127.0.0.1:" + port + "/hook\n  succeeded: true\n");

        // when
        int exit = amibake("bake", recipe.toString(), "--var", "token=t");

        // then
        assertThat(exit).as(err.toString()).isZero();
        assertThat(err.toString()).contains("could not notify http://127.0.0.1:" + port + " after 4 attempts")
                .doesNotContain("/hook");
    }

    @Test
    void theCommandHookGetsTheEventOnItsStandardInput() throws Exception {
        // given
        Path told = home.resolve("event.json");
        Path recipe = recipe("hooked", "  command: \"cat > '" + told + "'\"\n  succeeded: true\n");

        // when
        int exit = amibake("bake", recipe.toString(), "--var", "token=t");

        // then
        assertThat(exit).as(err.toString()).isZero();
        JsonNode event = JSON.readTree(Files.readString(told));
        assertThat(event.get("event").asString()).isEqualTo("succeeded");
        assertThat(event.get("recipe").asString()).isEqualTo("hooked");
        assertThat(event.get("images").get("us-west-2").asString()).startsWith("ami-");
        assertThat(event.get("text").asString()).contains("completed");
    }

    private Path recipe(String name, String notify) throws IOException {
        String yaml = """
                name: %s
                source:
                  region: us-east-1
                  ssm: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
                build:
                  instanceType: t3.micro
                  instanceProfile: AmazonSSMRoleForInstancesQuickSetup
                variables:
                  token: {secret: true}
                provision:
                  - name: marker
                    run: echo baked > /etc/%s-marker
                image:
                  name: "{{recipe}}-{{date:yyyyMMdd-HHmmss}}"
                regions:
                  targets: [us-east-1, us-west-2]
                notify:
                """.formatted(name, name) + notify;
        return Files.writeString(home.resolve(name + ".yaml"), yaml);
    }

    private int amibake(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of(
                "--endpoint-url", sandbox.endpoint().toString(), "--home", home.toString())).toArray(String[]::new);
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true));
        return cli.execute(all);
    }
}
