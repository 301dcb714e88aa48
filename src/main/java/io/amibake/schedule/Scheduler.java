package io.amibake.schedule;

import io.amibake.engine.api.Lease;
import io.amibake.engine.api.Target;
import io.amibake.engine.api.BakeBusyException;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.recipe.RecipeException;
import io.amibake.recipe.RecipeLoader;
import io.amibake.recipe.Schedule;
import io.amibake.text.Redactor;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.springframework.batch.core.job.JobExecution;

/**
 * Bakes scheduled recipes on time, many at once, in one long-running process; several such
 * processes may share one job repository. At every look, for each recipe whose slot has come:
 * <ul>
 *   <li>the slot is claimed in {@link ScheduleStore}: on a shared repository exactly one process
 *       runs it; after downtime only the latest missed slot runs;</li>
 *   <li>a slot whose previous bake still runs, here or anywhere (its lease), is skipped;</li>
 *   <li>a failed or stopped bake that can still resume is resumed, else a new bake starts, unless
 *       {@code when: sourceChanged} finds the source image and recipe of the last completed bake;</li>
 *   <li>after {@code pauseAfter} failed slots in a row the schedule pauses until it is resumed or
 *       the recipe is edited.</li>
 * </ul>
 * Recipe files are read again at every look; an invalid edit is reported once and the previous
 * version stays scheduled. Bakes stopped when the process was (SIGTERM) resume at its next start.
 */
public final class Scheduler implements AutoCloseable {

    /** How often the scheduler looks at the clock and the recipe files. */
    public static final Duration LOOK_EVERY = Duration.ofMillis(500);
    /** Missed slots are walked forward to the latest one; a bound so a per-second cron after a year stays cheap. */
    private static final int MAX_MISSED = 1_000_000;

