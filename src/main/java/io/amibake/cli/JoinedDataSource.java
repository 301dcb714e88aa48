package io.amibake.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.amibake.bake.SharedRepository;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * The embedded repository's datasource while its server may still be starting: the home's
 * {@link SharedRepository} is joined on a thread of its own, in parallel with Spring's start, and
 * the first connection waits for it. Spring only needs a connection late in its start, so the
 * server's start (a JVM of its own, about a second) no longer comes before Spring's.
 */
final class JoinedDataSource extends DelegatingDataSource implements AutoCloseable {

    private static final int POOL_SIZE = 4;

    private final CompletableFuture<SharedRepository> joining;
    private final CompletableFuture<HikariDataSource> pool;

    JoinedDataSource(CompletableFuture<SharedRepository> joining) {
        this.joining = joining;
        this.pool = joining.thenApply(shared -> {
            HikariConfig config = new HikariConfig();
            config.setPoolName("amibake-repository");
            config.setJdbcUrl(shared.url());
            config.setUsername(shared.user());
            config.setPassword(shared.password());
            config.setMaximumPoolSize(POOL_SIZE);
            return new HikariDataSource(config);
        });
    }

    /** Joins the home's repository on a thread of its own. */
    static JoinedDataSource join(java.util.function.Supplier<SharedRepository> join) {
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
        return new JoinedDataSource(joining);
    }

    /** The joined repository, once joined; rethrows why joining failed (busy, damaged, unavailable). */
    SharedRepository shared() {
        try {
            return joining.get();
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
        try {
            return pool.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    @Override
    public void afterPropertiesSet() {
        // The target comes from the join, not from a property.
    }

    /** Closes the pool and lets the server end once idle; waits for a join still under way. */
    @Override
    public void close() {
        try {
            pool.join().close();
        } catch (CompletionException | java.util.concurrent.CancellationException notJoined) {
            // Nothing was opened.
        }
        try {
            shared().close();
        } catch (RuntimeException notJoined) {
            // Nothing to let go of.
        }
    }
}
