package io.amibake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.CommandInvocationStatus;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;
import software.amazon.awssdk.services.ssm.model.InstanceInformation;
import software.amazon.awssdk.services.ssm.model.InstanceInformationStringFilter;
import software.amazon.awssdk.services.ssm.model.ParameterType;
import software.amazon.awssdk.services.ssm.model.PingStatus;

class SsmTest {

    private static final String AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

    private final SandboxClock.Manual clock = SandboxClock.manual(Instant.parse("2026-01-05T10:00:00Z"));
    private Sandbox sandbox;
    private Ec2Client ec2;
    private SsmClient ssm;

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0), clock);
        ec2 = SandboxClients.ec2NoRetry(sandbox, Region.US_EAST_1);
        ssm = SandboxClients.ssmNoRetry(sandbox, Region.US_EAST_1);
    }

    @AfterEach
    void stop() {
        ec2.close();
        ssm.close();
        sandbox.close();
    }

    private String launch(boolean withProfile) {
        String image = ssm.getParameter(r -> r.name(AL2023)).parameter().value();
        return ec2.runInstances(r -> {
            r.imageId(image).minCount(1).maxCount(1);
            if (withProfile) {
                r.iamInstanceProfile(p -> p.name("amibake-build"));
            }
        }).instances().get(0).instanceId();
    }

    private String onlineInstance() {
        String id = launch(true);
        clock.advance(Duration.ofSeconds(50));
        return id;
    }

    private void assertNotRegistered(String id) {
        assertThatThrownBy(() -> agents(id)).isInstanceOfSatisfying(AwsServiceException.class,
                e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidInstanceId"));
    }

    private List<InstanceInformation> agents(String id) {
        return ssm.describeInstanceInformation(r -> r.filters(InstanceInformationStringFilter.builder()
                .key("InstanceIds").values(id).build())).instanceInformationList();
    }

    private String send(String instance, String... lines) {
        return ssm.sendCommand(r -> r.instanceIds(instance).documentName("AWS-RunShellScript")
                .parameters(Map.of("commands", List.of(lines)))).command().commandId();
    }

    private GetCommandInvocationResponse invocation(String command, String instance) {
        return ssm.getCommandInvocation(r -> r.commandId(command).instanceId(instance));
    }

    @Test
    void publicParametersPointAtSeededImagesInTheirOwnRegion() {
        // given
        List<String> names = List.of(AL2023, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
                "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2",
                "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id");

        // when / then
        for (String name : names) {
            var parameter = ssm.getParameter(r -> r.name(name)).parameter();
            assertThat(parameter.type()).isEqualTo(ParameterType.STRING);
            assertThat(parameter.lastModifiedDate()).isNotNull();
            assertThat(ec2.describeImages(r -> r.imageIds(parameter.value())).images()).singleElement()
                    .satisfies(i -> assertThat(i.publicLaunchPermissions()).isTrue());
        }
        try (SsmClient west = SandboxClients.ssmNoRetry(sandbox, Region.EU_WEST_1)) {
            assertThat(west.getParameter(r -> r.name(AL2023)).parameter().value())
                    .isNotEqualTo(ssm.getParameter(r -> r.name(AL2023)).parameter().value());
        }
        assertThatThrownBy(() -> ssm.getParameter(r -> r.name("/no/such"))).isInstanceOfSatisfying(
                AwsServiceException.class, e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ParameterNotFound"));
    }

    @Test
    void putParameterCreatesOverwritesAndRefusesWhatAwsRefuses() {
        // when
        long first = ssm.putParameter(r -> r.name("/amibake/web/latest").value("ami-0aaaaaaaaaaaaaaaa")
                .type(ParameterType.STRING).tags(t -> t.key("amibake:recipe").value("web"))).version();
        long second = ssm.putParameter(r -> r.name("/amibake/web/latest").value("ami-0bbbbbbbbbbbbbbbb")
                .overwrite(true)).version();

        // then
        assertThat(first).isEqualTo(1);
        assertThat(second).isEqualTo(2);
        assertThat(ssm.getParameter(r -> r.name("/amibake/web/latest")).parameter().value())
                .isEqualTo("ami-0bbbbbbbbbbbbbbbb");
        assertThatThrownBy(() -> ssm.putParameter(r -> r.name("/amibake/web/latest").value("x")
                .type(ParameterType.STRING))).isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ParameterAlreadyExists"));
        assertThatThrownBy(() -> ssm.putParameter(r -> r.name("/amibake/web/latest").value("x").overwrite(true)
                .tags(t -> t.key("a").value("b")))).isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException"));
        assertThatThrownBy(() -> ssm.putParameter(r -> r.name("/aws/service/mine").value("x")
                .type(ParameterType.STRING))).isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException"));
    }

    @Test
    void theAgentComesOnlineOnlyAfterTheRegistrationDelay() {
        // given
        String id = launch(true);

        // when
        clock.advance(Duration.ofSeconds(49));
        assertNotRegistered(id);
        clock.advance(Duration.ofSeconds(1));
        List<InstanceInformation> online = agents(id);

        // then
        assertThat(online).singleElement().satisfies(i -> {
            assertThat(i.pingStatus()).isEqualTo(PingStatus.ONLINE);
            assertThat(i.platformTypeAsString()).isEqualTo("Linux");
            assertThat(i.lastPingDateTime()).isEqualTo(Instant.parse("2026-01-05T10:00:50Z"));
        });
    }

    @Test
    void anInstanceWithoutAnInstanceProfileNeverRegisters() {
        // given
        String id = launch(false);

        // when
        clock.advance(Duration.ofHours(1));

        // then
        assertNotRegistered(id);
        assertThatThrownBy(() -> send(id, "echo hi")).isInstanceOfSatisfying(AwsServiceException.class,
                e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidInstanceId"));
    }

    @Test
    void aStoppedInstanceLosesItsAgentAndRegistersAgainAfterStart() {
        // given
        String id = onlineInstance();

        // when
        ec2.stopInstances(r -> r.instanceIds(id));
        clock.advance(Duration.ofSeconds(40));
        PingStatus stopped = agents(id).get(0).pingStatus();
        ec2.startInstances(r -> r.instanceIds(id));
        clock.advance(Duration.ofSeconds(49));
        PingStatus starting = agents(id).get(0).pingStatus();
        clock.advance(Duration.ofSeconds(1));

        // then
        assertThat(stopped).isEqualTo(PingStatus.CONNECTION_LOST);
        assertThat(starting).isEqualTo(PingStatus.CONNECTION_LOST);
        assertThat(agents(id).get(0).pingStatus()).isEqualTo(PingStatus.ONLINE);
    }

    @Test
    void sendCommandBeforeTheAgentIsOnlineIsAnInvalidInstanceId() {
        // given
        String id = launch(true);
        clock.advance(Duration.ofSeconds(25));

        // when / then
        assertThatThrownBy(() -> send(id, "echo hi")).isInstanceOfSatisfying(AwsServiceException.class, e -> {
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidInstanceId");
            assertThat(e.statusCode()).isEqualTo(400);
        });
    }

    @Test
    void aCommandGoesPendingInProgressThenSuccessTakingTimePerPackage() {
        // given
        String id = onlineInstance();

        // when
        String command = send(id, "dnf install -y nginx git", "echo done");
        assertThatThrownBy(() -> invocation(command, id)).isInstanceOfSatisfying(AwsServiceException.class,
                e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvocationDoesNotExist"));
        clock.advance(Duration.ofSeconds(1));
        var pending = invocation(command, id);
        clock.advance(Duration.ofMillis(20_999));
        var running = invocation(command, id);
        clock.advance(Duration.ofMillis(1));
        var done = invocation(command, id);

        // then: visible after 1 s, delivered after 2 s, then 10 s plus 5 s for each of two packages
        assertThat(pending.status()).isEqualTo(CommandInvocationStatus.PENDING);
        assertThat(pending.responseCode()).isEqualTo(-1);
        assertThat(running.status()).isEqualTo(CommandInvocationStatus.IN_PROGRESS);
        assertThat(done.status()).isEqualTo(CommandInvocationStatus.SUCCESS);
        assertThat(done.responseCode()).isZero();
        assertThat(done.standardOutputContent()).contains("nginx", "git", "Complete!", "done");
        assertThat(done.executionElapsedTime()).isEqualTo("PT20S");
        assertThat(sandbox.commands()).singleElement().satisfies(c -> {
            assertThat(c.commands()).containsExactly("dnf install -y nginx git", "echo done");
            assertThat(c.status()).isEqualTo("Success");
            assertThat(c.responseCode()).isZero();
            assertThat(c.instanceId()).isEqualTo(id);
        });
    }

    @Test
    void anInjectedCommandFailureReportsItsExitCodeAndStderrOnce() {
        // given
        String id = onlineInstance();
        sandbox.faults().failCommand("dnf install", 100, "Error: Unable to find a match: nginxx");

        // when
        String failing = send(id, "dnf install -y nginxx");
        String retried = send(id, "dnf install -y nginxx");
        clock.advance(Duration.ofMinutes(1));

        // then
        var failed = invocation(failing, id);
        assertThat(failed.status()).isEqualTo(CommandInvocationStatus.FAILED);
        assertThat(failed.responseCode()).isEqualTo(100);
        assertThat(failed.standardErrorContent()).isEqualTo("Error: Unable to find a match: nginxx");
        assertThat(invocation(retried, id).status()).isEqualTo(CommandInvocationStatus.SUCCESS);
    }

    @Test
    void outputIsTruncatedAsAwsTruncatesIt() {
        // given
        String id = onlineInstance();
        sandbox.faults().failCommand("seq", 1, "e".repeat(10_000));

        // when
        String command = send(id, "seq 1 20000");
        clock.advance(Duration.ofMinutes(1));
        var invocation = invocation(command, id);
        var listed = ssm.listCommandInvocations(r -> r.commandId(command).details(true)).commandInvocations();

        // then
        assertThat(invocation.standardOutputContent()).hasSize(24_000).startsWith("1\n2\n3\n");
        assertThat(invocation.standardErrorContent()).hasSize(8_000);
        assertThat(listed).singleElement().satisfies(i -> {
            assertThat(i.status()).isEqualTo(CommandInvocationStatus.FAILED);
            assertThat(i.commandPlugins()).singleElement().satisfies(p -> {
                assertThat(p.output()).hasSize(2_500);
                assertThat(p.responseCode()).isEqualTo(1);
                assertThat(p.responseFinishDateTime()).isNotNull();
            });
        });
    }

    @Test
    void aCommandLongerThanItsExecutionTimeoutTimesOut() {
        // given
        String id = onlineInstance();

        // when
        String command = ssm.sendCommand(r -> r.instanceIds(id).documentName("AWS-RunShellScript")
                .parameters(Map.of("commands", List.of("dnf install -y a b c"), "executionTimeout", List.of("12"))))
                .command().commandId();
        clock.advance(Duration.ofSeconds(14));

        // then
        var invocation = invocation(command, id);
        assertThat(invocation.status()).isEqualTo(CommandInvocationStatus.TIMED_OUT);
        assertThat(invocation.statusDetails()).isEqualTo("ExecutionTimedOut");
    }

    @Test
    void listCommandInvocationsFindsCommandsByInstance() {
        // given
        String id = onlineInstance();
        String first = send(id, "echo one");
        String second = send(id, "echo two");
        clock.advance(Duration.ofSeconds(3));

        // when
        var listed = ssm.listCommandInvocations(r -> r.instanceId(id)).commandInvocations();

        // then
        assertThat(listed).extracting(i -> i.commandId()).containsExactly(second, first);
        assertThat(listed).allSatisfy(i -> {
            assertThat(i.status()).isEqualTo(CommandInvocationStatus.IN_PROGRESS);
            assertThat(i.requestedDateTime()).isEqualTo(Instant.parse("2026-01-05T10:00:50Z"));
            assertThat(i.documentName()).isEqualTo("AWS-RunShellScript");
        });
    }

    @Test
    void listCommandInvocationsFiltersByTimeStatusAndDocumentAndPagesThroughThem() {
        // given one command sent at 10:00:50 and three at 10:01:50, one of them failing
        String id = onlineInstance();
        String early = send(id, "echo early");
        clock.advance(Duration.ofMinutes(1));
        sandbox.faults().failCommand("broken", 1, "no such thing");
        List<String> late = List.of(send(id, "echo a"), send(id, "broken"), send(id, "echo b"));
        clock.advance(Duration.ofMinutes(1));

        // when
        var since = java.util.stream.Stream.iterate(
                ssm.listCommandInvocations(r -> r.filters(filter("InvokedAfter", "2026-01-05T10:01:50Z"))
                        .maxResults(2)),
                page -> page != null,
                page -> page.nextToken() == null ? null : ssm.listCommandInvocations(r -> r.nextToken(page.nextToken())
                        .filters(filter("InvokedAfter", "2026-01-05T10:01:50Z")).maxResults(2)))
                .flatMap(page -> page.commandInvocations().stream()).map(i -> i.commandId()).toList();
        var before = ssm.listCommandInvocations(r -> r.filters(filter("InvokedBefore", "2026-01-05T10:01:50Z")))
                .commandInvocations();
        var failed = ssm.listCommandInvocations(r -> r.filters(filter("Status", "Failed"),
                filter("DocumentName", "AWS-RunShellScript"))).commandInvocations();

        // then
        assertThat(since).containsExactlyInAnyOrderElementsOf(late);
        assertThat(before).extracting(i -> i.commandId()).containsExactly(early);
        assertThat(failed).extracting(i -> i.commandId()).containsExactly(late.get(1));
    }

    @Test
    void listCommandInvocationsRefusesWhatAwsRefuses() {
        // when / then
        assertThatThrownBy(() -> ssm.listCommandInvocations(r -> r.filters(filter("ExecutionStage", "Executing"))))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidFilterKey"));
        assertThatThrownBy(() -> ssm.listCommandInvocations(r -> r.filters(filter("InvokedAfter", "yesterday"))))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidFilterValue"));
        assertThatThrownBy(() -> ssm.listCommandInvocations(r -> r.maxResults(51)))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException"));
    }

    private static software.amazon.awssdk.services.ssm.model.CommandFilter filter(String key, String value) {
        return software.amazon.awssdk.services.ssm.model.CommandFilter.builder().key(key).value(value).build();
    }

    @Test
    void aCommandThatShutsTheOsDownTerminatesAnInstanceLaunchedToTerminateItself() {
        // given
        String image = ssm.getParameter(r -> r.name(AL2023)).parameter().value();
        String id = ec2.runInstances(r -> r.imageId(image).minCount(1).maxCount(1)
                .iamInstanceProfile(p -> p.name("amibake-build")).instanceInitiatedShutdownBehavior("terminate"))
                .instances().get(0).instanceId();
        clock.advance(Duration.ofSeconds(50));

        // when
        String command = send(id, "echo cleaning up", "sudo shutdown -h now");
        clock.advance(Duration.ofSeconds(11));
        var stillRunning = ec2.describeInstances(r -> r.instanceIds(id)).reservations().get(0).instances().get(0);
        clock.advance(Duration.ofSeconds(41));
        var terminated = ec2.describeInstances(r -> r.instanceIds(id)).reservations().get(0).instances().get(0);

        // then
        assertThat(stillRunning.state().nameAsString()).isEqualTo("running");
        assertThat(terminated.state().nameAsString()).isEqualTo("terminated");
        assertThat(terminated.stateReason().code()).isEqualTo("Client.InstanceInitiatedShutdown");
        assertThat(invocation(command, id).status()).isEqualTo(CommandInvocationStatus.SUCCESS);
    }

    @Test
    void aCommandInterruptedByAStopStaysInProgressUntilItsExecutionTimeout() {
        // given
        String id = onlineInstance();
        String command = ssm.sendCommand(r -> r.instanceIds(id).documentName("AWS-RunShellScript")
                .parameters(Map.of("commands", List.of("dnf install -y a b c d"),
                        "executionTimeout", List.of("600")))).command().commandId();

        // when
        clock.advance(Duration.ofSeconds(5));
        ec2.stopInstances(r -> r.instanceIds(id));
        clock.advance(Duration.ofMinutes(5));
        var stuck = invocation(command, id);
        clock.advance(Duration.ofMinutes(5));

        // then the agent died with the instance: nobody reports, until the execution timeout
        assertThat(stuck.status()).isEqualTo(CommandInvocationStatus.IN_PROGRESS);
        var invocation = invocation(command, id);
        assertThat(invocation.status()).isEqualTo(CommandInvocationStatus.TIMED_OUT);
        assertThat(invocation.statusDetails()).isEqualTo("ExecutionTimedOut");
        assertThat(invocation.responseCode()).isEqualTo(-1);
    }

    @Test
    void aCommandToAStoppedInstanceIsDelayedUntilItsDeliveryTimeout() {
        // given a command sent just before the instance stops, before delivery
        String id = onlineInstance();
        String command = ssm.sendCommand(r -> r.instanceIds(id).documentName("AWS-RunShellScript").timeoutSeconds(300)
                .parameters(Map.of("commands", List.of("echo hi")))).command().commandId();
        clock.advance(Duration.ofSeconds(1));
        ec2.stopInstances(r -> r.instanceIds(id));

        // when
        clock.advance(Duration.ofSeconds(10));
        var delayed = invocation(command, id);
        clock.advance(Duration.ofMinutes(5));

        // then
        assertThat(delayed.status()).isEqualTo(CommandInvocationStatus.DELAYED);
        assertThat(delayed.responseCode()).isEqualTo(-1);
        assertThat(invocation(command, id).status()).isEqualTo(CommandInvocationStatus.TIMED_OUT);
        assertThat(invocation(command, id).statusDetails()).isEqualTo("DeliveryTimedOut");
    }

    @Test
    void everyFieldTheSandboxWritesIsUnmarshalledBySdk() {
        // given
        String id = onlineInstance();

        // when
        var command = ssm.sendCommand(r -> r.instanceIds(id).documentName("AWS-RunShellScript").comment("bake b-1")
                .parameters(Map.of("commands", List.of("echo hi")))).command();
        clock.advance(Duration.ofSeconds(30));
        var invocation = invocation(command.commandId(), id);
        var parameter = ssm.getParameter(r -> r.name(AL2023)).parameter();

        // then
        assertThat(command.statusAsString()).isEqualTo("Pending");
        assertThat(command.requestedDateTime()).isEqualTo(Instant.parse("2026-01-05T10:00:50Z"));
        assertThat(command.expiresAfter()).isAfter(command.requestedDateTime());
        assertThat(command.targetCount()).isEqualTo(1);
        assertThat(command.instanceIds()).containsExactly(id);
        assertThat(command.parameters()).containsEntry("commands", List.of("echo hi"));
        assertThat(command.comment()).isEqualTo("bake b-1");
        assertThat(invocation.pluginName()).isEqualTo("aws:runShellScript");
        assertThat(invocation.documentVersion()).isEqualTo("$DEFAULT");
        assertThat(invocation.comment()).isEqualTo("bake b-1");
        assertThat(invocation.executionStartDateTime()).isEqualTo("2026-01-05T10:00:52Z");
        assertThat(invocation.executionEndDateTime()).isEqualTo("2026-01-05T10:01:02Z");
        assertThat(invocation.cloudWatchOutputConfig().cloudWatchOutputEnabled()).isFalse();
        assertThat(parameter.arn()).isEqualTo("arn:aws:ssm:us-east-1::parameter" + AL2023);
        assertThat(parameter.dataType()).isEqualTo("text");
        assertThat(parameter.version()).isEqualTo(1);
    }
}
