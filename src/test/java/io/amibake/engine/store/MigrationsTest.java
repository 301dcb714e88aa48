package io.amibake.engine.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Repositories made before migrations (each store made its table with CREATE TABLE IF NOT EXISTS,
 * as main did until then) keep their rows and take the new shape; new ones get every table.
 */
class MigrationsTest {

    /** The statements main ran before migrations, as it ran them (BakeLeases, ScheduleStore, WaitHistory, CommandOutputs). */
    private static final List<String> MAIN_BEFORE_MIGRATIONS = List.of(
            "CREATE TABLE IF NOT EXISTS AMIBAKE_LEASE (RECIPE VARCHAR(200) NOT NULL PRIMARY KEY, "
                    + "TOKEN VARCHAR(64) NOT NULL, OWNER_HOST VARCHAR(255) NOT NULL, OWNER_PID BIGINT NOT NULL, "
                    + "BAKE_ID VARCHAR(255), EXECUTION_ID BIGINT, STARTED_AT BIGINT NOT NULL, EXPIRES_AT BIGINT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS AMIBAKE_SCHEDULE_SLOT (RECIPE VARCHAR(200) NOT NULL, SLOT_AT BIGINT NOT NULL, "
                    + "OWNER VARCHAR(300) NOT NULL, OUTCOME VARCHAR(20) NOT NULL, RESUMED BOOLEAN DEFAULT FALSE NOT NULL, "
                    + "DETAIL VARCHAR(2000), BAKE_ID VARCHAR(255), EXECUTION_ID BIGINT, IMAGE_ID VARCHAR(64), "
                    + "CLAIMED_AT BIGINT NOT NULL, FINISHED_AT BIGINT, PRIMARY KEY (RECIPE, SLOT_AT))",
            "CREATE TABLE IF NOT EXISTS AMIBAKE_SCHEDULE_STATE (RECIPE VARCHAR(200) NOT NULL PRIMARY KEY, "
                    + "FAILURES INTEGER DEFAULT 0 NOT NULL, PAUSED_AT BIGINT, PAUSED_RECIPE VARCHAR(64), "
                    + "LAST_ERROR VARCHAR(2000))",
            "CREATE TABLE IF NOT EXISTS AMIBAKE_SCHEDULER (OWNER VARCHAR(300) NOT NULL PRIMARY KEY, "
                    + "HOST VARCHAR(255) NOT NULL, PID BIGINT NOT NULL, STARTED_AT BIGINT NOT NULL, ALIVE_AT BIGINT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS AMIBAKE_WAIT_HISTORY (RECIPE VARCHAR(255) NOT NULL, TARGET VARCHAR(1000) NOT NULL, "
                    + "WAIT_KEY VARCHAR(1000) NOT NULL, MILLIS VARCHAR(1000) NOT NULL, UPDATED_AT BIGINT NOT NULL, "
                    + "PRIMARY KEY (RECIPE, TARGET, WAIT_KEY))",
            "CREATE TABLE IF NOT EXISTS AMIBAKE_COMMAND_OUTPUT (BAKE_ID VARCHAR(200) NOT NULL, EXECUTION_ID BIGINT NOT NULL, "
                    + "STEP_NAME VARCHAR(100) NOT NULL, COMMAND_KEY VARCHAR(300) NOT NULL, COMMAND_NAME VARCHAR(300) NOT NULL, "
                    + "COMMAND_ID VARCHAR(100) NOT NULL, INSTANCE_ID VARCHAR(100) NOT NULL, STATUS VARCHAR(40) NOT NULL, "
                    + "EXIT_CODE INTEGER NOT NULL, FINISHED_AT TIMESTAMP NOT NULL, STDOUT VARCHAR(24000), "
                    + "STDERR VARCHAR(8000))");

    @TempDir
    Path dir;

    @Test
    void anHsqldbFileMadeBeforeMigrationsKeepsItsRowsAndItsLeaseGetsTheDefaultTarget() {
        DataSource file = new DriverManagerDataSource("jdbc:hsqldb:file:" + dir.resolve("repository/amibake")
                + ";shutdown=true", "SA", "");
        migratesWhatMainMade(file);
    }

