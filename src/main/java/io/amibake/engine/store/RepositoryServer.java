package io.amibake.engine.store;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.hsqldb.persist.LockFile;
import org.hsqldb.server.Server;
import org.hsqldb.server.ServerConstants;

/**
 * The process that serves a home's embedded job repository to every amibake process using that
 * home: the one HSQLDB file, opened here alone, and served on a port of 127.0.0.1 to clients that
 * know the home's secret. {@link SharedRepository} starts it on first use, detached from the
 * command that started it, and it ends by itself once no amibake process has been connected for
 * the idle period. Every commit is written through ({@code hsqldb.write_delay=false}), so neither
 * a client nor this process killed with SIGKILL loses a checkpoint.
 */
public final class RepositoryServer {

    /** The database's name on the server, and its files' base name in the repository folder. */
    static final String DATABASE = "amibake";
    /** Where the serving process records its port and pid once it listens. */
    static final String RECORD = "server.port";
    /** Taken to start a server, to join one, and by the server to decide it is idle. */
    static final String LOCK = "server.lock";
    /** The password of the database's only user: readable by the home's owner alone. */
    static final String SECRET = "server.secret";
    static final String USER = "SA";

    private static final long TICK_MILLIS = 1000;

    private RepositoryServer() {
    }

    /** What a server records for the processes that join it. */
    record Endpoint(int port, long pid) {

        String url() {
            return "jdbc:hsqldb:hsql://127.0.0.1:" + port + "/" + DATABASE;
        }

        static Optional<Endpoint> read(Path folder) {
            Properties properties = new Properties();
            try (Reader in = Files.newBufferedReader(folder.resolve(RECORD), StandardCharsets.UTF_8)) {
                properties.load(in);
                return Optional.of(new Endpoint(Integer.parseInt(properties.getProperty("port", "").strip()),
                        Long.parseLong(properties.getProperty("pid", "").strip())));
            } catch (IOException | RuntimeException missingOrGarbled) {
                return Optional.empty();
            }
        }

        void write(Path folder) throws IOException {
            Path temporary = folder.resolve(RECORD + ".new");
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                out.write("# the amibake repository server of this home; removed when it ends\n");
                out.write("port=" + port + "\npid=" + pid + "\n");
            }
            Files.move(temporary, folder.resolve(RECORD), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /**
     * Serves the home's repository until it has been idle for {@code idle}. Says on
     * {@code announce} how the start went, in one line that {@link SharedRepository} reads:
     * {@code ready PORT PID}, {@code busy MESSAGE} (another program holds the file),
     * {@code damaged MESSAGE} or {@code failed MESSAGE}; then closes it.
     *
     * @return the process's exit code: 0 after an idle end, 2 damaged, 3 busy, 1 otherwise
     */
    public static int serve(Path home, Duration idle, PrintStream announce) {
        Path folder;
        Connection local;
        try {
            folder = home.resolve("repository").toRealPath();
            local = open(folder);
        } catch (IOException | SQLException | RuntimeException e) {
            if (heldByAnotherProcess(e)) {
                return say(announce, "busy", "the file is held by another program", 3);
            }
            RuntimeException explained = RepositoryCheck.explain(home,
                    e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e));
            if (explained instanceof HomeProblem) {
                return say(announce, "damaged", explained.getMessage(), 2);
            }
            return say(announce, "failed", String.valueOf(e.getMessage()), 1);
        }
        Server server = new Server();
        server.setSilent(true);
        server.setTrace(false);
        server.setLogWriter(null);
        server.setNoSystemExit(true);
        server.setAddress("127.0.0.1");
        server.setPort(0);
        server.setDatabaseName(0, DATABASE);
        server.setDatabasePath(0, "file:" + folder.resolve(DATABASE));
        server.start();
        if (server.getState() != ServerConstants.SERVER_STATE_ONLINE) {
            closeQuietly(local, server);
            return say(announce, "failed", "cannot listen on 127.0.0.1: " + server.getServerError(), 1);
        }
        long pid = ProcessHandle.current().pid();
        try {
            new Endpoint(server.getLocalPort(), pid).write(folder);
        } catch (IOException e) {
            closeQuietly(local, server);
            return say(announce, "failed", "cannot write " + folder.resolve(RECORD) + ": " + e.getMessage(), 1);
        }
        AmibakeHome.restrict(home);
        say(announce, "ready", server.getLocalPort() + " " + pid, 0);
        new Watch(home, folder, local, server, idle).awaitEnd();
        return 0;
    }

