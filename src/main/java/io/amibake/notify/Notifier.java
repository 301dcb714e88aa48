package io.amibake.notify;

import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeView;
import io.amibake.engine.state.BakeState;
import io.amibake.recipe.Notify;
import io.amibake.recipe.Recipe;
import io.amibake.schedule.ScheduleEvents;
import io.amibake.text.Redactor;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tells a webhook and a local command what happened to a recipe's bakes: {@code failed},
 * {@code recovered} (the first completed run after a failed one), {@code paused}, and
 * {@code succeeded} when asked for. Each event is one JSON object (see {@link Event}) with a
 * Slack-compatible {@code text}. Deliveries run on a thread of their own, a webhook retried with
 * backoff a bounded number of times: a notification never fails a bake and never holds it up.
 * What it learns of a bake it reads from the job repository and the bake's manifest.
 */
public final class Notifier implements ScheduleEvents, AutoCloseable {

    /**
     * How deliveries are paced.
     *
     * @param attempts   how many times a webhook is tried (a 2xx answer ends them)
     * @param firstPause the pause before the second attempt, doubled before each later one
     * @param timeout    the longest one attempt, or a command, may take
     * @param drain      how long {@link #close} waits for deliveries still under way
     */
    public record Pacing(int attempts, Duration firstPause, Duration timeout, Duration drain) {

        public static final Pacing DEFAULT = new Pacing(4, Duration.ofMillis(500), Duration.ofSeconds(10),
                Duration.ofSeconds(15));
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final BakeService launcher;
    private final NotifySettings settings;
    private final Pacing pacing;
    private final Consumer<String> problems;
    /** Made on the first event, so that a command that tells nobody pays nothing. */
    private ScheduledExecutorService threads;
    private HttpClient http;
    private boolean closed;
    private final java.util.Set<CompletableFuture<Void>> pending = ConcurrentHashMap.newKeySet();
    /** A bake's page by its execution, or null: {@code serve}'s console at its public URL. */
    private volatile java.util.function.LongFunction<String> pages = execution -> null;

    /**
     * @param problems told, in one line, about a delivery that failed for good (the URL's path,
     *                 which may carry a token, left out)
     */
    public Notifier(BakeService launcher, NotifySettings settings, Pacing pacing, Consumer<String> problems) {
        this.launcher = launcher;
        this.settings = settings;
        this.pacing = pacing;
        this.problems = problems;
    }

