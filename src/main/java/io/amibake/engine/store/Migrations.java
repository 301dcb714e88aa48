package io.amibake.engine.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * amibake's own tables (leases, schedules, learned waits, command output) as Flyway migrations
 * ({@code db/migration}), applied when the engine's context has started, before any of them is
 * used, and after {@link RepositoryCheck} found the repository whole.
 * Spring Batch keeps its own tables. A repository made before migrations (its tables made by
 * {@code CREATE TABLE IF NOT EXISTS}, no history) is taken as version 0 and migrated from there.
 * Run by the engine itself rather than Spring Boot's Flyway auto-configuration: the engine's
 * context names the few auto-configurations it needs, and these settings are not the user's.
 *
 * <p>The processes that share a home's embedded repository migrate it one at a time, under a
 * file lock beside it: Flyway migrates under a lock on its history table, but HSQLDB commits at
 * every DDL statement, which ends that lock. Two processes starting on a new home at once would
 * then both run a migration, and the second's failure (its table already made) would be
 * recorded as a failed migration, which refuses the repository to every later command.
 */
@Component
public class Migrations implements SmartInitializingSingleton {

    /** Flyway's history table, named as amibake's tables are. */
    public static final String HISTORY = "AMIBAKE_SCHEMA_HISTORY";
    /** The lock the processes sharing a home's embedded repository migrate it under, in its folder. */
    static final String LOCK = "migrations.lock";

    private final DataSource dataSource;
    private final RepositoryCheck check;
    /** The embedded repository's folder, when processes share it; null for any other database. */
    private final Path shared;

    public Migrations(DataSource dataSource, RepositoryCheck check, BakeSettings settings, Environment environment) {
        this.dataSource = dataSource;
        this.check = check;
        this.shared = environment.getProperty("amibake.embedded-repository", Boolean.class, false)
                ? settings.home().resolve("repository") : null;
    }

    /** Once Spring Batch's tables are there, and the repository is known to be whole. */
    @Override
    public void afterSingletonsInstantiated() {
        check.verify();
        if (shared == null) {
            apply(dataSource);
        } else {
            applyExclusively(dataSource, shared);
        }
    }

    /** Applies the migrations while no other process that locks {@code folder} does. */
    static void applyExclusively(DataSource dataSource, Path folder) {
        // A file lock is held by the process: threads of one process take turns first.
        synchronized (Migrations.class) {
            try (FileChannel channel = FileChannel.open(folder.resolve(LOCK), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock ignored = channel.lock()) {
                apply(dataSource);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot lock the job repository in " + folder + " to migrate it", e);
            }
        }
    }

    /** Brings the database's amibake tables to the newest version. */
    public static void apply(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .table(HISTORY)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }
}
