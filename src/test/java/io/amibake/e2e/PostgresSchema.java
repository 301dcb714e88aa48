package io.amibake.e2e;

import io.amibake.Ci;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL for the tests that run amibake processes on one shared job repository, with
 * a schema of its own for each test. The server is {@code AMIBAKE_TEST_POSTGRES_URL} (default
 * {@code jdbc:postgresql://localhost:5432/amibake}, user and password {@code amibake}), as
 * {@code .ci/run} sets it up. Without one the tests are skipped, and under CI they fail ({@link Ci}).
 */
final class PostgresSchema implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback {

    private static final String URL = env("AMIBAKE_TEST_POSTGRES_URL", "jdbc:postgresql://localhost:5432/amibake");
    private static final String USER = env("AMIBAKE_TEST_POSTGRES_USER", "amibake");
    private static final String PASSWORD = env("AMIBAKE_TEST_POSTGRES_PASSWORD", "amibake");

    private String schema;

    @Override
    public void beforeAll(ExtensionContext context) {
        try (Connection ignored = DriverManager.getConnection(URL, USER, PASSWORD)) {
            // reachable
        } catch (SQLException e) {
            Ci.require(false, "PostgreSQL at " + URL + " (" + e.getMessage() + "); .ci/run installs and starts one");
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws SQLException {
        schema = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        sql("CREATE SCHEMA " + schema);
    }

    @Override
    public void afterEach(ExtensionContext context) throws SQLException {
        sql("DROP SCHEMA " + schema + " CASCADE");
    }

    /** The current test's schema, to qualify table names with. */
    String schema() {
        return schema;
    }

    /** The environment that points an amibake process's job repository at this test's schema. */
    Map<String, String> repositoryEnvironment() {
        return Map.of("SPRING_DATASOURCE_URL", URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema,
                "SPRING_DATASOURCE_USERNAME", USER,
                "SPRING_DATASOURCE_PASSWORD", PASSWORD);
    }

    /** A connection to the current test's schema, as an amibake process makes it. */
    Connection connection() throws SQLException {
        Map<String, String> environment = repositoryEnvironment();
        return DriverManager.getConnection(environment.get("SPRING_DATASOURCE_URL"), USER, PASSWORD);
    }

    /** The first column of every row the query answers. */
    List<String> column(String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    /** As {@link #column}, for a condition a test waits on: a table not made yet reads as no rows. */
    List<String> quietly(String sql) {
        try {
            return column(sql);
        } catch (SQLException notYet) {
            return List.of();
        }
    }

    private static void sql(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
