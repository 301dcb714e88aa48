package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.HeldClock;
import io.amibake.SandboxExtension;
import io.amibake.TestRecipes;
import io.amibake.engine.api.BakeLine;
import io.amibake.engine.job.TestImageStep;
import io.amibake.engine.read.BakeLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two runners (different homes and runner names, one process each) sharing one real PostgreSQL
 * job repository, each test in a schema of its own: a recipe's bake runs in one of them at a time,
 * its heartbeat keeps its lease past the TTL, and a runner that lost its lease leaves the bake
 * and the cloud to the other. Leases expire on a clock the test moves ({@link ClockFile}), and
 * the cloud stands still until the test moves it ({@link HeldClock}): nothing depends on how fast
 * the machine is. Without a reachable PostgreSQL the tests are skipped, saying so; under CI they
 * fail instead ({@link PostgresSchema}).
 */
class MultiRunnerPostgresIT {

    /** A lease's life on the test's clock; its heartbeat beats a third of it apart on the wall clock. */
    private static final Duration TTL = Duration.ofSeconds(3);
    private static final HeldClock CLOUD = new HeldClock(Instant.parse("2026-01-05T10:00:00Z"), 0.02);

    @RegisterExtension
    static final PostgresSchema postgres = new PostgresSchema();

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(CLOUD, options -> options.withThrottling(false));

    @TempDir
    Path scratch;

    private ClockFile clock;
    private Path recipe;

    @BeforeEach
    void holdTime() throws Exception {
        CLOUD.hold();
        clock = new ClockFile(scratch, Instant.parse("2026-01-05T02:00:00Z"));
        recipe = Files.writeString(scratch.resolve("leased.yaml"),
                TestRecipes.oneRegion("leased", "echo baked > /etc/marker", ""));
    }

    /** A test that failed while the cloud stood still leaves no bake waiting on it: each runs to its end. */
    @AfterEach
    void letTimeRun() {
        CLOUD.release();
    }

    @Test
    void theSameRecipeOnTwoRunnersRunsOnceAndTheOtherIsRefusedNamingTheOwner() {
        // given runner A's bake, waiting at its first command
        long launched = buildInstances();
        AmibakeProcess a = AmibakeProcess.start(scratch, runner("a"), line -> false, bake("a"));
        atFirstCommand(a);

        // when runner B starts the same recipe, and resumes it
        AmibakeProcess bakeOnB = AmibakeProcess.run(scratch, runner("b"), bake("b"));
        AmibakeProcess resumeOnB = AmibakeProcess.run(scratch, runner("b"), resume("b"));

        // then both are refused, naming A, and A's bake completes once the cloud moves on
        assertThat(bakeOnB.exitCode()).as(bakeOnB.output()).isEqualTo(3);
        assertThat(bakeOnB.stderr()).as(bakeOnB.output())
                .contains("another bake of recipe 'leased' is running (host runner-a, pid " + a.pid());
        assertThat(resumeOnB.exitCode()).as(resumeOnB.output()).isEqualTo(3);
        assertThat(resumeOnB.stderr()).as(resumeOnB.output()).contains("host runner-a, pid " + a.pid());
        CLOUD.release();
        assertThat(a.awaitExit()).as(a.output()).isZero();
        assertThat(buildInstances() - launched).as("build instances launched").isEqualTo(1);
    }