    @Test
    void aPostgresqlSchemaMadeBeforeMigrationsKeepsItsRowsAndItsLeaseGetsTheDefaultTarget() throws SQLException {
        String url = System.getenv().getOrDefault("AMIBAKE_TEST_POSTGRES_URL", "jdbc:postgresql://localhost:5432/amibake");
        String schema = "mig_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = reachable(url)) {
            admin.createStatement().execute("CREATE SCHEMA " + schema);
            try {
                migratesWhatMainMade(new DriverManagerDataSource(url + "?currentSchema=" + schema, "amibake", "amibake"));
            } finally {
                admin.createStatement().execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    @Test
    void anEmptyDatabaseGetsEveryTable() {
        DataSource empty = new DriverManagerDataSource("jdbc:hsqldb:mem:fresh-" + UUID.randomUUID(), "SA", "");

        // when
        Migrations.apply(empty);

        // then
        JdbcTemplate jdbc = new JdbcTemplate(empty);
        for (String table : List.of("AMIBAKE_BAKE_LEASE", "AMIBAKE_SLOT", "AMIBAKE_RECIPE_SCHEDULE",
                "AMIBAKE_SCHEDULER", "AMIBAKE_WAIT_HISTORY", "AMIBAKE_COMMAND_OUTPUT")) {
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM " + table, Long.class)).as(table).isZero();
        }
    }

    @Test
    @Timeout(120)
    void aProcessMigratesAHomesSharedRepositoryOnlyWhileNoOtherProcessDoes() throws Exception {
        // given another process holding the repository folder's migration lock
        Migrations.apply(new DriverManagerDataSource("jdbc:hsqldb:mem:warm-" + UUID.randomUUID(), "SA", ""));
        Path holder = dir.resolve("Hold.java");
        Files.writeString(holder, """
                import java.nio.channels.FileChannel;
                import java.nio.file.Files;
import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;
                public class Hold {
                    public static void main(String[] args) throws Exception {
                        try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE); var lock = channel.lock()) {
                            System.out.println("held");
                            System.in.read();
                        }
                    }
                }
                """);
        Process other = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), holder.toString(),
                dir.resolve(Migrations.LOCK).toString()).redirectErrorStream(true).start();
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(other.getInputStream()))) {
            assertThat(lines.readLine()).isEqualTo("held");
            DataSource fresh = new DriverManagerDataSource("jdbc:hsqldb:mem:shared-" + UUID.randomUUID(), "SA", "");

            // when this process migrates
            Thread migrating = new Thread(() -> Migrations.applyExclusively(fresh, dir));
            migrating.start();

            // then it waits (a second is many times what the migrations take once Flyway is loaded) ...
            migrating.join(1_000);
            assertThat(migrating.isAlive()).as("migrating while another process holds the lock").isTrue();
            // ... and migrates once the other is done
            other.getOutputStream().close();
            migrating.join(60_000);
            assertThat(migrating.isAlive()).isFalse();
            assertThat(new JdbcTemplate(fresh).queryForObject("SELECT COUNT(*) FROM AMIBAKE_BAKE_LEASE", Long.class))
                    .isZero();
        } finally {
            other.destroyForcibly().waitFor();
        }
    }

    private static void migratesWhatMainMade(DataSource database) {
        // given the tables and rows main made: a lease left by a killed bake, a schedule's slot, learned waits
        JdbcTemplate jdbc = new JdbcTemplate(database);
        MAIN_BEFORE_MIGRATIONS.forEach(jdbc::execute);
        jdbc.update("INSERT INTO AMIBAKE_LEASE (RECIPE, TOKEN, OWNER_HOST, OWNER_PID, BAKE_ID, EXECUTION_ID, STARTED_AT,"
                + " EXPIRES_AT) VALUES ('httpd', 't', 'runner-a', 42, 'httpd-1', 7, 1000, 2000)");
        jdbc.update("INSERT INTO AMIBAKE_SCHEDULE_SLOT (RECIPE, SLOT_AT, OWNER, OUTCOME, CLAIMED_AT)"
                + " VALUES ('httpd', 5000, 'runner-a', 'COMPLETED', 5001)");
        jdbc.update("INSERT INTO AMIBAKE_SCHEDULE_STATE (RECIPE, FAILURES, PAUSED_AT) VALUES ('httpd', 3, 6000)");
        jdbc.update("INSERT INTO AMIBAKE_WAIT_HISTORY (RECIPE, TARGET, WAIT_KEY, MILLIS, UPDATED_AT)"
                + " VALUES ('httpd', 'http://127.0.0.1:4566', 'agent', '1200', 3000)");

        // when the engine opens it, twice
        Migrations.apply(database);
        Migrations.apply(database);

        // then the lease and the schedule kept their rows with the target bakes had when none was named
        assertThat(jdbc.queryForList("SELECT TARGET, RECIPE, OWNER_HOST, EXECUTION_ID FROM AMIBAKE_BAKE_LEASE"))
                .singleElement().satisfies(row -> assertThat(upper(row)).containsEntry("TARGET", "aws")
                        .containsEntry("RECIPE", "httpd").containsEntry("OWNER_HOST", "runner-a")
                        .containsEntry("EXECUTION_ID", 7L));
        assertThat(jdbc.queryForObject("SELECT OUTCOME FROM AMIBAKE_SLOT WHERE TARGET = 'aws' AND RECIPE = 'httpd'",
                String.class)).isEqualTo("COMPLETED");
        assertThat(jdbc.queryForObject("SELECT FAILURES FROM AMIBAKE_RECIPE_SCHEDULE WHERE TARGET = 'aws'"
                + " AND RECIPE = 'httpd' AND PAUSED_AT = 6000", Integer.class)).isEqualTo(3);
        assertThat(jdbc.queryForObject("SELECT TARGET FROM AMIBAKE_WAIT_HISTORY", String.class))
                .isEqualTo("http://127.0.0.1:4566");
        assertThat(jdbc.queryForList("SELECT \"version\" FROM \"" + Migrations.HISTORY + "\" WHERE \"success\" = TRUE"
                + " ORDER BY \"installed_rank\"", String.class)).containsExactly("0", "1", "2", "3");
    }

    private static Map<String, Object> upper(Map<String, Object> row) {
        Map<String, Object> upper = new java.util.HashMap<>();
        row.forEach((key, value) -> upper.put(key.toUpperCase(), value instanceof Number n ? n.longValue() : value));
        return upper;
    }

    private static Connection reachable(String url) {
        try {
            return DriverManager.getConnection(url, "amibake", "amibake");
        } catch (SQLException e) {
            String why = "no PostgreSQL at " + url + " (" + e.getMessage() + "); .ci/run installs and starts one";
            if ("true".equals(System.getenv("CI"))) {
                fail(why);
            }
            Assumptions.abort("skipped: " + why);
            return null;
        }
    }
}
