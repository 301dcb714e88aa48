package io.amibake.engine.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded repository's server, as separate processes meet it: started once for many joiners,
 * ended when idle, replaced when its record is stale, never joined from a copied home, refused
 * when another program holds the file, and readable by the home's owner alone.
 */
class SharedRepositoryTest {

    private static final Duration IDLE = Duration.ofSeconds(30);

    @TempDir
    Path home;

    private final List<SharedRepository> joined = new ArrayList<>();

    @AfterEach
    void leave() {
        joined.forEach(SharedRepository::close);
        SharedRepository.stop(home);
    }

    private SharedRepository join(Path home, Duration idle) {
        AmibakeHome.prepare(home);
        SharedRepository repository = SharedRepository.join(home, idle);
        joined.add(repository);
        return repository;
    }

    private static Optional<RepositoryServer.Endpoint> recorded(Path home) {
        return RepositoryServer.Endpoint.read(home.resolve("repository"));
    }

    @Test
    void joinsStartedAtOnceShareOneServerAndSeeEachOthersWrites() throws Exception {
        // when three joins race
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<SharedRepository>> racing = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            racing.add(pool.submit((Callable<SharedRepository>) () -> join(home, IDLE)));
        }
        List<String> urls = new ArrayList<>();
        for (Future<SharedRepository> each : racing) {
            urls.add(each.get(2, TimeUnit.MINUTES).url());
        }
        pool.shutdown();

        // then one server serves them all
        assertThat(urls).containsOnly(urls.get(0));
        SharedRepository one = joined.get(0);
        try (Connection writer = DriverManager.getConnection(one.url(), one.user(), one.password());
             Statement statement = writer.createStatement()) {
            statement.execute("CREATE TABLE SEEN (ID INT)");
            statement.execute("INSERT INTO SEEN VALUES (7)");
        }
        SharedRepository other = join(home, IDLE);
        try (Connection reader = DriverManager.getConnection(other.url(), other.user(), other.password());
             Statement statement = reader.createStatement();
             var rows = statement.executeQuery("SELECT ID FROM SEEN")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).isEqualTo(7);
        }
    }

    @Test
    void theServerEndsOnceIdleAndTheNextJoinStartsAnother() throws Exception {
        // given a server whose last client left
        SharedRepository first = join(home, Duration.ofSeconds(1));
        long firstPid = recorded(home).orElseThrow().pid();
        first.close();

        // when it has been idle
        awaitGone(home);

        // then its process ends with the file closed, and the next join starts a new server
        Optional<ProcessHandle> process = ProcessHandle.of(firstPid);
        if (process.isPresent()) {
            process.get().onExit().get(1, TimeUnit.MINUTES);
        }
        assertThat(home.resolve("repository/amibake.lck")).doesNotExist();
        join(home, IDLE);
        assertThat(recorded(home).orElseThrow().pid()).isNotEqualTo(firstPid);
    }

    @Test
    void aServerIsNotIdleWhileAClientStaysJoined() {
        // given a server with a client that stays
        join(home, Duration.ofSeconds(1));
        long pid = recorded(home).orElseThrow().pid();

        // when a server of the same idle period, started after it and left by its client, has ended as idle
        Path other = home.resolve("other");
        AmibakeHome.prepare(other);
        SharedRepository.join(other, Duration.ofSeconds(1)).close();
        awaitGone(other);

        // then the first still serves
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isTrue();
        assertThat(recorded(home)).isPresent();
    }

    @Test
    void aRecordWhoseServerIsGoneIsReplaced() throws Exception {
        // given a record left by a server killed with SIGKILL
        AmibakeHome.prepare(home);
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        new RepositoryServer.Endpoint(1, dead.pid()).write(home.resolve("repository"));

        // when
        SharedRepository repository = join(home, IDLE);

        // then
        assertThat(recorded(home).orElseThrow().pid()).isNotEqualTo(dead.pid());
        assertThat(repository.url()).doesNotContain(":1/");
    }

    @Test
    void aCopiedHomeStartsItsOwnServerRatherThanJoiningTheOriginalsOne() throws Exception {
        // given a home whose server runs, and a copy of its record and secret in another home
        SharedRepository original = join(home, IDLE);
        Path copy = home.resolve("copy");
        AmibakeHome.prepare(copy);
        for (String file : List.of(RepositoryServer.RECORD, RepositoryServer.SECRET)) {
            Files.copy(home.resolve("repository").resolve(file), copy.resolve("repository").resolve(file),
                    StandardCopyOption.REPLACE_EXISTING);
        }

        // when
        SharedRepository copied = join(copy, IDLE);

        // then
        try {
            assertThat(copied.url()).isNotEqualTo(original.url());
        } finally {
            copied.close();
            joined.remove(copied);
            SharedRepository.stop(copy);
        }
    }

    @Test
    void aFileHeldByAProgramThatOpenedItItselfIsBusy() throws SQLException {
        // given an amibake from before the file was served, holding it open
        AmibakeHome.prepare(home);
        try (Connection direct = DriverManager.getConnection("jdbc:hsqldb:file:"
                + home.resolve("repository/amibake").toAbsolutePath(), "SA", "")) {

            // then
            assertThatThrownBy(() -> SharedRepository.join(home, IDLE)).isInstanceOf(SharedRepository.Busy.class);
            try (Statement statement = direct.createStatement()) {
                statement.execute("SHUTDOWN");
            }
        }
    }

    @Test
    void aRepositoryMadeWithoutAPasswordGetsTheHomesSecret() throws SQLException {
        // given a repository an earlier amibake made (user SA, no password), closed
        AmibakeHome.prepare(home);
        String file = "jdbc:hsqldb:file:" + home.resolve("repository/amibake").toAbsolutePath();
        try (Connection earlier = DriverManager.getConnection(file, "SA", "");
             Statement statement = earlier.createStatement()) {
            statement.execute("CREATE TABLE KEPT (ID INT)");
            statement.execute("INSERT INTO KEPT VALUES (3)");
            statement.execute("SHUTDOWN");
        }

        // when
        SharedRepository repository = join(home, IDLE);

        // then its data is served, and no longer without the secret
        try (Connection connection = DriverManager.getConnection(repository.url(), repository.user(),
                repository.password()); Statement statement = connection.createStatement();
             var rows = statement.executeQuery("SELECT ID FROM KEPT")) {
            assertThat(rows.next()).isTrue();
        }
        assertThatThrownBy(() -> DriverManager.getConnection(repository.url(), "SA", ""))
                .isInstanceOf(SQLException.class);
    }

    @Test
    void theSecretAndTheRecordAreTheOwnersAlone() throws Exception {
        // when
        join(home, IDLE);

        // then
        for (String file : List.of(RepositoryServer.RECORD, RepositoryServer.SECRET)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    home.resolve("repository").resolve(file)))).as(file).isEqualTo("rw-------");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home))).isEqualTo("rwx------");
    }

    private static void awaitGone(Path home) {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (recorded(home).isPresent()) {
            assertThat(System.nanoTime()).as("the idle server is still recorded").isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }
}
