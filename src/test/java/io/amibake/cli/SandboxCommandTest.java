package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PipedReader;
import java.io.PipedWriter;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SandboxCommandTest {

    @Test
    void servesUntilStoppedAndArmsTheFaultsGivenAsFlags(@TempDir Path dir) throws Exception {
        // given
        Path profile = Files.writeString(dir.resolve("fast.yaml"), "image-create: 1s\nimage-copy: 2s\n");
        SandboxCommand command = new SandboxCommand();
        PipedWriter pipe = new PipedWriter();
        BufferedReader out = new BufferedReader(new PipedReader(pipe));
        CommandLine cli = new CommandLine(command).setOut(new PrintWriter(pipe, true));

        // when
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cli.execute("--port", "0",
                "--time-scale", "0.01", "--latency-profile", profile.toString(), "--fail", "RunInstances@us-east-1=InsufficientInstanceCapacityx2",
                "--fail-command", "dnf install=1", "--drop", "DescribeImages", "--fail-image", "eu-west-1",
                "--deny", "CopyImage@eu-west-2"));
        String first = out.readLine();
        URI endpoint = URI.create(first.substring(first.lastIndexOf(' ') + 1));
        HttpResponse<String> faults = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                endpoint.resolve("/_sandbox/faults")).GET().build(), HttpResponse.BodyHandlers.ofString());
        command.stop();

        // then
        assertThat(first).matches("amibake sandbox listening on http://127\\.0\\.0\\.1:\\d+");
        assertThat(faults.body()).contains("\"errorCode\":\"InsufficientInstanceCapacity\"", "\"times\":2",
                "\"regex\":\"dnf install\"", "dropNext", "\"region\":\"eu-west-1\"", "\"fault\":\"deny\"",
                "\"region\":\"eu-west-2\"");
        assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void aMalformedFaultFlagIsAUsageError() {
        // given
        StringWriter err = new StringWriter();
        CommandLine cli = AmibakeCommand.commandLine().setErr(new PrintWriter(err));

        // when
        int exit = cli.execute("sandbox", "--port", "0", "--fail", "RunInstances");

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(err.toString()).contains("OPERATION[@REGION]=CODE[xN]");
    }

    @Test
    void machinesOfADistributionOtherThanDebianAreAUsageError() {
        // given
        StringWriter err = new StringWriter();
        CommandLine cli = AmibakeCommand.commandLine().setErr(new PrintWriter(err));

        // when
        int exit = cli.execute("sandbox", "--port", "0", "--machines", "ubuntu");

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(err.toString()).contains("machines 'ubuntu'", "debian only");
    }

    @Test
    void aMachinesCacheWithoutMachinesIsAUsageError() {
        // given
        StringWriter err = new StringWriter();
        CommandLine cli = AmibakeCommand.commandLine().setErr(new PrintWriter(err));

        // when
        int exit = cli.execute("sandbox", "--port", "0", "--machines-cache", "/tmp/x");

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(err.toString()).contains("--machines-cache needs --machines");
    }

    @Test
    void anUnknownProfileKeyIsAUsageError(@TempDir Path dir) throws Exception {
        // given
        Path profile = Files.writeString(dir.resolve("bad.properties"), "image-crate=1s\n");
        StringWriter err = new StringWriter();
        CommandLine cli = AmibakeCommand.commandLine().setErr(new PrintWriter(err));

        // when
        int exit = cli.execute("sandbox", "--port", "0", "--latency-profile", profile.toString());

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(err.toString()).contains("bad.properties:1", "unknown key 'image-crate'");
    }

    @Test
    void helpDescribesTheFlags() {
        // given
        StringWriter out = new StringWriter();
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out));

        // when
        int exit = cli.execute("sandbox", "--help");

        // then
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("--time-scale", "--no-throttling", "--fail-command", "--latency-profile",
                "--machines", "--machines-cache");
    }
}
