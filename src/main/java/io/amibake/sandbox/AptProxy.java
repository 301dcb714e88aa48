package io.amibake.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The HTTP proxy the real machines' apt downloads through (their only way out: each machine's
 * network reaches the host and nothing else). It caches on disk, shared by every sandbox of the
 * host: packages and by-hash indexes never change under their names, so they are fetched once;
 * the release files that name them ({@code InRelease} and the like) are fetched again after
 * {@link #INDEX_TTL}. Each machine still downloads into its own {@code /var/cache/apt}, so what
 * the {@code package-cache} cleaner removes is really there. It forwards only to the mirror hosts
 * it is given, and retries what the network drops.
 */
final class AptProxy implements AutoCloseable {

    /** How long a release file is served from the cache before it is fetched again. */
    static final Duration INDEX_TTL = Duration.ofMinutes(30);
    private static final int ATTEMPTS = 4;

    private final Path cache;
    private final Set<String> hosts;
    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient upstream;
    private final ConcurrentHashMap<Path, Object> fetching = new ConcurrentHashMap<>();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder fetchedBytes = new LongAdder();

    /** What the proxy served since it started: from its cache, from the mirror, and how many bytes it fetched. */
    record Stats(long hits, long misses, long fetchedBytes) {
    }

    private AptProxy(Path cache, Set<String> hosts) throws IOException {
        this.cache = cache;
        this.hosts = Set.copyOf(hosts);
        // Every address: each machine reaches it on its own link's host side.
        this.server = HttpServer.create(new InetSocketAddress(0), 64);
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "sandbox-apt-proxy-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.upstream = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20)).build();
        server.setExecutor(executor);
        server.createContext("/", this::serve);
    }

    /** Starts a proxy on a free port of every address, caching in {@code cache}, forwarding to {@code hosts} only. */
    static AptProxy start(Path cache, Set<String> hosts) throws IOException {
        Files.createDirectories(cache);
        AptProxy proxy = new AptProxy(cache, hosts);
        proxy.server.start();
        return proxy;
    }

    int port() {
        return server.getAddress().getPort();
    }

    Stats stats() {
        return new Stats(hits.sum(), misses.sum(), fetchedBytes.sum());
    }

    private void serve(HttpExchange exchange) {
        try (exchange) {
            URI uri = exchange.getRequestURI();
            String method = exchange.getRequestMethod();
            if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null
                    || !hosts.contains(uri.getHost().toLowerCase())) {
                reply(exchange, 403, "the sandbox's apt proxy forwards to " + hosts + " only, not " + uri + "\n");
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                reply(exchange, 405, "GET and HEAD only\n");
                return;
            }
            Path file = cacheFile(uri);
            if (file == null) {
                reply(exchange, 400, "no such path: " + uri.getRawPath() + "\n");
                return;
            }
            Fetched fetched;
            try {
                fetched = fetch(uri, file);
            } catch (IOException e) {
                reply(exchange, 502, "the sandbox's apt proxy could not reach the mirror for " + uri + ": " + e + "\n");
                return;
            }
            if (fetched.status() != 200) {
                reply(exchange, fetched.status(), "the mirror answered " + fetched.status() + " for " + uri + "\n");
                return;
            }
            long size = Files.size(file);
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            exchange.getResponseHeaders().set("Last-Modified", java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                    .format(fetched.modified().atZone(java.time.ZoneOffset.UTC)));
            if (method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Content-Length", Long.toString(size));
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, size == 0 ? -1 : size);
            if (size > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    Files.copy(file, out);
                }
            }
        } catch (IOException e) {
            // apt went away, or the mirror could not be reached: apt reports and retries
        }
    }

    /** The cache file of a URL, or null for a path that would leave the cache. */
    private Path cacheFile(URI uri) {
        String path = uri.getPath();
        if (path == null || path.isEmpty() || path.endsWith("/") || path.contains("..")) {
            return null;
        }
        return cache.resolve(uri.getHost().toLowerCase()).resolve(path.substring(1)).normalize();
    }

    private record Fetched(int status, Instant modified) {
    }

    private Fetched fetch(URI uri, Path file) throws IOException {
        synchronized (fetching.computeIfAbsent(file, f -> new Object())) {
            if (fresh(uri, file)) {
                hits.increment();
                return new Fetched(200, Files.getLastModifiedTime(file).toInstant());
            }
            misses.increment();
            IOException last = null;
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                try {
                    Files.createDirectories(file.getParent());
                    Path tmp = Files.createTempFile(file.getParent(), ".fetch-", ".tmp");
                    try {
                        HttpResponse<Path> response = upstream.send(HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofMinutes(2)).GET().build(),
                                HttpResponse.BodyHandlers.ofFile(tmp));
                        int status = response.statusCode();
                        if (status == 200) {
                            fetchedBytes.add(Files.size(tmp));
                            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                            Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
                            return new Fetched(200, Instant.now());
                        }
                        if (status < 500) {
                            return new Fetched(status, Instant.now());
                        }
                        last = new IOException("the mirror answered " + status + " for " + uri);
                    } finally {
                        Files.deleteIfExists(tmp);
                    }
                } catch (IOException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted fetching " + uri, e);
                }
                if (attempt < ATTEMPTS) {
                    // the mirror's network drops connections now and then: back off and try again
                    java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofSeconds(attempt).toNanos());
                }
            }
            if (Files.exists(file)) {
                // an old release file beats none: apt checks its signature and dates itself
                return new Fetched(200, Files.getLastModifiedTime(file).toInstant());
            }
            throw last;
        }
    }

    /** A package or by-hash index never changes under its name; anything else is fresh for {@link #INDEX_TTL}. */
    private static boolean fresh(URI uri, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        String path = uri.getPath();
        if (path.contains("/pool/") || path.contains("/by-hash/")) {
            return true;
        }
        return Files.getLastModifiedTime(file).toInstant().plus(INDEX_TTL).isAfter(Instant.now());
    }

    private static void reply(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
