package io.amibake.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.amibake.cloud.RequestCounter;
import io.amibake.engine.api.BakeService;
import io.amibake.schedule.ScheduleEvents;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * Health and Prometheus metrics of a long-running {@code amibake schedule} over HTTP, on the
 * JDK's own server: {@code GET /actuator/health} answers in Spring Boot Actuator's shape
 * ({@code {"status":"UP","components":{...}}}, 503 when a component is DOWN) and
 * {@code GET /actuator/prometheus} in Prometheus' text format. Nothing starts unless
 * {@link #start} is called, so the other commands never pay for Micrometer.
 */
public final class MetricsServer implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final PrometheusMeterRegistry registry;
    private final BakeMetrics metrics;
    private final HttpServer server;
    private final ExecutorService threads;
    private final Map<String, BooleanSupplier> health = new LinkedHashMap<>();

    private MetricsServer(PrometheusMeterRegistry registry, BakeMetrics metrics, HttpServer server,
                          ExecutorService threads) {
        this.registry = registry;
        this.metrics = metrics;
        this.server = server;
        this.threads = threads;
    }

    /**
     * Serves health and metrics on {@code port} (0: any free port) of every interface, and counts
     * every AWS request this process sends from now on. The health has one component,
     * {@code repository}: whether the job repository answers; add others with {@link #health}.
     *
     * @throws IOException when the port cannot be bound (in use, or privileged)
     */
    public static MetricsServer start(int port, BakeService launcher) throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        BakeMetrics metrics = new BakeMetrics(registry, launcher::view);
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 16);
        ExecutorService threads = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "amibake-metrics");
            thread.setDaemon(true);
            return thread;
        });
        MetricsServer started = new MetricsServer(registry, metrics, server, threads);
        started.health("repository", () -> {
            launcher.latestExecutions(null, 1);
            return true;
        });
        server.createContext("/actuator/health", started::serveHealth);
        server.createContext("/actuator/prometheus", started::serveMetrics);
        server.setExecutor(threads);
        server.start();
        RequestCounter.watch(metrics);
        return started;
    }

    /** What the scheduler tells the metrics: bakes, skips, pauses and next runs. */
    public ScheduleEvents events() {
        return metrics;
    }

    /** The port it listens on, the one given or the one chosen for port 0. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Adds a component to the health: UP while {@code check} answers true without throwing. */
    public synchronized MetricsServer health(String component, BooleanSupplier check) {
        health.put(component, check);
        return this;
    }

    private void serveHealth(HttpExchange exchange) throws IOException {
        Map<String, Object> components = new LinkedHashMap<>();
        boolean up = true;
        synchronized (this) {
            for (Map.Entry<String, BooleanSupplier> check : health.entrySet()) {
                Map<String, Object> component = new LinkedHashMap<>();
                boolean ok;
                try {
                    ok = check.getValue().getAsBoolean();
                } catch (RuntimeException e) {
                    ok = false;
                    component.put("details", Map.of("error", String.valueOf(e.getMessage()).lines().findFirst()
                            .orElse("")));
                }
                component.put("status", ok ? "UP" : "DOWN");
                components.put(check.getKey(), component);
                up &= ok;
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("components", components);
        answer(exchange, up ? 200 : 503, "application/vnd.spring-boot.actuator.v3+json",
                JSON.writeValueAsString(body));
    }

    private void serveMetrics(HttpExchange exchange) throws IOException {
        answer(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
    }

    private static void answer(HttpExchange exchange, int status, String type, String body) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    /** Stops serving and counting requests. */
    @Override
    public void close() {
        RequestCounter.watch(null);
        server.stop(0);
        threads.shutdownNow();
        registry.close();
    }
}