    /**
     * Opens the file in this process, before the port is open, so the password is set before any
     * client can try: a new database is created with the secret as its password, and one made by an
     * earlier amibake (no password) gets it.
     */
    private static Connection open(Path folder) throws SQLException, IOException {
        String url = "jdbc:hsqldb:file:" + folder.resolve(DATABASE) + ";hsqldb.write_delay=false";
        String secret = SharedRepository.readSecret(folder);
        Connection local;
        try {
            local = DriverManager.getConnection(url, USER, secret);
        } catch (SQLException wrongPassword) {
            if (!wrongPassword.getSQLState().startsWith("28")) {
                throw wrongPassword;
            }
            try {
                local = DriverManager.getConnection(url, USER, "");
            } catch (SQLException stillWrong) {
                throw new IllegalStateException("its password is not the one in " + folder.resolve(SECRET)
                        + " (was that file replaced?)", stillWrong);
            }
            try (Statement statement = local.createStatement()) {
                statement.execute("ALTER USER " + USER + " SET PASSWORD '" + secret.replace("'", "''") + "'");
            }
        }
        try (Statement statement = local.createStatement()) {
            statement.execute("SET FILES WRITE DELAY FALSE");
        }
        return local;
    }

    private static int say(PrintStream announce, String what, String detail, int code) {
        announce.println(what + " " + detail.lines().findFirst().orElse(""));
        announce.flush();
        announce.close();
        return code;
    }

    private static boolean heldByAnotherProcess(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof LockFile.LockHeldExternallyException) {
                return true;
            }
        }
        return false;
    }

    private static void closeQuietly(Connection local, Server server) {
        try (Statement statement = local.createStatement()) {
            statement.execute("SHUTDOWN");
        } catch (SQLException alreadyClosed) {
            // Closed with the server.
        }
        server.stop();
    }

    /**
     * Looks every second at how many amibake processes are connected (each holds sessions for as
     * long as it runs; the kernel closes a killed one's sockets, which ends its sessions), and ends
     * the server once none has been for the idle period. The decision is taken under the lock that
     * joining processes take, so a process joins either before it (and is counted) or after (and
     * starts a new server once this one has closed the file).
     */
    private static final class Watch {

        private final Path home;
        private final Path folder;
        private final Connection local;
        private final Server server;
        private final long idleMillis;
        private final CountDownLatch ended = new CountDownLatch(1);
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private long quietSince = System.nanoTime();

        Watch(Path home, Path folder, Connection local, Server server, Duration idle) {
            this.home = home;
            this.folder = folder;
            this.local = local;
            this.server = server;
            this.idleMillis = idle.toMillis();
        }

        void awaitEnd() {
            Thread hook = new Thread(() -> end(true), "amibake-repository-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            timer.scheduleWithFixedDelay(this::look, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
            try {
                ended.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            timer.shutdownNow();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // SIGTERM: the hook has ended the server already.
            }
        }

        private void look() {
            if (!Files.isDirectory(folder)) {
                // The home was deleted (a test's temporary home, say): there is nothing left to
                // save, and writing would put files back into a folder being removed.
                Runtime.getRuntime().halt(0);
            }
            try {
                if (otherSessions() > 0) {
                    quietSince = System.nanoTime();
                } else if (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - quietSince) >= idleMillis) {
                    end(false);
                }
            } catch (SQLException | RuntimeException closedFromOutside) {
                closeQuietly(local, server);
                ended.countDown();
            }
        }

        /** Ends the server, unless a process joined meanwhile and {@code evenIfJoined} is false (SIGTERM). */
        private synchronized void end(boolean evenIfJoined) {
            if (ended.getCount() == 0) {
                return;
            }
            try (FileChannel channel = FileChannel.open(folder.resolve(LOCK), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock ignored = channel.lock()) {
                if (!evenIfJoined && otherSessions() > 0) {
                    quietSince = System.nanoTime();
                    return;
                }
                Optional<Endpoint> recorded = Endpoint.read(folder);
                if (recorded.isPresent() && recorded.get().pid() == ProcessHandle.current().pid()) {
                    Files.deleteIfExists(folder.resolve(RECORD));
                }
                closeQuietly(local, server);
                AmibakeHome.restrict(home);
            } catch (IOException | SQLException e) {
                closeQuietly(local, server);
            }
            ended.countDown();
        }

        private int otherSessions() throws SQLException {
            try (Statement statement = local.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SYSTEM_SESSIONS")) {
                rows.next();
                return rows.getInt(1) - 1;
            }
        }
    }
}
