package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.engine.store.AmibakeHome;
import io.amibake.engine.store.SharedRepository;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The joined repository's datasource outlives its server: once the server is killed with -9, the
 * next connection starts a new server on the same file (HSQLDB's lock left by the dead one goes
 * stale) and sees everything committed before the kill.
 */
class SharedRepositoryRestartTest {

    @TempDir
    Path home;

    private JoinedDataSource dataSource;

    @AfterEach
    void leave() {
        if (dataSource != null) {
            dataSource.close();
        }
        SharedRepository.stop(home);
    }

    @Test
    void aServerKilledWithSigkillIsStartedAgainByTheNextConnectionOnTheSameFile() throws Exception {
        // given a joined datasource that committed a row
        AmibakeHome.prepare(home);
        dataSource = JoinedDataSource.join(() -> SharedRepository.join(home, Duration.ofSeconds(30)));
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE KEPT (ID INT)");
            statement.execute("INSERT INTO KEPT VALUES (5)");
        }
        long killed = serverPid();

        // when its server is killed with SIGKILL
        ProcessHandle server = ProcessHandle.of(killed).orElseThrow();
        server.destroyForcibly();
        server.onExit().get(1, TimeUnit.MINUTES);

        // then the next connection serves the same file from a new server
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT ID FROM KEPT")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).isEqualTo(5);
        }
        long restarted = serverPid();
        assertThat(restarted).isNotEqualTo(killed);
        assertThat(ProcessHandle.of(restarted).map(ProcessHandle::isAlive)).contains(true);
        assertThat(dataSource.shared().url()).as("the joined server, for the held connection").contains(
                ":" + serverPort() + "/");
    }

    private long serverPid() throws IOException {
        return Long.parseLong(record().getProperty("pid").strip());
    }

    private int serverPort() throws IOException {
        return Integer.parseInt(record().getProperty("port").strip());
    }

    private Properties record() throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(home.resolve("repository/server.port"))) {
            properties.load(in);
        }
        return properties;
    }
}
