package io.amibake.engine.store;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * amibake's own tables (leases, schedules, learned waits, command output) as Flyway migrations
 * ({@code db/migration}), applied when the engine's context has started, before any of them is
 * used, and after {@link RepositoryCheck} found the repository whole.
 * Spring Batch keeps its own tables. A repository made before migrations (its tables made by
 * {@code CREATE TABLE IF NOT EXISTS}, no history) is taken as version 0 and migrated from there.
 * Run by the engine itself rather than Spring Boot's Flyway auto-configuration: the engine's
 * context names the few auto-configurations it needs, and these settings are not the user's.
 */
@Component
public class Migrations implements SmartInitializingSingleton {

    /** Flyway's history table, named as amibake's tables are. */
    public static final String HISTORY = "AMIBAKE_SCHEMA_HISTORY";

    private final DataSource dataSource;
    private final RepositoryCheck check;

    public Migrations(DataSource dataSource, RepositoryCheck check) {
        this.dataSource = dataSource;
        this.check = check;
    }

    /** Once Spring Batch's tables are there, and the repository is known to be whole. */
    @Override
    public void afterSingletonsInstantiated() {
        check.verify();
        apply(dataSource);
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