    private synchronized ScheduledExecutorService threads() {
        if (threads == null) {
            threads = Executors.newScheduledThreadPool(2, r -> {
                Thread thread = new Thread(r, "amibake-notify");
                thread.setDaemon(true);
                return thread;
            });
            if (closed) {
                threads.shutdown();
            }
        }
        return threads;
    }

    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(pacing.timeout()).build();
        }
        return http;
    }

    /** The notifier of a scheduler or a command: the global settings, the default pacing. */
    public static Notifier create(BakeService launcher, NotifySettings settings, Consumer<String> problems) {
        return new Notifier(launcher, settings, Pacing.DEFAULT, problems);
    }

    /**
     * Links each event to the bake's page, where {@code pages} gives one (the {@code url} field,
     * and a line of the text): {@code serve} with a public URL.
     */
    public Notifier linking(java.util.function.LongFunction<String> pages) {
        this.pages = pages;
        return this;
    }

    /**
     * Why a webhook cannot be reached, or empty when a TCP connection to its host and port opens
     * within {@code timeout}: for {@code schedule} to refuse an unreachable webhook at start-up
     * (exit 2) without posting anything to it. Only the scheme and host are named, as the path
     * often carries a token.
     */
    public static Optional<String> unreachable(URI url, Duration timeout) {
        int port = url.getPort() != -1 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(url.getHost(), port), (int) timeout.toMillis());
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("the webhook " + url.getScheme() + "://" + url.getAuthority() + " cannot be reached: "
                    + (e instanceof java.net.UnknownHostException ? "unknown host " + url.getHost()
                    : e.getMessage()));
        }
    }

    @Override
    public void bakeFinished(String recipe, BakeResult result, Duration took) {
        submit(() -> launcher.execution(result.executionId()).flatMap(execution -> finished(execution, result,
                Optional.ofNullable(result.view()).or(() -> launcher.view(result.executionId())).orElseThrow(),
                took)));
    }

    @Override
    public void paused(String recipe, int failuresInARow, String lastError) {
        submit(() -> {
            Optional<JobExecution> last = launcher.latestExecutions(recipe, 1).stream().findFirst();
            Target target = target(last.orElse(null));
            if (target.nobody()) {
                return Optional.empty();
            }
            Event event = new Event("paused", recipe);
            last.ifPresent(execution -> event.put("bake", BakeState.of(execution).bakeId())
                    .put("execution", execution.getId()));
            event.put("failuresInARow", failuresInARow).put("error", target.redactor().redact(lastError));
            event.text("amibake: the schedule of recipe " + recipe + " paused itself after " + failuresInARow
                    + " failed bakes in a row" + reason(target.redactor().redact(lastError))
                    + "; 'amibake schedule resume " + recipe + "' or a change of the recipe starts it again");
            return Optional.of(new Delivery(target, event));
        });
    }

    private interface Work {
        Optional<Delivery> prepare() throws Exception;
    }

    private record Delivery(Target target, Event event) {
    }

    /** Who to tell, and which secrets to keep out of what they are told. */
    private record Target(Notify to, Redactor redactor) {

        boolean nobody() {
            return to.url() == null && to.command() == null;
        }
    }

    private void submit(Work work) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        pending.add(done);
        done.whenComplete((ignored, error) -> pending.remove(done));
        try {
            threads().execute(() -> {
                try {
                    Optional<Delivery> delivery = work.prepare();
                    if (delivery.isEmpty()) {
                        done.complete(null);
                        return;
                    }
                    String json = JSON.writeValueAsString(delivery.get().event().fields());
                    List<CompletableFuture<Void>> sends = new ArrayList<>();
                    Notify notify = delivery.get().target().to();
                    if (notify.url() != null) {
                        CompletableFuture<Void> sent = new CompletableFuture<>();
                        post(notify.url(), json, 1, sent);
                        sends.add(sent);
                    }
                    if (notify.command() != null) {
                        sends.add(CompletableFuture.runAsync(() -> run(notify.command(),
                                delivery.get().event().name(), json), threads()));
                    }
                    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
                            .whenComplete((ignored, error) -> done.complete(null));
                } catch (Exception e) {
                    problems.accept("could not prepare a notification: " + e.getMessage());
                    done.complete(null);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            done.complete(null);
        }
    }

    private Optional<Delivery> finished(JobExecution execution, BakeResult result, BakeView bake, Duration took) {
        Target target = result.recipe() != null ? target(result.recipe()) : target(execution);
        if (target.nobody()) {
            return Optional.empty();
        }
        String kind;
        if (execution.getStatus() == BatchStatus.COMPLETED) {
            kind = failedBefore(execution) ? "recovered" : "succeeded";
            if (kind.equals("succeeded") && !Boolean.TRUE.equals(target.to().succeeded())) {
                return Optional.empty();
            }
        } else if (execution.getStatus() == BatchStatus.FAILED || execution.getStatus() == BatchStatus.ABANDONED
                || result.timedOut()) {
            // A run that build.timeout stopped ends STOPPED, but nobody asked for that stop.
            kind = "failed";
        } else {
            // STOPPED: asked to stop (Ctrl-C, SIGTERM, `amibake stop`); it resumes, nothing failed.
            return Optional.empty();
        }
        BakeState state = BakeState.of(execution);
        Redactor redactor = target.redactor();
        String recipe = state.recipeName();
        Event event = new Event(kind, recipe).put("bake", state.bakeId()).put("execution", execution.getId())
                .put("status", execution.getStatus().name()).put("timedOut", result.timedOut())
                .put("tookSeconds", took.toSeconds());
        List<String> failedRegions = bake.failedRegions();
        String failedStep = bake.failedStep();
        String error = redactor.redact(result.error());
        Map<String, String> images = images(bake, result, state);
        String page = pages.apply(execution.getId());
        event.put("failedStep", failedStep).put("failedRegions", failedRegions).put("error", error)
                .put("imageId", result.imageId()).put("images", images)
                .put("manifest", result.manifest() == null ? null : result.manifest().toString())
                .put("url", page);
        String where = failedStep != null ? " at step " + failedStep
                : failedRegions.isEmpty() ? "" : " in " + String.join(", ", failedRegions);
        event.text(switch (kind) {
            case "failed" -> "amibake: bake " + state.bakeId() + " of recipe " + recipe + " failed" + where
                    + reason(error) + "\nIt resumes from its checkpoints: amibake resume " + recipe;
            case "recovered" -> "amibake: recipe " + recipe + " recovered: bake " + state.bakeId()
                    + " completed after a failure" + imagesLine(images);
            default -> "amibake: bake " + state.bakeId() + " of recipe " + recipe + " completed" + imagesLine(images);
        } + (page == null ? "" : "\n" + page));
        return Optional.of(new Delivery(target, event));
    }

    /**
     * Whether the run before this one failed or timed out: an earlier run of the same bake (this
     * one resumed it), else the recipe's previous bake.
     */
    private boolean failedBefore(JobExecution execution) {
        for (JobExecution run : launcher.executionsOf(execution)) {
            if (run.getId() < execution.getId()
                    && (run.getStatus() == BatchStatus.FAILED || BakeResult.timedOut(run))) {
                return true;
            }
        }
        String recipe = BakeState.of(execution).recipeName();
        long instance = execution.getJobInstance().getInstanceId();
        return launcher.latestExecutions(recipe, 10).stream()
                .filter(e -> e.getJobInstance().getInstanceId() != instance && e.getId() < execution.getId())
                .findFirst()
                .map(previous -> previous.getStatus() == BatchStatus.FAILED
                        || previous.getStatus() == BatchStatus.ABANDONED || BakeResult.timedOut(previous))
                .orElse(false);
    }

    /** Each region's image, as the run left the bake; the source region's alone without any. */
    private static Map<String, String> images(BakeView bake, BakeResult result, BakeState state) {
        Map<String, String> images = new LinkedHashMap<>(bake.images());
        if (images.isEmpty() && result.imageId() != null) {
            try {
                images.put(state.sourceRegion(), result.imageId());
            } catch (RuntimeException noRecipe) {
                images.put("source", result.imageId());
            }
        }
        return images;
    }

    /** Where the recipe a run baked sends its notifications, and what it redacts. */
    private Target target(Recipe recipe) {
        return new Target(settings.forRecipe(recipe.notifications()), Redactor.of(recipe.secretValues()));
    }

    private Target target(JobExecution execution) {
        Notify own = Notify.NONE;
        Redactor redactor = Redactor.NONE;
        if (execution != null) {
            try {
                Recipe recipe = BakeState.of(execution).recipe();
                own = recipe.notifications();
                redactor = Redactor.of(recipe.secretValues());
            } catch (RuntimeException storedRecipeUnreadable) {
                // The global settings still apply.
            }
        }
        return new Target(settings.forRecipe(own), redactor);
    }

    /** The error's first lines, enough for a chat message; the event's {@code error} has all of it. */
    private static String reason(String error) {
        if (error == null || error.isBlank()) {
            return "";
        }
        List<String> all = error.lines().toList();
        List<String> shown = new ArrayList<>(all.subList(0, 1));
        int stderr = all.indexOf("  --- last lines of stderr ---");
        if (stderr > 0) {
            shown.addAll(all.subList(stderr, Math.min(all.size(), stderr + 4)));
        }
        String lines = String.join("\n", shown);
        return ": " + (lines.length() > 600 ? lines.substring(0, 600) + "..." : lines);
    }

    private static String imagesLine(Map<String, String> images) {
        if (images.isEmpty()) {
            return "";
        }
        List<String> each = new ArrayList<>();
        images.forEach((region, id) -> each.add(id + " (" + region + ")"));
        return "; images " + String.join(", ", each);
    }

    private void post(URI url, String json, int attempt, CompletableFuture<Void> sent) {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(pacing.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "amibake")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                .build();
        http().sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            int status = response == null ? -1 : response.statusCode();
            if (error == null && status >= 200 && status < 300) {
                sent.complete(null);
                return;
            }
            // 4xx other than 429 says the request is wrong, and sending it again will not help.
            boolean retry = error != null || status == 429 || status >= 500;
            String why = error != null ? describe(error) : "HTTP " + status;
            if (retry && attempt < pacing.attempts()) {
                long pause = pacing.firstPause().toMillis() << (attempt - 1);
                try {
                    threads().schedule(() -> post(url, json, attempt + 1, sent), pause, TimeUnit.MILLISECONDS);
                    return;
                } catch (java.util.concurrent.RejectedExecutionException closed) {
                    // Closing: no more attempts.
                }
            }
            problems.accept("could not notify " + url.getScheme() + "://" + url.getAuthority() + " after "
                    + attempt + " attempt" + (attempt == 1 ? "" : "s") + ": " + why);
            sent.complete(null);
        });
    }

    private static String describe(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    private void run(String command, String event, String json) {
        try {
            ProcessBuilder builder = new ProcessBuilder("sh", "-c", command)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().put("AMIBAKE_EVENT", event);
            Process process = builder.start();
            try (OutputStream in = process.getOutputStream()) {
                in.write(json.getBytes(StandardCharsets.UTF_8));
            } catch (IOException closedEarly) {
                // A command that does not read its input still runs.
            }
            if (!process.waitFor(pacing.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                problems.accept("the notify command took longer than " + pacing.timeout().toSeconds()
                        + "s and was stopped: " + command);
            } else if (process.exitValue() != 0) {
                problems.accept("the notify command exited with " + process.exitValue() + ": " + command);
            }
        } catch (IOException e) {
            problems.accept("could not run the notify command '" + command + "': " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits, at most the pacing's drain, for deliveries under way; then stops. */
    @Override
    public void close() {
        CompletableFuture<?>[] left = pending.toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(left).get(pacing.drain().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException late) {
            problems.accept(pending.size() + " notification(s) still under way were given up");
        } catch (java.util.concurrent.ExecutionException impossible) {
            // Deliveries complete normally.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            closed = true;
            if (threads != null) {
                threads.shutdownNow();
            }
        }
    }

    /** One event: its fields in a stable order, {@code event}, {@code recipe} and {@code at} first. */
    static final class Event {

        private final Map<String, Object> fields = new LinkedHashMap<>();

        Event(String name, String recipe) {
            fields.put("event", name);
            fields.put("recipe", recipe);
            fields.put("at", Instant.now().toString());
        }

        String name() {
            return (String) fields.get("event");
        }

        Event put(String key, Object value) {
            fields.put(key, value);
            return this;
        }

        /**
         * The text for people, escaped as Slack requires of a message's text: {@code &}, {@code <}
         * and {@code >} as HTML entities, so that command output such as {@code <!channel>} or
         * {@code <https://x|label>} is shown, not read as a mention or a link.
         */
        void text(String text) {
            fields.put("text", text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"));
        }

        Map<String, Object> fields() {
            return fields;
        }
    }
}