    private final BakeService launcher;
    private final ScheduleStore store;
    private final RecipeFiles files;
    private final Target target;
    private final ScheduleEvents events;
    private final Function<String, BakeEvents> bakeEvents;
    private final Consumer<String> log;
    private final Clock clock;
    private final String owner;
    private final SchedulerHeartbeat heartbeat;
    private final SlotBakes choices;
    private final Map<Path, Entry> entries = new LinkedHashMap<>();
    /** Files whose current text was already reported as invalid, by file: reported once per edit. */
    private final Map<Path, String> rejected = new LinkedHashMap<>();
    private final Map<String, Future<?>> running = new ConcurrentHashMap<>();
    private final ExecutorService bakes = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "amibake-slot");
        thread.setDaemon(true);
        return thread;
    });
    private ScheduledExecutorService looks;
    private volatile boolean closing;
    private volatile Instant lastLook;
    private boolean firstLook = true;

    /**
     * @param initial    the recipes read and checked at start-up, each with a schedule
     * @param bakeEvents what each bake tells, by recipe
     * @param log        one line for each thing a person should know: edits, invalid edits, pauses
     * @param owner      this process, as slot rows name it
     */
    public Scheduler(BakeService launcher, ScheduleStore store, RecipeFiles files, List<RecipeFiles.Version> initial,
                     Target target, ScheduleEvents events, Function<String, BakeEvents> bakeEvents,
                     Consumer<String> log, Clock clock, String owner) {
        this(launcher, store, files, initial, target, events, bakeEvents, log, clock, owner, null,
                Duration.ofSeconds(60));
    }

    /**
     * @param host     this host, as leases name it: a scheduler of this host whose process is gone
     *                 is known dead at once; null to judge by heartbeats alone
     * @param aliveFor how long a scheduler counts as alive after its last heartbeat (a third of it
     *                 apart); a slot it left running is closed by another once that has passed and
     *                 its bake's lease is not live either
     */
    public Scheduler(BakeService launcher, ScheduleStore store, RecipeFiles files, List<RecipeFiles.Version> initial,
                     Target target, ScheduleEvents events, Function<String, BakeEvents> bakeEvents,
                     Consumer<String> log, Clock clock, String owner, String host, Duration aliveFor) {
        this.launcher = launcher;
        this.store = store;
        this.files = files;
        this.target = target;
        this.events = events;
        this.bakeEvents = bakeEvents;
        this.log = log;
        this.clock = clock;
        this.owner = owner;
        this.heartbeat = new SchedulerHeartbeat(store, clock, owner, host, aliveFor);
        this.choices = new SlotBakes(launcher, target.settings(), log);
        for (RecipeFiles.Version version : initial) {
            entries.put(key(version.file()), new Entry(version));
        }
    }

    /** Looks every {@link #LOOK_EVERY} until {@link #close()}, and beats a third of {@code aliveFor} apart. */
    public synchronized void start() {
        heartbeat.start();
        looks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "amibake-schedule");
            thread.setDaemon(true);
            return thread;
        });
        looks.scheduleWithFixedDelay(() -> {
            try {
                look();
            } catch (RuntimeException e) {
                log.accept("could not look at the schedules: " + e.getMessage());
            }
        }, 0, LOOK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The recipes scheduled now, by name. */
    public synchronized List<RecipeFiles.Version> recipes() {
        return entries.values().stream().map(e -> e.current).toList();
    }

    /**
     * One look: reads the recipe files again and starts the slots that have come.
     *
     * @return the slots started, to wait for
     */
    public synchronized List<Future<?>> look() {
        List<Future<?>> started = new ArrayList<>();
        if (closing) {
            return started;
        }
        refresh();
        lastLook = Instant.now();
        ZonedDateTime now = ZonedDateTime.now(clock);
        heartbeat.beatIfDue();
        if (heartbeat.sweepDue(now.toInstant())) {
            // Before the stopped bakes are resumed: a slot left running may turn out stopped.
            closeSlotsLeftRunning();
        }
        if (firstLook) {
            firstLook = false;
            for (Entry entry : entries.values()) {
                guarded(entry, () -> resumeStopped(entry).ifPresent(started::add));
            }
        }
        for (Entry entry : entries.values()) {
            guarded(entry, () -> slot(entry, now).ifPresent(started::add));
        }
        return started;
    }

    /** Stops looking, and waits up to {@code wait} for the running bakes, which a stop request ends. */
    public void close(Duration wait) {
        closing = true;
        synchronized (this) {
            if (looks != null) {
                looks.shutdownNow();
            }
        }
        bakes.shutdown();
        try {
            bakes.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        heartbeat.close();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(60));
    }

    /** When the scheduler last looked at its recipes (the system clock), or null before its first look. */
    public Instant lastLook() {
        return lastLook;
    }

    /** Whether the process is stopping: no new slot starts. */
    public boolean closing() {
        return closing;
    }

    // ---- recipe files ----

    private void refresh() {
        List<Path> listed;
        try {
            listed = files.list();
        } catch (UncheckedIOException e) {
            String message = e.getMessage();
            if (!message.equals(rejected.put(Path.of(""), message))) {
                log.accept(message + "; the recipes read before stay scheduled");
            }
            return;
        }
        rejected.remove(Path.of(""));
        List<Path> keys = new ArrayList<>();
        for (Path file : listed) {
            Path key = key(file);
            keys.add(key);
            Entry entry = entries.get(key);
            String text = null;
            String hash;
            List<String> problems = List.of();
            try {
                text = RecipeLoader.readText(file);
                hash = RecipeFiles.hash(text);
            } catch (RecipeException e) {
                problems = RecipeFiles.lines(e);
                hash = "unreadable: " + problems;
            }
            if (entry != null && entry.current.hash().equals(hash) || hash.equals(rejected.get(key))) {
                continue;
            }
            RecipeFiles.Version version = null;
            if (text != null) {
                try {
                    version = files.load(file, text);
                } catch (RecipeException e) {
                    problems = RecipeFiles.lines(e);
                }
            }
            if (version == null) {
                rejected.put(key, hash);
                log.accept(file + ": " + (entry == null ? "not scheduled" : "the edit is invalid and the previous"
                        + " version of " + entry.current.name() + " stays scheduled") + ": "
                        + String.join(" | ", problems));
                continue;
            }
            rejected.remove(key);
            accept(key, entry, version);
        }
        entries.keySet().removeIf(key -> {
            if (!keys.contains(key)) {
                log.accept(entries.get(key).current.name() + ": " + key + " is gone; no longer scheduled");
                return true;
            }
            return false;
        });
    }

    private void accept(Path key, Entry entry, RecipeFiles.Version version) {
        Schedule schedule = version.recipe().schedule();
        if (schedule == null) {
            if (entry != null) {
                entries.remove(key);
                log.accept(version.name() + ": " + version.file() + " has no schedule any more; no longer scheduled");
            }
            return;
        }
        for (Map.Entry<Path, Entry> other : entries.entrySet()) {
            if (!other.getKey().equals(key) && other.getValue().current.name().equals(version.name())) {
                log.accept(version.file() + ": recipe " + version.name() + " is already scheduled from "
                        + other.getValue().current.file() + "; this file is ignored");
                return;
            }
        }
        if (entry == null || !entry.current.name().equals(version.name())) {
            entries.put(key, new Entry(version));
            log.accept(version.name() + ": scheduled from " + version.file() + " (" + describe(schedule) + ")");
            return;
        }
        boolean timesChanged = !schedule.cron().equals(entry.current.recipe().schedule().cron())
                || !schedule.zone().equals(entry.current.recipe().schedule().zone());
        entry.current = version;
        if (timesChanged) {
            entry.next = schedule.next(ZonedDateTime.now(clock));
            events.nextRun(version.name(), entry.next);
        }
        log.accept(version.name() + ": picked up the edit of " + version.file() + " (" + describe(schedule) + ")");
    }

    /** The schedule in words, for log lines. */
    public static String describe(Schedule schedule) {
        return "cron '" + schedule.cron() + "' in " + schedule.zone().getId() + ", when " + schedule.when()
                + ", pause after " + schedule.pauseAfter() + " failures";
    }

    // ---- slots ----

    private Optional<Future<?>> slot(Entry entry, ZonedDateTime now) {
        RecipeFiles.Version version = entry.current;
        String name = version.name();
        Schedule schedule = version.recipe().schedule();
        if (entry.next == null) {
            Optional<ScheduleStore.Slot> last = store.latest(name);
            entry.next = schedule.next(last.map(s -> s.at().atZone(schedule.zone())).orElse(now));
            events.nextRun(name, entry.next);
        }
        if (!entry.pauseTold && (entry.next == null || now.isBefore(entry.next))) {
            return Optional.empty();
        }
        // Read only when a slot is due, or while paused: 'schedule resume' may come from another process.
        ScheduleStore.State state = store.state(name);
        if (state.paused()) {
            if (version.hash().equals(state.pausedRecipe())) {
                if (!entry.pauseTold) {
                    entry.pauseTold = true;
                    events.nextRun(name, null);
                }
                return Optional.empty();
            }
            if (store.resume(name)) {
                log.accept(name + ": the recipe was edited; its schedule resumes");
            }
        }
        if (entry.pauseTold) {
            // The nights missed while paused stay missed: the schedule goes on from its next slot.
            entry.pauseTold = false;
            entry.next = schedule.next(now);
            events.nextRun(name, entry.next);
            return Optional.empty();
        }
        if (entry.next == null) {
            return Optional.empty();
        }
        ZonedDateTime slot = entry.next;
        ZonedDateTime after = schedule.next(slot);
        for (int missed = 0; after != null && !after.isAfter(now) && missed < MAX_MISSED; missed++) {
            slot = after;
            after = schedule.next(after);
        }
        entry.next = after;
        events.nextRun(name, after);
        Instant at = slot.toInstant();
        if (!store.claim(name, at, owner, clock.instant())) {
            return Optional.empty();
        }
        Future<?> previous = running.get(name);
        Optional<Lease> lease = launcher.running(name);
        if (previous != null && !previous.isDone() || lease.isPresent()) {
            skip(name, slot, ScheduleEvents.Skip.PREVIOUS_RUNNING, "the previous bake still runs ("
                    + lease.map(Lease::owner).orElse("in this process") + ")");
            return Optional.empty();
        }
        ZonedDateTime claimed = slot;
        Future<?> bake = bakes.submit(() -> run(version, claimed, false));
        running.put(name, bake);
        return Optional.of(bake);
    }

    // ---- what an operator asks for ----

    /** When the recipe's next slot comes; empty while its schedule is paused, or before the first look. */
    public synchronized Optional<ZonedDateTime> next(String recipe) {
        return entry(recipe).map(e -> e.pauseTold ? null : e.next);
    }

    /**
     * Bakes a scheduled recipe now, outside its slots, as a slot would (resuming its failed bake,
     * counting its outcome), but whatever {@code when} says and even while the schedule is paused:
     * somebody asked for it. Recorded as a slot at this instant.
     *
     * @return the bake, to wait for
     * @throws IllegalArgumentException when the recipe is not scheduled here
     * @throws IllegalStateException    when its previous bake still runs, or the process is stopping
     */
    public synchronized Future<?> runNow(String recipe) {
        Entry entry = entry(recipe).orElseThrow(() -> new IllegalArgumentException(recipe + " is not scheduled here"));
        if (closing) {
            throw new IllegalStateException("the scheduler is stopping");
        }
        Future<?> previous = running.get(recipe);
        Optional<Lease> lease = launcher.running(recipe);
        if (previous != null && !previous.isDone() || lease.isPresent()) {
            throw new IllegalStateException("the previous bake of " + recipe + " still runs ("
                    + lease.map(Lease::owner).orElse("in this process") + ")");
        }
        RecipeFiles.Version version = entry.current;
        ZonedDateTime slot = ZonedDateTime.ofInstant(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS),
                version.recipe().schedule().zone());
        if (!store.claim(recipe, slot.toInstant(), owner, clock.instant())) {
            throw new IllegalStateException("a slot of " + recipe + " was claimed at this very instant; try again");
        }
        log.accept(recipe + ": baking now, as asked");
        Future<?> bake = bakes.submit(() -> run(version, slot, true));
        running.put(recipe, bake);
        return bake;
    }

    /**
     * Pauses a recipe's schedule, as failures in a row would: no slot runs until {@link #resume}
     * or an edit of the recipe. False when it was paused already.
     */
    public synchronized boolean pause(String recipe) {
        Entry entry = entry(recipe).orElseThrow(() -> new IllegalArgumentException(recipe + " is not scheduled here"));
        if (store.state(recipe).paused()) {
            return false;
        }
        store.pause(recipe, entry.current.hash(), clock.instant());
        entry.pauseTold = true;
        log.accept(recipe + ": schedule paused, as asked");
        events.nextRun(recipe, null);
        return true;
    }

    /** Lifts a recipe's pause: its next slot runs. False when it was not paused. */
    public synchronized boolean resume(String recipe) {
        Entry entry = entry(recipe).orElseThrow(() -> new IllegalArgumentException(recipe + " is not scheduled here"));
        boolean resumed = store.resume(recipe);
        if (resumed) {
            // The nights missed while paused stay missed, as when a resume comes from another process.
            entry.pauseTold = false;
            entry.next = entry.current.recipe().schedule().next(ZonedDateTime.now(clock));
            events.nextRun(recipe, entry.next);
            log.accept(recipe + ": schedule resumed, as asked");
        }
        return resumed;
    }

    private Optional<Entry> entry(String recipe) {
        return entries.values().stream().filter(e -> e.current.name().equals(recipe)).findFirst();
    }

    /** At start-up: a slot whose bake this process's predecessor stopped goes on at once. */
    private Optional<Future<?>> resumeStopped(Entry entry) {
        String name = entry.current.name();
        // Slots skipped while the bake ran came after it: the bake's own slot is the latest that ran one.
        Optional<ScheduleStore.Slot> last = store.slots(name, 100).stream()
                .filter(slot -> !ScheduleStore.SKIPPED.equals(slot.outcome()))
                .findFirst();
        if (last.isEmpty() || !"STOPPED".equals(last.get().outcome()) || launcher.running(name).isPresent()
                || !store.reclaimStopped(name, last.get().at(), owner)) {
            return Optional.empty();
        }
        RecipeFiles.Version version = entry.current;
        ZonedDateTime slot = last.get().at().atZone(version.recipe().schedule().zone());
        log.accept(name + ": resuming the bake of the slot at " + slot + ", stopped when the scheduler last stopped");
        Future<?> bake = bakes.submit(() -> run(version, slot, false));
        running.put(name, bake);
        return Optional.of(bake);
    }

    /** @param asked whether somebody asked for this bake now: it bakes even when nothing changed */
    private void run(RecipeFiles.Version version, ZonedDateTime slot, boolean asked) {
        String name = version.name();
        Instant began = clock.instant();
        // The slot's row names its bake as soon as it begins.
        BakeEvents watch = bakeEvents.apply(name).whenStarted((execution, bakeId) -> {
            try {
                store.bakeStarted(name, slot.toInstant(), bakeId, execution);
            } catch (RuntimeException databaseUnreachable) {
                // Only a slot left running by a killed scheduler needs it; the bake must not fail for it.
            }
        });
        try {
            JobExecution resumable = choices.resumable(name);
            if (resumable != null && !launcher.targetOf(resumable).sameReach(target)) {
                // Another target's bake (another account, or the sandbox of a scheduler gone) is not
                // this scheduler's to resume: the resume would be refused night after night.
                resumable = null;
            }
            BakeRequest edited = resumable == null ? null : choices.edit(resumable, version);
            BakeResult result;
            if (resumable != null && (edited != null || SlotBakes.same(resumable, version))) {
                store.started(name, slot.toInstant(), true);
                events.slotStarted(name, slot, true);
                // The secrets again: amibake never stores them, and the scheduler keeps them in memory only.
                result = launcher.resume(resumable.getId(), edited, version.variables(), target, null, watch,
                        resumed -> {
                        });
            } else {
                if (!asked && version.recipe().schedule().onlyWhenSourceChanged()) {
                    String unchanged = choices.unchanged(version);
                    if (unchanged != null) {
                        skip(name, slot, ScheduleEvents.Skip.SOURCE_UNCHANGED, unchanged);
                        return;
                    }
                }
                store.started(name, slot.toInstant(), false);
                events.slotStarted(name, slot, false);
                result = launcher.start(new BakeRequest(version.yaml(), version.file().toString(),
                        version.variables(), version.recipe()), target, null, watch);
            }
            ended(version, slot, result, began);
        } catch (BakeBusyException busy) {
            skip(name, slot, ScheduleEvents.Skip.PREVIOUS_RUNNING, "the previous bake still runs (" + busy.getMessage() + ")");
        } catch (Exception | LinkageError e) {
            String error = e.getMessage() == null ? e.toString() : e.getMessage();
            error = Redactor.of(version.recipe().secretValues()).redact(error);
            ended(version, slot, new BakeResult(-1, null, "FAILED", null, null, error), began);
        }
    }

    private void skip(String name, ZonedDateTime slot, ScheduleEvents.Skip why, String reason) {
        store.finish(name, slot.toInstant(), ScheduleStore.SKIPPED, reason, null, null, null, clock.instant());
        events.slotSkipped(name, slot, why, reason);
    }

    private void ended(RecipeFiles.Version version, ZonedDateTime slot, BakeResult result, Instant began) {
        store.finish(version.name(), slot.toInstant(), result.timedOut() ? ScheduleStore.TIMED_OUT : result.status(),
                result.error(), result.bakeId(), result.executionId() < 0 ? null : result.executionId(),
                result.imageId(), clock.instant());
        counted(version, result, Duration.between(began, clock.instant()));
    }

    /** Tells the slot's end, and counts it: a success resets the failures in a row, a failure may pause. */
    private void counted(RecipeFiles.Version version, BakeResult result, Duration took) {
        String name = version.name();
        events.bakeFinished(name, result, took);
        if (result.completed()) {
            store.succeeded(name);
        } else if ("FAILED".equals(result.status()) || result.timedOut()) {
            // A stop somebody asked for (SIGTERM, 'amibake stop', a lost lease) is no failure: the next start
            // or slot resumes it. A stop by build.timeout is: nobody asked for it, and it would come back nightly.
            int inARow = store.failed(name, result.error());
            int limit = version.recipe().schedule().pauseAfter();
            if (inARow >= limit) {
                store.pause(name, version.hash(), clock.instant());
                log.accept(name + ": " + inARow + " failed slots in a row; its schedule is paused until"
                        + " 'amibake schedule resume " + name + "' or an edit of " + version.file());
                events.paused(name, inARow, result.error());
                events.nextRun(name, null);
            }
        }
    }

    // ---- slots left running by a scheduler that was killed ----

    /**
     * Closes the slots of this process's recipes that another scheduler left {@link ScheduleStore#RUNNING}
     * when it was killed (SIGKILL, a lost host): its heartbeat is stale, or on this host its process
     * is gone, and the recipe's bake runs nowhere (no live lease).
     */
    private void closeSlotsLeftRunning() {
        Map<String, Entry> byName = new LinkedHashMap<>();
        entries.values().forEach(entry -> byName.put(entry.current.name(), entry));
        List<ScheduleStore.Slot> leftRunning;
        try {
            leftRunning = store.running();
        } catch (RuntimeException databaseUnreachable) {
            log.accept("could not look for slots left running: " + databaseUnreachable.getMessage());
            return;
        }
        for (ScheduleStore.Slot slot : leftRunning) {
            Entry entry = byName.get(slot.recipe());
            // A row of this owner that no slot of this process runs was left by an earlier process of
            // the same name: in a container, a restarted scheduler often gets the same pid.
            boolean mine = slot.owner().equals(owner);
            Future<?> runningHere = running.get(slot.recipe());
            if (entry == null || mine && runningHere != null && !runningHere.isDone()) {
                continue;
            }
            guarded(entry, () -> {
                if ((mine || !heartbeat.alive(slot.owner())) && launcher.running(slot.recipe()).isEmpty()) {
                    closeLeftRunning(entry.current, slot);
                }
            });
        }
    }

    /** Closes the slot with the outcome its bake had, recovering a bake left running; counts and tells it. */
    private void closeLeftRunning(RecipeFiles.Version version, ScheduleStore.Slot slot) {
        Optional<LeftSlot> left = LeftSlot.of(launcher, version, slot);
        if (left.isEmpty()) {
            return;
        }
        BakeResult result = left.get().result();
        if (!store.closeLeftRunning(version.name(), slot.at(), slot.owner(), left.get().outcome(), result.error(),
                result.bakeId(), result.executionId() < 0 ? null : result.executionId(), result.imageId(),
                clock.instant())) {
            return;
        }
        log.accept(version.name() + ": the slot at " + slot.at().atZone(version.recipe().schedule().zone())
                + " was left running by " + slot.owner() + ", which is gone; closed as "
                + left.get().outcome().toLowerCase().replace('_', ' '));
        counted(version, result, left.get().took());
    }

    private void guarded(Entry entry, Runnable body) {
        try {
            body.run();
        } catch (RuntimeException e) {
            // A database that is briefly down, or a recipe the cloud refuses, must not end the others' nights.
            log.accept(entry.current.name() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
    }

    private static Path key(Path file) {
        return file.toAbsolutePath().normalize();
    }

    /** A scheduled recipe: its current valid version and its next slot. */
    private static final class Entry {

        RecipeFiles.Version current;
        ZonedDateTime next;
        boolean pauseTold;

        Entry(RecipeFiles.Version current) {
            this.current = current;
        }
    }
}
