package io.amibake.metrics;

import io.amibake.cloud.RequestCounter;
import io.amibake.engine.api.BakeService;
import io.amibake.schedule.ScheduleEvents;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * Health and Prometheus metrics of a long-running {@code amibake schedule} over HTTP:
 * {@code GET /actuator/health} answers in Spring Boot Actuator's shape
 * ({@code {"status":"UP","components":{...}}}, 503 when a component is DOWN) and
 * {@code GET /actuator/prometheus} in Prometheus' text format. It listens on the loopback address
 * unless told otherwise, serves a few clients at once, and closes a connection whose request has
 * not arrived whole within {@link #READ_DEADLINE}: a client that stalls never holds the health up
 * for a probe. One request per connection. Nothing starts unless {@link #start} is called, so the
 * other commands never pay for Micrometer.
 */
public final class MetricsServer implements AutoCloseable {

    /** How long a client may take to send its request line and headers. */
    public static final Duration READ_DEADLINE = Duration.ofSeconds(10);
    /** Connections served at once; more wait in a short queue, and beyond it are closed. */
    private static final int THREADS = 4;
    private static final int QUEUE = 16;
    /** Longer request lines and headers are refused: nothing here needs them. */
    private static final int MAX_LINE = 8192;
    private static final int MAX_HEADERS = 100;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final PrometheusMeterRegistry registry;
    private final BakeMetrics metrics;
    private final ServerSocket socket;
    private final ThreadPoolExecutor threads;
    private final Map<String, BooleanSupplier> health = new LinkedHashMap<>();

    private MetricsServer(PrometheusMeterRegistry registry, BakeMetrics metrics, ServerSocket socket,
                          ThreadPoolExecutor threads) {
        this.registry = registry;
        this.metrics = metrics;
        this.socket = socket;
        this.threads = threads;
    }

    /** On the loopback address: only this machine's probes and scrapers reach it. */
    public static MetricsServer start(int port, BakeService launcher) throws IOException {
        return start(InetAddress.getLoopbackAddress(), port, launcher);
    }

    /**
     * Serves health and metrics on {@code port} (0: any free port) of {@code address}, and counts
     * every AWS request this process sends from now on. The health has one component,
     * {@code repository}: whether the job repository answers; add others with {@link #health}.
     *
     * @throws IOException when the port cannot be bound (in use, or privileged)
     */
    public static MetricsServer start(InetAddress address, int port, BakeService launcher) throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        BakeMetrics metrics = new BakeMetrics(registry, launcher::view);
        ServerSocket socket = new ServerSocket(port, QUEUE, address);
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor threads = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE), r -> {
                    Thread thread = new Thread(r, "amibake-metrics-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        MetricsServer started = new MetricsServer(registry, metrics, socket, threads);
        started.health("repository", () -> {
            launcher.latestExecutions(null, 1);
            return true;
        });
        Thread acceptor = new Thread(started::accept, "amibake-metrics-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        RequestCounter.watch(metrics);
        return started;
    }

    /** What the scheduler tells the metrics: bakes, skips, pauses and next runs. */
    public ScheduleEvents events() {
        return metrics;
    }

    /** The port it listens on, the one given or the one chosen for port 0. */
    public int port() {
        return socket.getLocalPort();
    }

    /** The address it listens on. */
    public InetAddress address() {
        return socket.getInetAddress();
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                try {
                    threads.execute(() -> serve(client));
                } catch (RejectedExecutionException busy) {
                    close(client);
                }
            } catch (IOException closed) {
                // The server socket was closed: stop accepting.
            }
        }
    }

    /** Reads one request within the deadline, answers it and closes the connection. */
    private void serve(Socket client) {
        try (client) {
            long deadline = System.nanoTime() + READ_DEADLINE.toNanos();
            String[] request = line(client, deadline).split(" ");
            for (int headers = 0; !line(client, deadline).isEmpty(); headers++) {
                if (headers >= MAX_HEADERS) {
                    throw new IOException("too many headers");
                }
            }
            String method = request[0];
            String path = request.length > 1 ? request[1] : "";
            OutputStream out = client.getOutputStream();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                answer(out, method, 405, "text/plain", "");
            } else if (path.equals("/actuator/health")) {
                Health now = health();
                answer(out, method, now.up() ? 200 : 503, "application/vnd.spring-boot.actuator.v3+json", now.json());
            } else if (path.equals("/actuator/prometheus")) {
                answer(out, method, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
            } else {
                answer(out, method, 404, "text/plain", "");
            }
        } catch (IOException | RuntimeException slowOrBroken) {
            // Too slow, malformed or gone: the connection is closed, the next one is served.
        }
    }

    /** One line of the request, without its CR LF; throws once the deadline passed. */
    private static String line(Socket client, long deadline) throws IOException {
        InputStream in = client.getInputStream();
        StringBuilder line = new StringBuilder();
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new SocketTimeoutException("the request took longer than " + READ_DEADLINE);
            }
            client.setSoTimeout((int) left);
            int c = in.read();
            if (c < 0) {
                throw new IOException("the client closed the connection");
            }
            if (c == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            if (line.length() >= MAX_LINE) {
                throw new IOException("a request line too long");
            }
            line.append((char) c);
        }
    }

    private static void close(Socket client) {
        try {
            client.close();
        } catch (IOException e) {
            // Closing is all that was left to do.
        }
    }

    /** Adds a component to the health: UP while {@code check} answers true without throwing. */
    public synchronized MetricsServer health(String component, BooleanSupplier check) {
        health.put(component, check);
        return this;
    }

    private record Health(boolean up, String json) {
    }

    private Health health() {
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
        return new Health(up, JSON.writeValueAsString(body));
    }

    private static void answer(OutputStream out, String method, int status, String type, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String reason = switch (status) {
            case 200 -> "OK";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            default -> "Service Unavailable";
        };
        String head = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: " + type + "\r\nContent-Length: "
                + bytes.length + "\r\nConnection: close\r\n" + (status == 405 ? "Allow: GET, HEAD\r\n" : "") + "\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        if (!method.equals("HEAD")) {
            out.write(bytes);
        }
        out.flush();
    }

    /** Stops serving and counting requests. */
    @Override
    public void close() {
        RequestCounter.watch(null);
        try {
            socket.close();
        } catch (IOException e) {
            // Closed already.
        }
        threads.shutdownNow();
        registry.close();
    }
}
