package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.amibake.engine.store.AmibakeHome;
import io.amibake.engine.store.SharedRepository;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bake commands' context joins the home's repository server while Spring starts: it opens on
 * the served file, and a file another program holds is still reported as busy (exit 3), not as
 * Spring's failure to connect.
 */
class BakeContextTest {

    @TempDir
    Path home;

    @AfterEach
    void stopServer() {
        SharedRepository.stop(home);
    }

    @Test
    void opensOnTheServedRepository() throws SQLException {
        try (BakeContext context = BakeContext.open(home);
             Connection connection = context.bean(DataSource.class).getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("VALUES DATABASE()")) {
            rows.next();
            assertThat(rows.getString(1)).isEqualTo(home.resolve("repository").toRealPath().resolve("amibake").toString());
            assertThat(context.launcher()).isNotNull();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aFileHeldByAnotherProgramIsBusy() throws SQLException {
        // given an amibake from before the file was served, holding it open
        AmibakeHome.prepare(home);
        try (Connection direct = DriverManager.getConnection("jdbc:hsqldb:file:"
                + home.resolve("repository/amibake").toAbsolutePath(), "SA", "")) {

            // then
            assertThatThrownBy(() -> BakeContext.open(home)).isInstanceOf(RepositoryBusyException.class);
            try (Statement statement = direct.createStatement()) {
                statement.execute("SHUTDOWN");
            }
        }
    }
}
