package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.amibake.SandboxExtension;
import io.amibake.engine.job.TestImageStep;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two runners (different homes and runner names, one process each) sharing one real PostgreSQL
 * job repository. Each test gets a schema of its own. Without a reachable PostgreSQL the tests are
 * skipped, saying so; under {@code CI=true} they fail instead. The database is
 * {@code AMIBAKE_TEST_POSTGRES_URL} (default {@code jdbc:postgresql://localhost:5432/amibake},
 * user and password {@code amibake}), as {@code .ci/run} sets it up.
 */
class MultiRunnerPostgresIT {

    /** Long enough to outlast a runner's JVM start on a busy machine, short enough to wait out. */
    private static final Duration LEASE = Duration.ofSeconds(20);

    @RegisterExtension
    static final PostgresSchema postgres = new PostgresSchema();

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.02);

    @TempDir
    Path scratch;

    @Test
    void theSameRecipeOnTwoRunnersRunsOnceAndTheOtherIsRefusedNamingTheOwner() {
        // given runner A's bake has started
        long launched = buildInstances();
        AmibakeProcess a = AmibakeProcess.start(scratch, runner("a"), line -> false, bake("a"));
        awaitLine(a, "\"event\":\"stepStarted\"");

        // when runner B starts the same recipe, and resumes it
        AmibakeProcess bakeOnB = AmibakeProcess.run(scratch, runner("b"), bake("b"));
        AmibakeProcess resumeOnB = AmibakeProcess.run(scratch, runner("b"), resume("b"));

        // then
        assertThat(bakeOnB.exitCode()).as(bakeOnB.output()).isEqualTo(3);
        assertThat(bakeOnB.stderr()).as(bakeOnB.output())
                .containsPattern("another bake of recipe 'httpd' is running \\(host runner-a, pid \\d+");
        assertThat(resumeOnB.exitCode()).as(resumeOnB.output()).isEqualTo(3);
        assertThat(resumeOnB.stderr()).as(resumeOnB.output()).contains("host runner-a, pid " + a.pid());
        assertThat(a.awaitExit()).as(a.output()).isZero();
        assertThat(buildInstances() - launched).as("build instances launched").isEqualTo(1);
    }

    @Test
    void aKilledRunnersBakeIsRecoveredByAnotherOnlyAfterItsLeaseExpired() throws Exception {
        // given runner A is killed with SIGKILL while it installs packages
        long launched = buildInstances();
        long created = sandbox.stats().count("CreateImage");
        AmibakeProcess a = AmibakeProcess.start(scratch, runner("a"),
                line -> line.contains("\"event\":\"stepStarted\"") && line.contains("installPackages"), bake("a"));
        assertThat(a.awaitExit()).as(a.output()).isEqualTo(AmibakeProcess.KILLED);

        // when runner B resumes while A's lease is live
        AmibakeProcess early = AmibakeProcess.run(scratch, runner("b"), resume("b"));

        // then it is refused, naming A, and A's bake is untouched
        assertThat(early.exitCode()).as(early.output()).isEqualTo(3);
        assertThat(early.stderr()).as(early.output()).contains("host runner-a, pid " + a.pid());
        assertThat(status()).isEqualTo("STARTED");

        // when A's lease has expired
        awaitLeaseExpired();
        AmibakeProcess late = AmibakeProcess.run(scratch, runner("b"), resume("b"));

        // then B recovers the bake and completes it from its checkpoint
        assertThat(late.exitCode()).as(late.output()).isZero();
        assertThat(late.stdout()).contains("resuming bake httpd-").containsPattern("\\(execution \\d+, STARTED\\)");
        assertThat(buildInstances() - launched).as("build instances launched").isEqualTo(1);
        assertThat(sandbox.stats().count("CreateImage") - created).as("images created").isEqualTo(1);
    }

    private Map<String, String> runner(String name) {
        Map<String, String> environment = new java.util.HashMap<>(postgres.repositoryEnvironment());
        environment.put("AMIBAKE_HOST", "runner-" + name);
        environment.put("AMIBAKE_LEASE_TTL", LEASE.toSeconds() + "s");
        return environment;
    }

    private String[] bake(String runner) {
        return new String[] {"bake", "recipes/httpd.yaml", "--endpoint-url", sandbox.endpoint().toString(),
                "--home", scratch.resolve(runner).toString(), "--json"};
    }

    private String[] resume(String runner) {
        return new String[] {"resume", "httpd", "--endpoint-url", sandbox.endpoint().toString(),
                "--home", scratch.resolve(runner).toString()};
    }

    private String status() throws SQLException {
        return query("SELECT STATUS FROM " + postgres.schema() + ".BATCH_JOB_EXECUTION ORDER BY JOB_EXECUTION_ID LIMIT 1");
    }

    private void awaitLeaseExpired() throws SQLException {
        long expires = Long.parseLong(query("SELECT EXPIRES_AT FROM " + postgres.schema() + ".AMIBAKE_BAKE_LEASE"));
        while (System.currentTimeMillis() <= expires) {
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
    }

    private static String query(String sql) throws SQLException {
        List<String> values = postgres.column(sql);
        assertThat(values).as(sql).isNotEmpty();
        return values.get(0);
    }


    private static void awaitLine(AmibakeProcess process, String fragment) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (process.lines().stream().noneMatch(line -> line.contains(fragment))) {
            assertThat(System.nanoTime()).as("no line with %s\n%s", fragment, process.output()).isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }


    /** Build instances in the sandbox; the instances that test or serve an image are not. */
    private static long buildInstances() {
        return sandbox.instances().stream().filter(i -> i.tags().get(TestImageStep.ROLE_TAG) == null).count();
    }
}
