package io.amibake.cli;

import io.amibake.engine.store.AmibakeHome;
import io.amibake.engine.api.BakeLine;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.read.BakeLines;
import io.amibake.engine.store.HomeProblem;
import io.amibake.engine.run.RecipeLock;
import io.amibake.engine.store.RepositoryCheck;
import io.amibake.engine.store.SharedRepository;
import io.amibake.recipe.Durations;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * Opens the Spring context of the bake commands: the job repository (an HSQLDB file under the
 * home directory, served to every amibake process on the home by a {@link SharedRepository}
 * server, unless {@code SPRING_DATASOURCE_URL} names another database) and the runner.
 */
final class BakeContext implements AutoCloseable {

    /** How long the embedded repository's server outlives the last amibake process using it. */
    static final String IDLE_SETTING = "AMIBAKE_REPOSITORY_IDLE";
    private static final Duration DEFAULT_IDLE = Duration.ofSeconds(30);

    private final ConfigurableApplicationContext context;
    private final Path home;
    private final JoinedDataSource shared;

    private BakeContext(ConfigurableApplicationContext context, Path home, JoinedDataSource shared) {
        this.context = context;
        this.home = home;
        this.shared = shared;
    }

    static BakeContext open(Path home) {
        return open(home, Map.of());
    }

