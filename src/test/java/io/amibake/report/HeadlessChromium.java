package io.amibake.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Debian's headless Chromium, driven over the DevTools protocol with the JDK's WebSocket client:
 * opens a page, and reports the console errors and the requests it made, so a test can check that
 * a report needs nothing beyond its own file.
 */
final class HeadlessChromium implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> replies = new ConcurrentHashMap<>();
    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();

    /** What happened while a page loaded. */
    record PageLoad(List<String> consoleErrors, List<String> requests) {
    }

    private HeadlessChromium(Process process, WebSocket socket) {
        this.process = process;
        this.socket = socket;
    }

    /** The browser's path, or null when none is installed. */
    static String executable() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return null;
    }

    static HeadlessChromium start(Path profile) throws Exception {
        Process process = new ProcessBuilder(executable(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--hide-scrollbars", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "--window-size=1300,900", "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String browserUrl = null;
        BufferedReader stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8));
        for (String line; browserUrl == null && (line = stderr.readLine()) != null; ) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                browserUrl = m.group(1);
            }
        }
        if (browserUrl == null) {
            process.destroyForcibly();
            throw new IllegalStateException("chromium did not open its DevTools port");
        }
        Thread drain = new Thread(() -> stderr.lines().forEach(l -> { }), "chromium-stderr");
        drain.setDaemon(true);
        drain.start();
        URI browser = URI.create(browserUrl);
        HttpClient http = HttpClient.newHttpClient();
        String list = http.send(HttpRequest.newBuilder(URI.create("http://" + browser.getAuthority() + "/json/list"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        String pageUrl = null;
        for (JsonNode target : JSON.readTree(list)) {
            if ("page".equals(target.path("type").asString())) {
                pageUrl = target.path("webSocketDebuggerUrl").asString();
            }
        }
        HeadlessChromium[] self = new HeadlessChromium[1];
        StringBuilder partial = new StringBuilder();
        WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageUrl), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    self[0].receive(partial.toString());
                    partial.setLength(0);
                }
                ws.request(1);
                return null;
            }
        }).get(30, TimeUnit.SECONDS);
        self[0] = new HeadlessChromium(process, socket);
        return self[0];
    }

    private void receive(String message) {
        JsonNode node = JSON.readTree(message);
        if (node.has("id")) {
            CompletableFuture<JsonNode> reply = replies.remove(node.get("id").asInt());
            if (reply != null) {
                reply.complete(node);
            }
        } else {
            events.add(node);
        }
    }

    JsonNode call(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        replies.put(id, reply);
        socket.sendText(JSON.writeValueAsString(Map.of("id", id, "method", method, "params", params)), true)
                .get(10, TimeUnit.SECONDS);
        JsonNode answer = reply.get(60, TimeUnit.SECONDS);
        if (answer.has("error")) {
            throw new IllegalStateException(method + ": " + answer.get("error"));
        }
        return answer.path("result");
    }

    /** Opens the file and waits for its load event, noting console errors and every request. */
    PageLoad open(Path file) throws Exception {
        call("Page.enable", Map.of());
        call("Runtime.enable", Map.of());
        call("Log.enable", Map.of());
        call("Network.enable", Map.of());
        events.clear();
        call("Page.navigate", Map.of("url", file.toUri().toString()));
        List<String> errors = new ArrayList<>();
        List<String> requests = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        boolean loaded = false;
        while (!loaded) {
            JsonNode event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (event == null) {
                throw new IllegalStateException("the page did not load: " + file);
            }
            collect(event, errors, requests);
            loaded = "Page.loadEventFired".equals(event.path("method").asString());
        }
        // Anything the page does right after load (late requests, errors) is seen too.
        call("Runtime.evaluate", Map.of("expression", "new Promise(r => setTimeout(r, 300))", "awaitPromise", true));
        for (JsonNode event; (event = events.poll()) != null; ) {
            collect(event, errors, requests);
        }
        return new PageLoad(errors, requests);
    }

    private static void collect(JsonNode event, List<String> errors, List<String> requests) {
        JsonNode params = event.path("params");
        switch (event.path("method").asString()) {
            case "Network.requestWillBeSent" -> requests.add(params.path("request").path("url").asString());
            case "Runtime.exceptionThrown" -> errors.add(params.path("exceptionDetails").toString());
            case "Runtime.consoleAPICalled" -> {
                if ("error".equals(params.path("type").asString())) {
                    errors.add(params.path("args").toString());
                }
            }
            case "Log.entryAdded" -> {
                if ("error".equals(params.path("entry").path("level").asString())) {
                    errors.add(params.path("entry").path("text").asString());
                }
            }
            default -> {
            }
        }
    }

    /** The value of a JavaScript expression, as JSON the page computed. */
    JsonNode evaluate(String expression) throws Exception {
        JsonNode result = call("Runtime.evaluate", Map.of("expression", "JSON.stringify(" + expression + ")",
                "returnByValue", true));
        return JSON.readTree(result.path("result").path("value").asString());
    }

    /** A picture of the whole page, not only the window. */
    void screenshot(Path png) throws Exception {
        int height = evaluate("document.documentElement.scrollHeight").asInt();
        call("Emulation.setDeviceMetricsOverride", Map.of("width", 1300, "height", Math.min(height, 8000),
                "deviceScaleFactor", 1, "mobile", false));
        JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png"));
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.write(png, Base64.getDecoder().decode(shot.path("data").asString()));
    }

    @Override
    public void close() throws IOException {
        socket.abort();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
