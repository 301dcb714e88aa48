package io.amibake.engine.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A home's embedded job repository, shared by every amibake process that uses the home: the
 * first one starts a {@link RepositoryServer} process for it, detached, and later ones join that
 * server. Joining holds one connection open for as long as the joiner runs, which keeps the server
 * from ending as idle under it; a joiner whose server died joins again, which starts a new one.
 * Starting and joining happen under a file lock in the repository folder, so two processes
 * starting at once start one server; a record whose server is gone (a kill -9, a reboot, a home
 * copied elsewhere) is replaced by a new server.
 */
public final class SharedRepository implements AutoCloseable {

    /** The server's start, including HSQLDB's wait for a killed server's lock to go stale. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final String CHILD = "repository-server";
    private static final String ARCHIVE = "-XX:SharedArchiveFile=";
    /** The server's class data sharing archive, next to the command's (run.sh makes both). */
    private static final String SERVER_ARCHIVE = "repository-server.jsa";

    private final Connection held;
    private final String url;
    private final String password;
    private final long pid;

    private SharedRepository(Connection held, String url, String password, long pid) {
        this.held = held;
        this.url = url;
        this.password = password;
        this.pid = pid;
    }

    /**
     * Whether the joined server's process still runs: a look at the process table, cheap enough for
     * every connection taken from a pool, that sees a kill -9 before a socket to it is written to.
     */
    public boolean serverAlive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * The connection joining holds, for a short command's own queries (each new connection to the
     * server costs about 0.1 s); closed by {@link #close()}.
     */
    public Connection connection() {
        return held;
    }

    /** The JDBC URL of the shared repository. */
    public String url() {
        return url;
    }

    public String user() {
        return RepositoryServer.USER;
    }

    public String password() {
        return password;
    }

    /**
     * Joins the home's repository server, starting one when none serves the home.
     *
     * @param idle how long the server, if this call starts one, outlives its last client
     * @throws Busy        when another program holds the repository file
     * @throws HomeProblem when the repository is damaged
     * @throws Unavailable when no server could be started or reached
     */
    public static SharedRepository join(Path home, Duration idle) {
        Path folder = home.resolve("repository");
        synchronized (SharedRepository.class) {
            try (FileChannel channel = FileChannel.open(folder.resolve(RepositoryServer.LOCK),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock ignored = channel.lock()) {
                String secret = secret(folder);
                Path database = folder.toRealPath().resolve(RepositoryServer.DATABASE);
                Optional<SharedRepository> running = RepositoryServer.Endpoint.read(folder)
                        .flatMap(endpoint -> connect(endpoint, secret, database));
                if (running.isPresent()) {
                    return running.get();
                }
                Files.deleteIfExists(folder.resolve(RepositoryServer.RECORD));
                RepositoryServer.Endpoint started = start(home, idle);
                return connect(started, secret, database).orElseThrow(() -> new Unavailable(
                        "the job repository server started for " + folder + " (pid " + started.pid()
                                + ") does not answer on port " + started.port()));
            } catch (IOException e) {
                throw new Unavailable("cannot open the job repository in " + folder + ": " + e.getMessage());
            }
        }
    }

    /**
     * Ends the home's repository server now, if one runs, as SIGTERM does: the file is closed whole
     * (everything in its script, nothing in its log), as a home at rest is, e.g. to be copied.
     * Processes still connected start a new server at their next connection.
     */
    public static void stop(Path home) {
        Path folder = home.resolve("repository");
        try {
            Path database = folder.toRealPath().resolve(RepositoryServer.DATABASE);
            Optional<RepositoryServer.Endpoint> endpoint = RepositoryServer.Endpoint.read(folder);
            // Only a process that answers as this home's server: the pid may have been reused.
            if (endpoint.isEmpty() || connect(endpoint.get(), readSecret(folder), database).map(joined -> {
                joined.close();
                return false;
            }).orElse(true)) {
                return;
            }
            Optional<ProcessHandle> server = ProcessHandle.of(endpoint.get().pid());
            if (server.isPresent()) {
                server.get().destroy();
                server.get().onExit().get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (IOException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot stop the repository server of " + home + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Connects to a recorded server if it is alive and serves this very file (not a copied home's). */
    private static Optional<SharedRepository> connect(RepositoryServer.Endpoint endpoint, String secret,
                                                      Path database) {
        if (!ProcessHandle.of(endpoint.pid()).map(ProcessHandle::isAlive).orElse(false)) {
            return Optional.empty();
        }
        Connection connection = null;
        try {
            connection = DriverManager.getConnection(endpoint.url(), RepositoryServer.USER, secret);
            try (Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("VALUES DATABASE()")) {
                if (rows.next() && database.toString().equals(rows.getString(1))) {
                    return Optional.of(new SharedRepository(connection, endpoint.url(), secret, endpoint.pid()));
                }
            }
        } catch (SQLException goneOrSomeoneElse) {
            // Refused, another home's secret, or another program on a reused port: not ours.
        }
        closeQuietly(connection);
        return Optional.empty();
    }

    /** Starts the server process, detached, and reads its one line about how the start went. */
    private static RepositoryServer.Endpoint start(Path home, Duration idle) throws IOException {
        Path log = home.resolve("logs").resolve("repository-server.log");
        if (!Files.exists(log)) {
            Files.createFile(log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Process process = new ProcessBuilder(command(home, idle))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        process.getOutputStream().close();
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String said;
        try {
            said = line.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            process.destroyForcibly();
            throw new Unavailable("the job repository server did not start within " + START_TIMEOUT.toSeconds()
                    + " s (see " + log + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new Unavailable("interrupted while the job repository server started");
        } catch (ExecutionException e) {
            said = null;
        }
        if (said == null) {
            throw new Unavailable("the job repository server ended as it started (see " + log + ")");
        }
        String[] words = said.split(" ", 2);
        String detail = words.length > 1 ? words[1] : "";
        return switch (words[0]) {
            case "ready" -> {
                String[] portAndPid = detail.split(" ");
                yield new RepositoryServer.Endpoint(Integer.parseInt(portAndPid[0]), Long.parseLong(portAndPid[1]));
            }
            case "busy" -> throw new Busy(detail);
            case "damaged" -> throw new HomeProblem(detail, null);
            default -> throw new Unavailable("the job repository server could not start: " + detail
                    + " (see " + log + ")");
        };
    }

    /**
     * The program itself, run again as the server: the same Java and class path, as a packaged
     * jar or a class path, in a session of its own (setsid) so that Ctrl-C in the terminal of the
     * command that started it does not reach it.
     */
    private static List<String> command(Path home, Duration idle) {
        List<String> command = new ArrayList<>();
        for (String setsid : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(setsid))) {
                command.add(setsid);
                break;
            }
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The JVM's own warnings (a class data sharing archive it cannot map, say) go to the log:
        // the first line on stdout is the server's answer.
        // Out of memory, the server ends rather than serving on half-broken: its clients then start a
        // new one on the same file, as after a kill -9.
        // A heap that starts small and gives back what it freed: the server is mostly idle
        // (MemoryBenchmark: 133 MB resident with the JVM's default initial heap). A young generation
        // of a fifth of the heap, not a third, and one compiler thread: 75 MB became 71 MB (docs/bake.md).
        command.addAll(List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-XX:+UseSerialGC",
                "-Xmx256m", "-Xms8m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:NewRatio=4",
                "-XX:+ExitOnOutOfMemoryError", "-Xlog:disable", "-Xlog:all=warning:stderr"));
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith(ARCHIVE)) {
                command.add(ARCHIVE + serverArchive(Path.of(argument.substring(ARCHIVE.length()))));
            }
        }
        String classPath = System.getProperty("java.class.path");
        if (SharedRepository.class.getClassLoader().getClass().getName().startsWith("org.springframework.boot.loader")) {
            command.addAll(List.of("-jar", classPath));
        } else {
            command.addAll(List.of("-cp", classPath, "io.amibake.AmibakeApplication"));
        }
        command.addAll(List.of(CHILD, "--home", home.toAbsolutePath().toString(),
                "--idle", idle.toString()));
        return command;
    }

    /**
     * The archive of the classes a server loads (HSQLDB's engine, which a bake never loads), that
     * run.sh records next to the command's own when it prepares class data sharing; else the
     * command's.
     */
    private static Path serverArchive(Path commandArchive) {
        Path own = commandArchive.resolveSibling(SERVER_ARCHIVE);
        return Files.isReadable(own) ? own : commandArchive;
    }

    /** The home's database password, made once, readable by its owner only. */
    private static String secret(Path folder) throws IOException {
        Path file = folder.resolve(RepositoryServer.SECRET);
        if (!Files.exists(file)) {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            Path temporary = folder.resolve(RepositoryServer.SECRET + ".new");
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temporary, HexFormat.of().formatHex(random) + "\n");
            Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return readSecret(folder);
    }

    static String readSecret(Path folder) throws IOException {
        return Files.readString(folder.resolve(RepositoryServer.SECRET), StandardCharsets.UTF_8).strip();
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Nothing to keep.
            }
        }
    }

    /** Lets the server end once idle: the caller's own connections are closed already. */
    @Override
    public void close() {
        closeQuietly(held);
    }

    /** No server could be started or reached: one line that says why, and where its log is. */
    public static final class Unavailable extends RuntimeException {

        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }

    /** Another program (an amibake that opens the file itself, or one on another host) holds the file. */
    public static final class Busy extends RuntimeException {

        private static final long serialVersionUID = 1L;

        Busy(String message) {
            super(message);
        }
    }
}