    /** @param more defaults of the caller's own, such as where a service's settings file is */
    static BakeContext open(Path home, Map<String, Object> more) {
        AmibakeHome.prepare(home);
        Map<String, Object> defaults = new HashMap<>(more);
        JoinedDataSource shared = null;
        if (embedded()) {
            Duration idle = idle();
            // Joined (the server started when none runs) while Spring starts; the datasource's
            // first connection waits for it, and open() returns only once it is joined.
            shared = JoinedDataSource.join(() -> SharedRepository.join(home, idle));
            defaults.put("amibake.embedded-repository", "true");
        } else {
            defaults.put("spring.datasource.username", "SA");
            defaults.put("spring.datasource.password", "");
        }
        defaults.put("spring.datasource.hikari.maximum-pool-size", "4");
        defaults.put("spring.batch.job.enabled", "false");
        defaults.put("spring.batch.jdbc.initialize-schema", "always");
        // Spring Batch creates job and step executions in SERIALIZABLE transactions by default. On
        // PostgreSQL the region partitions, created while terminateInstance commits in parallel,
        // then fail with "could not serialize access"; leases already keep two bakes of a recipe
        // apart, and bake ids are unique, so READ COMMITTED is enough.
        defaults.put("spring.batch.jdbc.isolation-level-for-create", "read-committed");
        defaults.put("spring.batch.jdbc.continue-on-error", "true");
        // The console gets amibake's own lines; the full story, stack traces included, goes to a file.
        defaults.put("logging.level.root", "WARN");
        defaults.put("logging.threshold.console", "OFF");
        defaults.put("logging.file.name", home.resolve("logs/amibake.log").toAbsolutePath().toString());
        defaults.put("logging.level.org.springframework.jdbc.datasource.init", "ERROR");
        JoinedDataSource dataSource = shared;
        SpringApplicationBuilder builder = new SpringApplicationBuilder(AmibakeConfiguration.class)
                .web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF)
                .logStartupInfo(false)
                .registerShutdownHook(false)
                .properties(defaults);
        // One home for the whole command: the one the repository was joined for. As a default it
        // would lose to AMIBAKE_HOME (relaxed binding) or -Damibake.home, and the command would
        // check one home's repository against another's record.
        String commandHome = home.toAbsolutePath().toString();
        builder.initializers(context -> context.getEnvironment().getPropertySources().addFirst(
                new MapPropertySource("amibake-command-home", Map.of("amibake.home", commandHome))));
        if (dataSource != null) {
            // Spring Boot's datasource backs off for it.
            builder.initializers(context -> context.getBeanFactory().registerSingleton("dataSource", dataSource));
        }
        ConfigurableApplicationContext context;
        try {
            context = builder.run();
        } catch (RuntimeException e) {
            if (shared != null) {
                joined(home, shared);
                shared.close();
            }
            throw RepositoryCheck.explain(home, e);
        }
        if (shared != null) {
            try {
                joined(home, shared);
            } catch (RuntimeException e) {
                context.close();
                throw e;
            }
        }
        return new BakeContext(context, home, shared);
    }

    /**
     * The bakes {@code status} lists, read with plain JDBC and no Spring context, whose start is
     * most of a command's second: the repository's server joined (started when none runs), the
     * repository checked as {@link RepositoryCheck} checks it, and the lines read. Empty when this
     * way cannot answer (no repository yet, one that fails its checks, a database that refuses)
     * and {@link #open} should, with its own errors.
     *
     * @throws HomeProblem when the home cannot be written, as {@link #open} does
     */
    static Optional<List<BakeLine>> lines(Path home, String recipe, int limit) {
        AmibakeHome.prepare(home);
        SharedRepository shared = null;
        try {
            boolean embedded = embedded();
            String url = setting("spring.datasource.url", "");
            boolean inHome = embedded || url.startsWith("jdbc:hsqldb:file:" + home.resolve("repository").toAbsolutePath());
            if (embedded) {
                shared = SharedRepository.join(home, idle());
                return read(shared.connection(), home, inHome, recipe, limit);
            }
            try (Connection connection = DriverManager.getConnection(url, setting("spring.datasource.username", "SA"),
                    setting("spring.datasource.password", ""))) {
                return read(connection, home, inHome, recipe, limit);
            }
        } catch (SQLException | IOException | HomeProblem | SharedRepository.Busy | SharedRepository.Unavailable e) {
            return Optional.empty();
        } finally {
            if (shared != null) {
                shared.close();
            }
            AmibakeHome.restrict(home);
        }
    }

    private static Optional<List<BakeLine>> read(Connection connection, Path home, boolean inHome, String recipe,
                                                 int limit) throws SQLException, IOException {
        if (RepositoryCheck.problem(connection, home, inHome) != null) {
            return Optional.empty();
        }
        return Optional.of(BakeLines.read(connection, recipe, limit));
    }

    /** A Spring setting as Spring reads it from where amibake takes it: a system property, else the environment. */
    private static String setting(String name, String otherwise) {
        String value = System.getProperty(name);
        if (value == null) {
            value = System.getenv(name.toUpperCase(Locale.ROOT).replace('.', '_'));
        }
        return value == null ? otherwise : value;
    }

    /**
     * Waits for the join, and throws why it failed, as the command reports it: busy (exit 3),
     * damaged or unavailable. Every command gets here before it sends any AWS request.
     */
    private static void joined(Path home, JoinedDataSource shared) {
        try {
            shared.shared();
        } catch (SharedRepository.Busy e) {
            shared.close();
            throw new RepositoryBusyException(home, RecipeLock.holders(home), e);
        } catch (RuntimeException e) {
            shared.close();
            throw e;
        }
    }

    /** The embedded file, unless the environment names another database. */
    private static boolean embedded() {
        return setting("spring.datasource.url", null) == null;
    }

    private static Duration idle() {
        String value = System.getenv(IDLE_SETTING);
        if (value == null || value.isBlank()) {
            return DEFAULT_IDLE;
        }
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new HomeProblem("setting " + IDLE_SETTING + " = '" + value + "' is not valid: expected a duration,"
                    + " e.g. 30s, 5m or PT30S", e);
        }
    }

    /** The engine's context: the parent of {@code serve}'s web context. */
    ConfigurableApplicationContext context() {
        return context;
    }

    BakeService launcher() {
        return context.getBean(BakeService.class);
    }

    <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        context.close();
        if (shared != null) {
            shared.close();
        }
        AmibakeHome.restrict(home);
    }
}