    @Test
    void aKilledRunnersBakeIsRecoveredByAnotherOnlyAfterItsLeaseExpired() throws Exception {
        // given runner A is killed with SIGKILL while it waits for its first command
        long launched = buildInstances();
        long created = sandbox.stats().count("CreateImage");
        AmibakeProcess a = AmibakeProcess.start(scratch, runner("a"), line -> false, bake("a"));
        atFirstCommand(a);
        a.signal("KILL");
        assertThat(a.awaitExit()).as(a.output()).isEqualTo(AmibakeProcess.KILLED);

        // when runner B resumes while A's lease is live
        AmibakeProcess early = AmibakeProcess.run(scratch, runner("b"), resume("b"));

        // then it is refused, naming A, and A's bake is untouched
        assertThat(early.exitCode()).as(early.output()).isEqualTo(3);
        assertThat(early.stderr()).as(early.output()).contains("host runner-a, pid " + a.pid());
        assertThat(newestStatus()).isEqualTo("STARTED");

        // when A's lease has expired
        clock.set(Instant.ofEpochMilli(expiresAt()).plusSeconds(1));
        CLOUD.release();
        AmibakeProcess late = AmibakeProcess.run(scratch, runner("b"), resume("b"));

        // then B recovers the bake and completes it from its checkpoint
        assertThat(late.exitCode()).as(late.output()).isZero();
        assertThat(late.stdout()).contains("resuming bake leased-").containsPattern("\\(execution \\d+, STARTED\\)");
        assertThat(buildInstances() - launched).as("build instances launched").isEqualTo(1);
        assertThat(sandbox.stats().count("CreateImage") - created).as("images created").isEqualTo(1);

        // and status, which reads PostgreSQL without Spring, lists the bake once with both executions
        List<BakeLine> lines;
        try (Connection connection = postgres.connection()) {
            lines = BakeLines.read(connection, "leased", 20);
        }
        assertThat(lines).singleElement().satisfies(line -> {
            assertThat(line.runs()).isEqualTo(2);
            assertThat(line.status()).isEqualTo("COMPLETED");
            assertThat(line.step()).isEqualTo("writeManifest");
            assertThat(line.imageId()).startsWith("ami-");
            assertThat(line.took()).isPositive();
        });
        AmibakeProcess status = AmibakeProcess.run(scratch, runner("b"), "status", "leased", "--json", "--home",
                scratch.resolve("b").toString());
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.stdout()).as(status.output()).contains("\"bake\":\"" + lines.get(0).bakeId() + "\"")
                .contains("\"executions\":2").contains("\"imageId\":\"" + lines.get(0).imageId() + "\"");
    }

    @Test
    void aBakeThatOutlivesItsLeaseTtlKeepsItByItsHeartbeatWhileAnotherRunnerIsRefused() {
        // given runner A's bake, waiting at its first command
        long launched = buildInstances();
        AmibakeProcess a = AmibakeProcess.start(scratch, runner("a"), line -> false, bake("a"));
        atFirstCommand(a);
        long firstExpiry = expiresAt();

        // when the clock moves on by two thirds of the TTL three times, past that expiry
        for (int beat = 0; beat < 3; beat++) {
            clock.advance(TTL.multipliedBy(2).dividedBy(3));
            long renewed = clock.now().plus(TTL).toEpochMilli();
            AmibakeProcess.await("runner A's heartbeat to renew its lease at " + clock.now(),
                    () -> expiresAt() == renewed, a);
        }
        assertThat(clock.now().toEpochMilli()).isGreaterThan(firstExpiry);

        // then runner B is refused the recipe, naming A, and A's bake completes once the cloud moves on
        AmibakeProcess b = AmibakeProcess.run(scratch, runner("b"), bake("b"));
        assertThat(b.exitCode()).as(b.output()).isEqualTo(3);
        assertThat(b.stderr()).as(b.output())
                .contains("another bake of recipe 'leased' is running (host runner-a, pid " + a.pid());
        CLOUD.release();
        assertThat(a.awaitExit()).as(a.output()).isZero();
        assertThat(buildInstances() - launched).as("build instances launched").isEqualTo(1);
    }

    @Test
    void aRunnerFrozenPastItsLeaseLosesTheBakeToAnotherAndContinuedStopsWithoutTouchingTheCloud() {
        // given runner A's bake, waiting at its first command
        long launched = buildInstances();
        AmibakeProcess a = AmibakeProcess.start(scratch, runner("a"), line -> false, bake("a"));
        atFirstCommand(a);

        // when A is frozen, the clock passes its lease's expiry, and runner B resumes the bake
        a.signal("STOP");
        AmibakeProcess b;
        try {
            clock.set(Instant.ofEpochMilli(expiresAt()).plusSeconds(1));
            CLOUD.release();
            b = AmibakeProcess.run(scratch, runner("b"), resume("b"));
        } finally {
            a.signal("CONT");
        }

        // then B took the bake over and completed it from its checkpoint
        assertThat(b.exitCode()).as(b.output()).isZero();
        assertThat(b.stdout()).contains("resuming bake leased-");

        // and A, continued, stopped at its next look without a request to the cloud, leaving the bake B's:
        // a look at its command that was being sent when A was frozen may end, nothing else is sent
        long requests = sandbox.requests();
        long looks = sandbox.stats().count("GetCommandInvocation");
        int exit = a.awaitExit();
        long lookInFlight = sandbox.stats().count("GetCommandInvocation") - looks;
        assertThat(lookInFlight).as("looks A sent once continued\n" + a.output()).isLessThanOrEqualTo(1);
        assertThat(sandbox.requests() - requests - lookInFlight).as("requests A sent once continued\n" + a.output())
                .isZero();
        assertThat(exit).as(a.output()).isNotZero();
        assertThat(a.stdout()).as(a.output()).contains("lost its lease");
        assertThat(newestStatus()).isEqualTo("COMPLETED");
        assertThat(buildInstances() - launched).as("build instances launched").isEqualTo(1);
    }

    /** Waits until A's bake waits for its first command to finish, and its lease names its execution. */
    private void atFirstCommand(AmibakeProcess a) {
        long launched = sandbox.stats().count("RunInstances");
        long sent = sandbox.stats().count("SendCommand");
        AmibakeProcess.await("runner A's build instance", () -> sandbox.stats().count("RunInstances") > launched, a);
        CLOUD.advance(Duration.ofMinutes(10));
        AmibakeProcess.await("runner A's first command", () -> sandbox.stats().count("SendCommand") > sent, a);
        AmibakeProcess.await("runner A's lease to name its execution", () -> !postgres.quietly("SELECT EXECUTION_ID"
                + " FROM " + postgres.schema() + ".AMIBAKE_BAKE_LEASE WHERE EXECUTION_ID IS NOT NULL").isEmpty(), a);
    }

    private Map<String, String> runner(String name) {
        Map<String, String> environment = new HashMap<>(postgres.repositoryEnvironment());
        environment.putAll(clock.environment());
        environment.put("AMIBAKE_HOST", "runner-" + name);
        environment.put("AMIBAKE_LEASE_TTL", TTL.toSeconds() + "s");
        return environment;
    }

    private String[] bake(String runner) {
        return new String[] {"bake", recipe.toString(), "--endpoint-url", sandbox.endpoint().toString(),
                "--home", scratch.resolve(runner).toString(), "--json"};
    }

    private String[] resume(String runner) {
        return new String[] {"resume", "leased", "--endpoint-url", sandbox.endpoint().toString(),
                "--home", scratch.resolve(runner).toString()};
    }

    /** The lease's expiry in epoch milliseconds, or -1 while nobody holds it. */
    private long expiresAt() {
        List<String> expiry = postgres.quietly("SELECT EXPIRES_AT FROM " + postgres.schema() + ".AMIBAKE_BAKE_LEASE");
        return expiry.isEmpty() ? -1 : Long.parseLong(expiry.get(0));
    }

    private String newestStatus() {
        return postgres.quietly("SELECT STATUS FROM " + postgres.schema() + ".BATCH_JOB_EXECUTION"
                + " ORDER BY JOB_EXECUTION_ID DESC LIMIT 1").stream().findFirst().orElse("none");
    }

    /** Build instances in the sandbox; the instances that test or serve an image are not. */
    private static long buildInstances() {
        return sandbox.instances().stream().filter(i -> i.tags().get(TestImageStep.ROLE_TAG) == null).count();
    }
}
