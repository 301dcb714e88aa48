package io.amibake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The apt proxy of the real machines, against a mirror of the test's own on 127.0.0.1. */
@Timeout(60)
class AptProxyTest {

    @TempDir
    Path cache;

    private HttpServer mirror;
    private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private AptProxy proxy;
    private HttpClient apt;

    @BeforeEach
    void start() throws IOException {
        mirror = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        mirror.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                served.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
                if (path.contains("flaky") && failuresLeft.getAndDecrement() > 0) {
                    exchange.sendResponseHeaders(503, -1);
                    return;
                }
                if (path.contains("missing")) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                byte[] body = ("contents of " + path + " #" + served.get(path).get()).getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        mirror.start();
        proxy = AptProxy.start(cache, Set.of("127.0.0.1"));
        apt = HttpClient.newBuilder().proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", proxy.port())))
                .build();
    }

    @AfterEach
    void stop() {
        proxy.close();
        mirror.stop(0);
    }

    private HttpResponse<String> get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + mirror.getAddress().getPort() + path);
        return apt.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPackageIsFetchedFromTheMirrorOnceAndThenServedFromTheCache() throws Exception {
        // when
        HttpResponse<String> first = get("/debian/pool/main/a/apache2/apache2_2.4.62-1_amd64.deb");
        HttpResponse<String> second = get("/debian/pool/main/a/apache2/apache2_2.4.62-1_amd64.deb");

        // then
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.body()).isEqualTo(first.body()).endsWith("#1");
        assertThat(served.get("/debian/pool/main/a/apache2/apache2_2.4.62-1_amd64.deb")).hasValue(1);
        assertThat(proxy.stats().hits()).isEqualTo(1);
        assertThat(proxy.stats().misses()).isEqualTo(1);
    }

    @Test
    void aReleaseFileIsFetchedAgainOnceItsTimeInTheCacheIsUp() throws Exception {
        // given a release file cached longer ago than the proxy keeps one
        String path = "/debian/dists/bookworm/InRelease";
        get(path);
        Path cached = cache.resolve("127.0.0.1").resolve(path.substring(1));
        assertThat(get(path).body()).endsWith("#1");
        Files.setLastModifiedTime(cached, FileTime.from(Instant.now().minus(AptProxy.INDEX_TTL).minusSeconds(1)));

        // when
        HttpResponse<String> again = get(path);

        // then
        assertThat(again.body()).endsWith("#2");
        assertThat(served.get(path)).hasValue(2);
    }

    @Test
    void whatTheMirrorDropsIsRetried() throws Exception {
        // given the mirror fails twice
        failuresLeft.set(2);

        // when
        HttpResponse<String> response = get("/debian/pool/main/f/flaky/flaky_1_all.deb");

        // then
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(served.get("/debian/pool/main/f/flaky/flaky_1_all.deb")).hasValue(3);
    }

    @Test
    void aFileTheMirrorDoesNotHaveIsNotFoundAndNotCached() throws Exception {
        // when
        HttpResponse<String> first = get("/debian/pool/main/m/missing/missing_1_all.deb");
        HttpResponse<String> second = get("/debian/pool/main/m/missing/missing_1_all.deb");

        // then
        assertThat(first.statusCode()).isEqualTo(404);
        assertThat(second.statusCode()).isEqualTo(404);
        assertThat(served.get("/debian/pool/main/m/missing/missing_1_all.deb")).hasValue(2);
    }

    @Test
    void itForwardsToTheMirrorOnlyNotToAnyOtherHost() throws Exception {
        // when
        HttpResponse<String> response = apt.send(HttpRequest.newBuilder(URI.create("http://example.com/")).build(),
                HttpResponse.BodyHandlers.ofString());

        // then
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("forwards to [127.0.0.1] only");
    }
}
