package io.amibake.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.amibake.engine.store.SharedRepository;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.AbstractDataSource;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * The embedded repository's datasource while its server may still be starting: the home's
 * {@link SharedRepository} is joined on a thread of its own, in parallel with Spring's start, and
 * the first connection waits for it. Spring only needs a connection late in its start, so the
 * server's start (a JVM of its own, about a second) no longer comes before Spring's.
 *
 * <p>The pool connects through {@link CurrentServer}: when the server it joined is gone (killed
 * with -9, ended by an out-of-memory error), the next new connection joins the home again, which
 * starts a new server on the same file (or joins the one another process started meanwhile), and
 * the pool's connections to the old server are let go.
 */
final class JoinedDataSource extends DelegatingDataSource implements AutoCloseable {

    private static final int POOL_SIZE = 4;

    private final CompletableFuture<SharedRepository> joining;
    private final CompletableFuture<CurrentServer> current;
    /** Made on the first connection, by Spring's thread: made by the join's, Hikari's INFO lines
     *  could reach stdout before Spring has set up logging, in front of {@code status --json}. */
    private HikariDataSource pool;
    private boolean closed;

    JoinedDataSource(CompletableFuture<SharedRepository> joining, Supplier<SharedRepository> rejoin) {
        this.joining = joining;
        this.current = joining.thenApply(shared -> new CurrentServer(shared, rejoin));
    }

    private synchronized HikariDataSource pool() {
        if (pool == null) {
            if (closed) {
                throw new IllegalStateException("the job repository's datasource is closed");
            }
            CurrentServer server = current.join();
            HikariConfig config = new HikariConfig();
            config.setPoolName("amibake-repository");
            config.setDataSource(server);
            config.setMaximumPoolSize(POOL_SIZE);
            HikariDataSource hikari = new HikariDataSource(config);
            server.onRejoin(() -> hikari.getHikariPoolMXBean().softEvictConnections());
            pool = hikari;
        }
        return pool;
    }

    /** Joins the home's repository on a thread of its own; {@code join} is called again when its server is gone. */
    static JoinedDataSource join(Supplier<SharedRepository> join) {
        CompletableFuture<SharedRepository> joining = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                joining.complete(join.get());
            } catch (Throwable e) {
                joining.completeExceptionally(e);
            }
        }, "amibake-repository-join");
        thread.setDaemon(true);
        thread.start();
        return new JoinedDataSource(joining, join);
    }

    /** The joined repository, once joined; rethrows why joining failed (busy, damaged, unavailable). */
    SharedRepository shared() {
        try {
            joining.get();
            return current.join().joined();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while joining the job repository", e);
        }
    }

    @Override
    public DataSource getTargetDataSource() {
        return obtainTargetDataSource();
    }

    @Override
    protected DataSource obtainTargetDataSource() {
        shared();
        return pool();
    }

    /**
     * A connection from the pool; when the joined server's process has died, the pool's
     * connections to it are let go first, since one used in the last half second would be handed
     * out unchecked (Hikari's alive bypass window) and fail on its first statement.
     */
    @Override
    public Connection getConnection() throws SQLException {
        HikariDataSource hikari = (HikariDataSource) obtainTargetDataSource();
        if (!current.join().joined().serverAlive()) {
            hikari.getHikariPoolMXBean().softEvictConnections();
        }
        return hikari.getConnection();
    }

    @Override
    public void afterPropertiesSet() {
        // The target comes from the join, not from a property.
    }

    /** Closes the pool and lets the server end once idle; waits for a join still under way. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (pool != null) {
                pool.close();
            }
        }
        try {
            shared().close();
        } catch (RuntimeException notJoined) {
            // Nothing to let go of.
        }
    }

    /**
     * Connects to the server that serves the home now. A connection refused or broken by the
     * server joined last means it is gone: the home is joined again (under the file lock that
     * guards every start and join, so processes that notice at once start one server between
     * them), after HSQLDB has seen the dead server's lock on the file go stale.
     */
    static final class CurrentServer extends AbstractDataSource {

        /** HSQLDB's SQL states for a connection that could not be made or was lost. */
        private static final String CONNECTION_EXCEPTION = "08";

        private final Supplier<SharedRepository> rejoin;
        private volatile SharedRepository joined;
        private volatile Runnable onRejoin = () -> { };

        CurrentServer(SharedRepository joined, Supplier<SharedRepository> rejoin) {
            this.joined = joined;
            this.rejoin = rejoin;
        }

        SharedRepository joined() {
            return joined;
        }

        void onRejoin(Runnable action) {
            this.onRejoin = action;
        }

        @Override
        public Connection getConnection() throws SQLException {
            SharedRepository seen = joined;
            if (!seen.serverAlive()) {
                return connect(rejoin(seen));
            }
            try {
                return connect(seen);
            } catch (SQLException e) {
                if (e.getSQLState() == null || !e.getSQLState().startsWith(CONNECTION_EXCEPTION)) {
                    throw e;
                }
            }
            return connect(rejoin(seen));
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public void setLoginTimeout(int seconds) {
            // A server on the loopback answers or refuses at once; its start has a timeout of its own.
        }

        private static Connection connect(SharedRepository server) throws SQLException {
            return DriverManager.getConnection(server.url(), server.user(), server.password());
        }

        /** Joins again unless another thread did since {@code lost} was seen. */
        private synchronized SharedRepository rejoin(SharedRepository lost) throws SQLException {
            if (joined != lost) {
                return joined;
            }
            SharedRepository next;
            try {
                next = rejoin.get();
            } catch (RuntimeException e) {
                throw new SQLTransientConnectionException("the job repository server went away and could not be"
                        + " started again: " + e.getMessage(), "08001", e);
            }
            joined = next;
            lost.close();
            onRejoin.run();
            return next;
        }
    }
}
