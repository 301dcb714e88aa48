package io.amibake.cli;

import java.util.List;
import io.amibake.sandbox.SandboxInstance;
import io.amibake.engine.job.TestImageStep;
import io.amibake.cloud.BakeTags;
import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.sandbox.SandboxCommand;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.SsmGateway;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Resuming with an edited recipe, and what status shows of a failed and a resumed bake. */
class ResumeCommandTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    Path home;

    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void failThePageCheckOnce() throws Exception {
        sandbox.faults().clear();
        sandbox.faults().failCommand("curl -fsS http://localhost/", 7, "curl: (7) Failed to connect");
        assertThat(amibake("bake", "recipes/httpd.yaml", "--endpoint-url", endpoint(), "--home", home.toString()))
                .as(err.toString()).isEqualTo(1);
    }

    private int amibake(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private static String endpoint() {
        return sandbox.endpoint().toString();
    }

    private Path edited(String from, String to) throws Exception {
        Path file = home.resolve("edited.yaml");
        String yaml = Files.readString(Path.of("recipes/httpd.yaml"));
        assertThat(yaml).contains(from);
        Files.writeString(file, yaml.replace(from, to));
        return file;
    }

    @Test
    void statusShowsTheFailedBakeAndItsFailedStep() {
        // when
        int exit = amibake("status", "httpd", "--home", home.toString());

        // then
        assertThat(exit).isZero();
        assertThat(out.toString()).containsPattern("httpd +FAILED +provision");
    }

    @Test
    void anEditedRecipeThatFixesOnlyTheFailedStepResumesAndSendsTheFix() throws Exception {
        // given the failing check is rewritten
        Path fixed = edited("curl -fsS http://localhost/ | grep -q 'It works'",
                "curl -fsS --retry 3 http://localhost/ | grep -q 'It works'");
        int sentBefore = sandbox.commands().size();

        // when
        int exit = amibake("resume", "httpd", "--recipe", fixed.toString(), "--endpoint-url", endpoint(),
                "--home", home.toString());

        // then
        assertThat(exit).as(err.toString()).isZero();
        assertThat(sandbox.commands().subList(sentBefore, sandbox.commands().size()))
                .extracting(SandboxCommand::commands)
                .anySatisfy(lines -> assertThat(String.join("\n", lines)).contains("--retry 3"))
                .noneSatisfy(lines -> assertThat(String.join("\n", lines)).contains("<title>Baked by amibake</title>"));
        assertThat(amibake("status", "--execution", "1", "--home", home.toString())).isZero();
        assertThat(out.toString()).contains("writeManifest").contains("COMPLETED");
    }

    @Test
    void anEditedRecipeThatChangesACompletedStepIsRefusedNamingIt() throws Exception {
        // given the page that was already deployed is changed
        Path changed = edited("<h1>It works</h1>", "<h1>It still works</h1>");
        long before = sandbox.requests();

        // when
        int exit = amibake("resume", "httpd", "--recipe", changed.toString(), "--endpoint-url", endpoint(),
                "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("command 'provision:deploy-page' already ran, and the edited recipe changes it");
        assertThat(sandbox.requests()).isEqualTo(before);
    }

    @Test
    void aFailedBakeSupersededByANewerCompletedOneIsRefusedWithExitFourAndForcingItKeepsTheNewerImage() {
        // given night 2 completes after night 1 failed
        awaitNextSecond();
        assertThat(amibake("bake", "recipes/httpd.yaml", "--endpoint-url", endpoint(), "--home", home.toString()))
                .as(err.toString()).isZero();
        String night2 = parameter();
        long before = sandbox.requests();

        // when night 1 is resumed by recipe
        int exit = amibake("resume", "httpd", "--endpoint-url", endpoint(), "--home", home.toString());

        // then it is refused, naming the newer bake, before any cloud call
        assertThat(exit).as(err.toString()).isEqualTo(4);
        assertThat(err.toString()).containsPattern("bake httpd-\\S+ \\(execution 0, FAILED\\) was superseded by bake"
                + " httpd-\\S+ \\(execution 1\\)").contains("--execution 0");
        assertThat(sandbox.requests()).isEqualTo(before);

        // when forced, it completes, and the parameter still names night 2's image
        assertThat(amibake("resume", "--execution", "0", "--endpoint-url", endpoint(), "--home", home.toString()))
                .as(err.toString()).isZero();
        assertThat(parameter()).isEqualTo(night2);
        assertThat(out.toString()).contains("/amibake/httpd/latest stays: it holds " + night2
                + ", of a bake that started later");
    }

    @Test
    void bakeWithResumeResumesTheFailedBakeOnTheSameInstance() {
        // given
        List<String> builders = buildInstances();

        // when
        int exit = amibake("bake", "recipes/httpd.yaml", "--resume", "--endpoint-url", endpoint(),
                "--home", home.toString());

        // then no build instance was launched (the image's test instance is not one)
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("resuming bake httpd-").contains("(execution 0, FAILED)");
        assertThat(buildInstances()).isNotEmpty().isEqualTo(builders);
    }

    @Test
    void bakeWithResumeStartsANewBakeWhenThereIsNothingToResume() {
        // given a home without any bake
        Path fresh = home.resolve("fresh");

        // when
        int exit = amibake("bake", "recipes/httpd.yaml", "--resume", "--endpoint-url", endpoint(),
                "--home", fresh.toString());

        // then
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("nothing to resume for recipe 'httpd'; starting a new bake");
    }

    @Test
    void resumeWithNothingToResumeExitsFour() {
        // given the failed bake is abandoned
        assertThat(amibake("abandon", "--execution", "0", "--endpoint-url", endpoint(), "--home", home.toString()))
                .as(err.toString()).isZero();

        // when
        int exit = amibake("resume", "httpd", "--endpoint-url", endpoint(), "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(4);
        assertThat(err.toString()).contains("nothing to resume for recipe 'httpd'");
    }

    @Test
    void resumeIsRefusedWhileAnotherRunnersLeaseIsLiveAndGoesOnOnceItExpired() {
        // given another runner holds the recipe's lease
        lease("runner-b", 4242, Instant.now().plus(Duration.ofHours(1)));
        long before = sandbox.requests();

        // when
        int refused = amibake("resume", "httpd", "--endpoint-url", endpoint(), "--home", home.toString());

        // then
        assertThat(refused).as(err.toString()).isEqualTo(3);
        assertThat(err.toString()).contains("another bake of recipe 'httpd' is running (host runner-b, pid 4242");
        assertThat(sandbox.requests()).isEqualTo(before);

        // when its lease has expired
        lease("runner-b", 4242, Instant.now().minus(Duration.ofSeconds(1)));
        int resumed = amibake("resume", "httpd", "--endpoint-url", endpoint(), "--home", home.toString());

        // then
        assertThat(resumed).as(err.toString()).isZero();
    }

    private void lease(String host, long pid, Instant expires) {
        try (BakeContext context = BakeContext.open(home)) {
            JdbcTemplate jdbc = new JdbcTemplate(context.bean(DataSource.class));
            String target;
            try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
                target = endpoint() + " account=" + clients.account();
            }
            jdbc.update("DELETE FROM AMIBAKE_BAKE_LEASE WHERE RECIPE = 'httpd'");
            jdbc.update("INSERT INTO AMIBAKE_BAKE_LEASE (TARGET, RECIPE, TOKEN, OWNER_HOST, OWNER_PID, STARTED_AT,"
                    + " EXPIRES_AT) VALUES (?, 'httpd', 't', ?, ?, ?, ?)", target, host, pid,
                    expires.toEpochMilli() - 1000, expires.toEpochMilli());
        }
    }

    private static String parameter() {
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            return new SsmGateway(clients).parameter("us-east-1", "/amibake/httpd/latest");
        }
    }

    /** Bake ids carry their start to the second: the next bake must start in a later one. */
    private static void awaitNextSecond() {
        long second = Instant.now().getEpochSecond();
        while (Instant.now().getEpochSecond() == second) {
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
    }

    @Test
    void resumeRefusesAnInProcessSandbox() {
        // when
        int exit = amibake("resume", "httpd", "--sandbox", "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--endpoint-url");
    }

    private static List<String> buildInstances() {
        return sandbox.instances().stream()
                .filter(i -> i.tags().containsKey(BakeTags.BAKE))
                .filter(i -> i.tags().get(TestImageStep.ROLE_TAG) == null)
                .map(SandboxInstance::instanceId).toList();
    }
}
