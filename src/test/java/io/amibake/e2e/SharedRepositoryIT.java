package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.cloud.BakeTags;
import io.amibake.engine.job.TestImageStep;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxInstance;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several processes on one home's embedded job repository, with no setup: bakes of different
 * recipes run side by side, {@code status} answers while they run, a second bake of a recipe
 * that is running is refused naming its owner, and a repository server killed with -9 is started
 * again by the bakes using it: they go on, or, if a checkpoint was in flight, end resumable.
 */
class SharedRepositoryIT {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    Path home;

    @Test
    void twoRecipesBakeAtOnceInTwoProcessesAndStatusAnswersWhileTheyRun() {
        // given both bakes held in waitForAgent (the agents answer "not registered yet" until released)
        sandbox.faults().failNext("DescribeInstanceInformation", null, "InvalidInstanceId", 1_000_000);
        long launched = buildInstances();
        AmibakeProcess httpd = AmibakeProcess.start(home, line -> false, bake("recipes/httpd.yaml"));
        AmibakeProcess lamp = AmibakeProcess.start(home, line -> false, bake("recipes/lamp.yaml"));
        awaitLine(httpd, "\"step\":\"waitForAgent\"");
        awaitLine(lamp, "\"step\":\"waitForAgent\"");

        // when
        AmibakeProcess status = AmibakeProcess.run(home, "status", "--home", home.toString());
        AmibakeProcess again = AmibakeProcess.run(home, bake("recipes/httpd.yaml"));
        sandbox.faults().clear();

        // then
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.stdout()).as(status.output())
                .containsPattern("\\d+ +httpd +STARTED +waitForAgent")
                .containsPattern("\\d+ +lamp +STARTED +waitForAgent");
        assertThat(again.exitCode()).as(again.output()).isEqualTo(3);
        assertThat(again.stderr()).as(again.output())
                .contains("another bake of recipe 'httpd' is running (host ")
                .contains("pid " + httpd.pid() + ", bake httpd-");
        assertThat(httpd.awaitExit()).as(httpd.output()).isZero();
        assertThat(lamp.awaitExit()).as(lamp.output()).isZero();
        assertThat(buildInstances() - launched).as("build instances: one per bake").isEqualTo(2);
    }

    @Test
    void theProcessThatStartedTheServerKilledWithSigkillLeavesTheOtherBakeRunningAndResumes() throws Exception {
        // given httpd's process started the repository server, and lamp's joined it; both are held
        sandbox.faults().failNext("DescribeInstanceInformation", null, "InvalidInstanceId", 1_000_000);
        long launched = buildInstances();
        AmibakeProcess httpd = AmibakeProcess.start(home, line -> false, bake("recipes/httpd.yaml"));
        awaitLine(httpd, "\"step\":\"waitForAgent\"");
        AmibakeProcess lamp = AmibakeProcess.start(home, line -> false, bake("recipes/lamp.yaml"));
        awaitLine(lamp, "\"step\":\"waitForAgent\"");
        String server = Files.readString(home.resolve("repository/server.port"));

        // when httpd's process is killed with SIGKILL
        ProcessHandle.of(httpd.pid()).orElseThrow().destroyForcibly();
        assertThat(httpd.awaitExit()).isEqualTo(AmibakeProcess.KILLED);
        AmibakeProcess status = AmibakeProcess.run(home, "status", "--home", home.toString());
        sandbox.faults().clear();

        // then the server it started serves on: lamp completes, and httpd's bake resumes
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.stdout()).as(status.output()).containsPattern("\\d+ +lamp +STARTED +waitForAgent");
        assertThat(lamp.awaitExit()).as(lamp.output()).isZero();
        assertThat(Files.readString(home.resolve("repository/server.port"))).as("the same server").isEqualTo(server);
        AmibakeProcess resume = AmibakeProcess.run(home, "resume", "httpd", "--endpoint-url",
                sandbox.endpoint().toString(), "--home", home.toString());
        assertThat(resume.exitCode()).as(resume.output()).isZero();
        assertThat(resume.stdout()).contains("resuming bake httpd-").contains(", STARTED)");
        assertThat(buildInstances() - launched).as("build instances: one per bake").isEqualTo(2);
    }

    @Test
    void theRepositoryServerKilledWithSigkillIsStartedAgainByTheBakesUsingItAndBothComplete() throws Exception {
        // given httpd and lamp held in waitForAgent, both on the server httpd's process started;
        // lamp builds in us-west-2, so that each bake's first look for its agent (made only once
        // the step's start is saved) can be told apart
        sandbox.faults().failNext("DescribeInstanceInformation", null, "InvalidInstanceId", 1_000_000);
        Path lampWest = Files.writeString(home.resolve("lamp-west.yaml"), Files.readString(Path.of("recipes/lamp.yaml"))
                .replaceFirst("source:\n  region: us-east-1", "source:\n  region: us-west-2"));
        long eastLooks = sandbox.stats().count("DescribeInstanceInformation", "us-east-1");
        long westLooks = sandbox.stats().count("DescribeInstanceInformation", "us-west-2");
        AmibakeProcess httpd = AmibakeProcess.start(home, line -> false, bake("recipes/httpd.yaml"));
        awaitLine(httpd, "\"step\":\"waitForAgent\"");
        awaitAgentLook("us-east-1", eastLooks);
        AmibakeProcess lamp = AmibakeProcess.start(home, line -> false, bake(lampWest.toString()));
        awaitLine(lamp, "\"step\":\"waitForAgent\"");
        awaitAgentLook("us-west-2", westLooks);
        long killed = serverPid();

        // when the repository server is killed with SIGKILL while both bakes wait
        ProcessHandle server = ProcessHandle.of(killed).orElseThrow();
        server.destroyForcibly();
        server.onExit().get(AmibakeProcess.TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        // then the bakes notice while still held (nothing else runs on the home) and start one new
        // server on the same file; both go on from where they were and complete
        long restarted = awaitServerOtherThan(killed, httpd, lamp);
        AmibakeProcess status = AmibakeProcess.run(home, "status", "--home", home.toString());
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.stdout()).as(status.output() + "\n" + httpd.output() + "\n" + lamp.output())
                .containsPattern("\\d+ +httpd +STARTED +waitForAgent")
                .containsPattern("\\d+ +lamp +STARTED +waitForAgent");
        sandbox.faults().clear();
        assertThat(httpd.awaitExit()).as(httpd.output()).isZero();
        assertThat(lamp.awaitExit()).as(lamp.output()).isZero();
        assertThat(serverPid()).as("one new server for both bakes and status").isEqualTo(restarted);
        for (AmibakeProcess bake : List.of(httpd, lamp)) {
            String bakeId = bakeId(bake);
            assertThat(buildInstancesOf(bakeId)).as("build instances of %s", bakeId).hasSize(1);
            assertThat(sandbox.images().stream().filter(i -> bakeId.equals(i.tags().get(BakeTags.BAKE))).toList())
                    .as("images of %s", bakeId).isNotEmpty()
                    .extracting(SandboxImage::region).as("one image per region").doesNotHaveDuplicates();
        }
    }

    @Test
    void aCheckpointInFlightWhenTheServerIsKilledEndsTheBakeResumableAndTheResumeCompletesIt() throws Exception {
        // given a bake held in waitForAgent, and its step's checkpoint held in flight on the server
        // by a table lock, until the server is killed
        sandbox.faults().failNext("DescribeInstanceInformation", null, "InvalidInstanceId", 1_000_000);
        AmibakeProcess httpd = AmibakeProcess.start(home, line -> false, bake("recipes/httpd.yaml"));
        awaitLine(httpd, "\"step\":\"waitForAgent\"");
        long killed = serverPid();
        Connection locker = DriverManager.getConnection("jdbc:hsqldb:hsql://127.0.0.1:" + record().getProperty("port")
                + "/amibake", "SA", Files.readString(home.resolve("repository/server.secret")).strip());
        locker.setAutoCommit(false);
        try (Statement statement = locker.createStatement()) {
            statement.execute("LOCK TABLE BATCH_STEP_EXECUTION WRITE");
        }
        sandbox.faults().clear();
        awaitWaitingStatement(locker, "UPDATE BATCH_STEP_EXECUTION\n", httpd);

        // when the server is killed with SIGKILL under that write
        ProcessHandle server = ProcessHandle.of(killed).orElseThrow();
        server.destroyForcibly();
        server.onExit().get(AmibakeProcess.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        closeQuietly(locker);

        // then the bake ends FAILED in one line that names the lost repository, saved on a new
        // server, and its resume completes it with its one build instance
        assertThat(httpd.awaitExit()).as(httpd.output()).isEqualTo(1);
        assertThat(httpd.stdout()).as(httpd.output()).contains("waitForAgent: lost the job repository's connection"
                + " during the step (").contains("the bake is resumable from its last saved checkpoint");
        assertThat(serverPid()).as("a new server").isNotEqualTo(killed);
        String execution = httpd.lines().stream().filter(line -> line.contains("\"event\":\"bakeStarted\""))
                .map(line -> line.replaceFirst(".*\"execution\":(\\d+).*", "$1")).findFirst().orElseThrow();
        AmibakeProcess status = AmibakeProcess.run(home, "status", "--execution", execution, "--json", "--home",
                home.toString());
        assertThat(status.stdout()).as("read back, %s", status.output()).containsPattern("\"failure\":"
                + "\"waitForAgent: [^\"]*job repository[^\"]*the bake is resumable from its last saved checkpoint");
        AmibakeProcess resume = AmibakeProcess.run(home, "resume", "httpd", "--endpoint-url",
                sandbox.endpoint().toString(), "--home", home.toString());
        assertThat(resume.exitCode()).as(resume.output()).isZero();
        assertThat(resume.stdout()).contains("resuming bake httpd-").contains(", FAILED)");
        String bakeId = bakeId(httpd);
        assertThat(buildInstancesOf(bakeId)).as("build instances of %s", bakeId).hasSize(1);
        assertThat(sandbox.images().stream().filter(i -> bakeId.equals(i.tags().get(BakeTags.BAKE))).toList())
                .as("images of %s", bakeId).isNotEmpty()
                .extracting(SandboxImage::region).as("one image per region").doesNotHaveDuplicates();
    }

    @Test
    void aBakeStoppedFromAnotherProcessEndsStoppedAndResumesFromItsCheckpoint() {
        // given a bake held in waitForAgent
        sandbox.faults().failNext("DescribeInstanceInformation", null, "InvalidInstanceId", 1_000_000);
        long launched = buildInstances();
        AmibakeProcess running = AmibakeProcess.start(home, line -> false, bake("recipes/httpd.yaml"));
        awaitLine(running, "\"step\":\"waitForAgent\"");
        String execution = running.lines().stream().filter(line -> line.contains("\"event\":\"bakeStarted\""))
                .map(line -> line.replaceFirst(".*\"execution\":(\\d+).*", "$1")).findFirst().orElseThrow();

        // when another process stops it, and asks again once it has stopped
        AmibakeProcess stop = AmibakeProcess.run(home, "stop", "httpd", "--wait", "--home", home.toString());
        AmibakeProcess again = AmibakeProcess.run(home, "stop", "--execution", execution, "--home", home.toString());
        sandbox.faults().clear();

        // then the bake ended STOPPED, resumable, and resumes from its checkpoint
        assertThat(stop.exitCode()).as(stop.output()).isZero();
        assertThat(stop.stdout()).as(stop.output())
                .containsPattern("asked bake httpd-\\S+ \\(execution " + execution + "\\) to stop \\(host \\S+, pid "
                        + running.pid() + "\\)")
                .contains("(execution " + execution + ") is STOPPED; 'amibake resume httpd' goes on");
        assertThat(running.awaitExit()).as(running.output()).isEqualTo(1);
        assertThat(running.lines()).as(running.output()).anyMatch(line -> line.contains("\"event\":\"bakeFinished\"")
                && line.contains("STOPPED"));
        assertThat(again.exitCode()).as(again.output()).isEqualTo(2);
        assertThat(again.stderr()).as(again.output())
                .contains("(execution " + execution + ") is STOPPED, not running; nothing to stop");
        AmibakeProcess resume = AmibakeProcess.run(home, "resume", "httpd", "--endpoint-url",
                sandbox.endpoint().toString(), "--home", home.toString());
        assertThat(resume.exitCode()).as(resume.output()).isZero();
        assertThat(resume.stdout()).contains("resuming bake httpd-").contains("(execution " + execution + ", STOPPED)");
        assertThat(buildInstances() - launched).as("build instances: the stopped bake's, started again").isEqualTo(1);
    }

    private String[] bake(String recipe) {
        return new String[] {"bake", recipe, "--endpoint-url", sandbox.endpoint().toString(), "--home",
                home.toString(), "--json"};
    }

    private static long buildInstances() {
        return sandbox.instances().stream().filter(i -> i.tags().get(TestImageStep.ROLE_TAG) == null).count();
    }

    private static List<SandboxInstance> buildInstancesOf(String bakeId) {
        return sandbox.instances().stream().filter(i -> i.tags().get(TestImageStep.ROLE_TAG) == null)
                .filter(i -> bakeId.equals(i.tags().get(BakeTags.BAKE))).toList();
    }

    private static String bakeId(AmibakeProcess bake) {
        return bake.lines().stream().filter(line -> line.contains("\"event\":\"bakeStarted\""))
                .map(line -> line.replaceFirst(".*\"bake\":\"([^\"]+)\".*", "$1")).findFirst().orElseThrow();
    }

    private long serverPid() throws IOException {
        return Long.parseLong(record().getProperty("pid").strip());
    }

    private Properties record() throws IOException {
        Properties record = new Properties();
        try (Reader in = Files.newBufferedReader(home.resolve("repository/server.port"))) {
            record.load(in);
        }
        return record;
    }

    /**
     * Waits until a session is inside a statement that starts with {@code sql}: one that the
     * caller's table lock keeps waiting on the server.
     */
    private static void awaitWaitingStatement(Connection connection, String sql, AmibakeProcess bake)
            throws SQLException {
        long deadline = System.nanoTime() + AmibakeProcess.TIMEOUT.toNanos();
        while (true) {
            try (PreparedStatement statement = connection.prepareStatement("SELECT COUNT(*) FROM"
                    + " INFORMATION_SCHEMA.SYSTEM_SESSIONS WHERE CURRENT_STATEMENT LIKE ?")) {
                statement.setString(1, sql + "%");
                try (ResultSet rows = statement.executeQuery()) {
                    rows.next();
                    if (rows.getInt(1) > 0) {
                        return;
                    }
                }
            }
            assertThat(bake.isAlive()).as("held by the lock\n%s", bake.output()).isTrue();
            if (System.nanoTime() > deadline) {
                StringBuilder sessions = new StringBuilder();
                try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(
                        "SELECT SESSION_ID, THIS_WAITING_FOR, WAITING_FOR_THIS, CURRENT_STATEMENT"
                                + " FROM INFORMATION_SCHEMA.SYSTEM_SESSIONS")) {
                    while (rows.next()) {
                        sessions.append(rows.getString(1)).append(" | ").append(rows.getString(2)).append(" | ")
                                .append(rows.getString(3)).append(" | ").append(rows.getString(4)).append('\n');
                    }
                }
                throw new AssertionError("no session waits in " + sql.strip() + "\n" + sessions + bake.output());
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException serverGone) {
            // Its server was killed.
        }
    }

    /**
     * Waits until a live server other than {@code gone} is recorded, started by one of the bakes:
     * they must still be running, since nothing else that could start one runs on the home.
     */
    private long awaitServerOtherThan(long gone, AmibakeProcess... bakes) {
        long deadline = System.nanoTime() + AmibakeProcess.TIMEOUT.toNanos();
        while (true) {
            for (AmibakeProcess bake : bakes) {
                assertThat(bake.isAlive()).as("still held while the server is down\n%s", bake.output()).isTrue();
            }
            try {
                long pid = serverPid();
                if (pid != gone && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    return pid;
                }
            } catch (IOException | RuntimeException notRecordedYet) {
                // The dead server's record is removed before the new one is written.
            }
            assertThat(System.nanoTime()).as("no new repository server was started").isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    /** Waits until a bake has looked for its build instance's agent in the region, after {@code before} looks. */
    private static void awaitAgentLook(String region, long before) {
        long deadline = System.nanoTime() + AmibakeProcess.TIMEOUT.toNanos();
        while (sandbox.stats().count("DescribeInstanceInformation", region) <= before) {
            assertThat(System.nanoTime()).as("no look for an agent in " + region).isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    private static void awaitLine(AmibakeProcess process, String fragment) {
        long deadline = System.nanoTime() + AmibakeProcess.TIMEOUT.toNanos();
        while (process.lines().stream().noneMatch(line -> line.contains(fragment))) {
            if (!process.isAlive()) {
                process.awaitExit();
                assertThat(process.lines()).as("ended with no line with %s\n%s", fragment, process.output())
                        .anyMatch(line -> line.contains(fragment));
                return;
            }
            assertThat(System.nanoTime()).as("no line with %s\n%s", fragment, process.output()).isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }
}
