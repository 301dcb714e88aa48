package io.amibake.cli;

import io.amibake.bake.AmibakeHome;
import io.amibake.bake.BakeConfiguration;
import io.amibake.bake.BakeLauncher;
import io.amibake.bake.RecipeLock;
import io.amibake.bake.RepositoryCheck;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.hsqldb.persist.LockFile;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Opens the Spring context of the bake commands: the job repository (an HSQLDB file under the
 * home directory unless {@code SPRING_DATASOURCE_URL} names another database) and the runner.
 */
final class BakeContext implements AutoCloseable {

    private final ConfigurableApplicationContext context;
    private final Path home;

    private BakeContext(ConfigurableApplicationContext context, Path home) {
        this.context = context;
        this.home = home;
    }

    static BakeContext open(Path home) {
        AmibakeHome.prepare(home);
        Map<String, Object> defaults = new HashMap<>();
        // write_delay=false: every commit reaches the file at once, so a kill -9 loses no checkpoint.
        defaults.put("spring.datasource.url", "jdbc:hsqldb:file:" + home.resolve("repository/amibake").toAbsolutePath()
                + ";hsqldb.write_delay=false;shutdown=true");
        defaults.put("spring.datasource.username", "SA");
        defaults.put("spring.datasource.password", "");
        defaults.put("spring.datasource.hikari.maximum-pool-size", "4");
        defaults.put("spring.batch.job.enabled", "false");
        defaults.put("spring.batch.jdbc.initialize-schema", "always");
        // Spring Batch creates job and step executions in SERIALIZABLE transactions by default. On
        // PostgreSQL the region partitions, created while terminateInstance commits in parallel,
        // then fail with "could not serialize access"; leases already keep two bakes of a recipe
        // apart, and bake ids are unique, so READ COMMITTED is enough.
        defaults.put("spring.batch.jdbc.isolation-level-for-create", "read-committed");
        defaults.put("spring.batch.jdbc.continue-on-error", "true");
        defaults.put("amibake.home", home.toAbsolutePath().toString());
        // The console gets amibake's own lines; the full story, stack traces included, goes to a file.
        defaults.put("logging.level.root", "WARN");
        defaults.put("logging.threshold.console", "OFF");
        defaults.put("logging.file.name", home.resolve("logs/amibake.log").toAbsolutePath().toString());
        defaults.put("logging.level.org.springframework.jdbc.datasource.init", "ERROR");
        try {
            return new BakeContext(new SpringApplicationBuilder(BakeConfiguration.class)
                    .web(WebApplicationType.NONE)
                    .bannerMode(Banner.Mode.OFF)
                    .logStartupInfo(false)
                    .registerShutdownHook(false)
                    .properties(defaults)
                    .run(), home);
        } catch (RuntimeException e) {
            if (heldByAnotherProcess(e)) {
                throw new RepositoryBusyException(home, RecipeLock.holders(home), e);
            }
            throw RepositoryCheck.explain(home, e);
        }
    }

    private static boolean heldByAnotherProcess(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof LockFile.LockHeldExternallyException) {
                return true;
            }
        }
        return false;
    }

    BakeLauncher launcher() {
        return context.getBean(BakeLauncher.class);
    }

    <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        context.close();
        AmibakeHome.restrict(home);
    }
}
