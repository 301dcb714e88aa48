package io.amibake.web;

import io.amibake.engine.api.BakeDetail;
import io.amibake.engine.api.BakeService;
import io.amibake.report.BakePage;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.thymeleaf.ITemplateEngine;
import org.thymeleaf.context.Context;
import tools.jackson.databind.json.JsonMapper;

/**
 * Follows running bakes for the pages that show them: every {@code amibake.serve.live-every} it
 * reads each watched bake once (through {@link BakeService}, so a bake running in another process
 * is followed too) and sends each page the part of the bake's page that changed, rendered from the
 * same template, as a server-sent event {@code bake}; {@code ended} when the bake no longer runs.
 * A page that stops reading only misses events: each is sent on a thread of its own, and a page
 * whose last event is still being written is skipped, so it holds up nobody else.
 */
@Component
public class LiveBakes implements DisposableBean {

    /** How long a page's stream lasts before the browser opens a new one (EventSource reconnects). */
    private static final Duration STREAM = Duration.ofMinutes(30);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final BakeService bakes;
    private final ITemplateEngine templates;
    private final List<Viewer> viewers = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor(r -> daemon(r,
            "amibake-live"));
    private final ExecutorService sends = Executors.newCachedThreadPool(r -> daemon(r, "amibake-live-send"));

    private record Viewer(long execution, SseEmitter emitter, Console console, String liveUrl, AtomicBoolean busy,
                          String[] last) {
    }

    public LiveBakes(BakeService bakes, ITemplateEngine templates, ServeSettings settings) {
        this.bakes = bakes;
        this.templates = templates;
        long every = settings.liveEvery().toMillis();
        ticks.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread thread = new Thread(r, name);
        thread.setDaemon(true);
        return thread;
    }

    /** A stream of the bake's changes for one page. */
    public SseEmitter watch(long execution, Console console, String liveUrl) {
        SseEmitter emitter = new SseEmitter(STREAM.toMillis());
        Viewer viewer = new Viewer(execution, emitter, console, liveUrl, new AtomicBoolean(), new String[1]);
        emitter.onCompletion(() -> viewers.remove(viewer));
        emitter.onTimeout(() -> viewers.remove(viewer));
        emitter.onError(e -> viewers.remove(viewer));
        viewers.add(viewer);
        return emitter;
    }

    /** How many pages follow a bake now. */
    public int watching() {
        return viewers.size();
    }

    private void tick() {
        try {
            Map<Long, Optional<BakeDetail>> read = new ConcurrentHashMap<>();
            Instant now = Instant.now();
            for (Viewer viewer : viewers) {
                Optional<BakeDetail> bake = read.computeIfAbsent(viewer.execution(), bakes::detail);
                if (viewer.busy().get()) {
                    continue;
                }
                if (bake.isEmpty()) {
                    send(viewer, "ended", "");
                    continue;
                }
                String html = render(new BakePage(bake.get(), List.of(), viewer.console().links(), now), viewer);
                if (!bake.get().running()) {
                    send(viewer, "ended", "");
                } else if (!html.equals(viewer.last()[0])) {
                    viewer.last()[0] = html;
                    send(viewer, "bake", JSON.writeValueAsString(Map.of("html", html)));
                }
            }
        } catch (RuntimeException e) {
            // A repository that does not answer now: the pages keep what they show, and the next tick tries again.
        }
    }

    String render(BakePage page, Viewer viewer) {
        Context context = new Context();
        context.setVariable("page", page);
        context.setVariable("bake", page.bake());
        context.setVariable("console", viewer.console());
        context.setVariable("live", true);
        context.setVariable("liveUrl", viewer.liveUrl());
        return templates.process("bake", Set.of("live"), context);
    }

    private void send(Viewer viewer, String event, String data) {
        viewer.busy().set(true);
        sends.execute(() -> {
            try {
                viewer.emitter().send(SseEmitter.event().name(event).data(data));
                if (event.equals("ended")) {
                    viewer.emitter().complete();
                    viewers.remove(viewer);
                }
            } catch (IOException | IllegalStateException gone) {
                viewers.remove(viewer);
            } finally {
                viewer.busy().set(false);
            }
        });
    }

    @Override
    public void destroy() {
        ticks.shutdownNow();
        viewers.forEach(v -> v.emitter().complete());
        sends.shutdownNow();
    }
}
