package io.amibake.web;

import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.Target;
import io.amibake.metrics.BakeMetrics;
import io.amibake.schedule.RecipeFiles;
import io.amibake.schedule.ScheduleEvents;
import io.amibake.schedule.ScheduleStore;
import io.amibake.schedule.Scheduler;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * The web side of {@code amibake serve}, started as a child of the engine's context: the console,
 * health and metrics on Spring Boot's own server. Binds to 127.0.0.1:8080 unless
 * {@code server.address} and {@code server.port} say otherwise.
 */
public final class Serve implements AutoCloseable {

    /** Where a service's settings live, besides the environment: {@code /etc/amibake/serve.properties} or {@code .yaml}. */
    public static final String SETTINGS = "optional:file:/etc/amibake/serve.properties,optional:file:/etc/amibake/serve.yaml";

    private final ConfigurableApplicationContext context;

    private Serve(ConfigurableApplicationContext context) {
        this.context = context;
    }

    /**
     * @param engine     the engine's context: its {@link BakeService} is the console's only way to bakes
     * @param properties what the command line says ({@code server.port}, {@code amibake.serve.public-url}...);
     *                   the environment and the settings file win over the defaults, the command line over all
     */
    public static Serve start(ConfigurableApplicationContext engine, Map<String, Object> properties) {
        Environment parent = engine.getEnvironment();
        Map<String, Object> defaults = new HashMap<>();
        defaults.put("spring.config.additional-location", SETTINGS);
        defaults.put("server.address", "127.0.0.1");
        defaults.put("server.port", "8080");
        // A client that sends nothing, or reads nothing, is dropped after this; other clients never wait for it.
        defaults.put("server.tomcat.connection-timeout", "10s");
        defaults.put("server.shutdown", "graceful");
        defaults.put("spring.lifecycle.timeout-per-shutdown-phase", "10s");
        defaults.put("server.servlet.session.cookie.name", "AMIBAKE_SESSION");
        defaults.put("server.servlet.session.cookie.same-site", "strict");
        defaults.put("server.servlet.session.cookie.http-only", "true");
        defaults.put("server.servlet.session.cookie.secure", "${amibake.serve.secure-cookie:false}");
        defaults.put("server.servlet.session.timeout", "12h");
        defaults.put("server.error.include-message", "always");
        defaults.put("management.endpoints.web.exposure.include", "health,prometheus");
        defaults.put("management.endpoint.health.probes.enabled", "true");
        defaults.put("management.endpoint.health.show-components", "always");
        defaults.put("management.endpoint.health.group.readiness.include", "readinessState,repository");
        defaults.put("management.endpoint.health.group.liveness.include", "livenessState,scheduler");
        defaults.put("spring.batch.job.enabled", "false");
        defaults.put("spring.jmx.enabled", "false");
        for (String key : new String[] {"amibake.home", "amibake.host", "logging.level.root", "logging.threshold.console",
                "logging.file.name"}) {
            if (parent.getProperty(key) != null) {
                defaults.put(key, parent.getProperty(key));
            }
        }
        defaults.putIfAbsent("amibake.host", hostName());
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        try {
            return new Serve(new SpringApplicationBuilder(ServeConfiguration.class)
                    .parent(engine)
                    .web(WebApplicationType.SERVLET)
                    .bannerMode(Banner.Mode.OFF)
                    .logStartupInfo(false)
                    .registerShutdownHook(false)
                    .properties(defaults)
                    .run(args));
        } catch (RuntimeException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof PortInUseException taken) {
                    // The operator's next step is another port, not a stack trace.
                    throw new IllegalStateException("port " + taken.getPort() + " is in use by another process;"
                            + " stop it or choose another port with --port");
                }
            }
            throw e;
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    /** What the scheduler tells the metrics. */
    public ScheduleEvents events() {
        return context.getBean(BakeMetrics.class);
    }

    public ServeSettings settings() {
        return context.getBean(ServeSettings.class);
    }

    /** Shows and drives this scheduler from now on. */
    public void attach(Scheduler scheduler, ScheduleStore store, Target target) {
        context.getBean(Fleet.class).attach(scheduler, store, target);
        ServeConfiguration.seed(context.getBean(BakeMetrics.class), context.getBean(BakeService.class),
                scheduler.recipes().stream().map(RecipeFiles.Version::name).toList());
    }

    /** The port the server listens on. */
    public int port() {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    /** Where it listens, as a URL a person on this host can open. */
    public String address() {
        String host = context.getEnvironment().getProperty("server.address", "127.0.0.1");
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/";
    }

    @Override
    public void close() {
        context.close();
    }
}
