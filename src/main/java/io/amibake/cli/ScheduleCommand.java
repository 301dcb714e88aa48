package io.amibake.cli;

import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.TestClock;
import io.amibake.engine.store.BakeSettings;
import io.amibake.engine.state.BakeState;
import io.amibake.notify.Notifier;
import io.amibake.notify.NotifySettings;
import io.amibake.recipe.RecipeException;
import io.amibake.recipe.Schedule;
import io.amibake.sandbox.Sandbox;
import io.amibake.schedule.RecipeFiles;
import io.amibake.schedule.ScheduleEvents;
import io.amibake.schedule.ScheduleEventsList;
import io.amibake.schedule.ScheduleStore;
import io.amibake.schedule.ScheduleVariables;
import io.amibake.schedule.Scheduler;
import io.amibake.text.TerminalText;
import io.amibake.web.Serve;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import javax.sql.DataSource;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code amibake schedule}: bakes every scheduled recipe on time in one long-running process,
 * lists the schedules, or resumes a paused one. The scheduling itself is {@link Scheduler}'s.
 */
@Command(name = "schedule", mixinStandardHelpOptions = true,
        description = {"Bake each recipe with a 'schedule' section on time, in one process that runs until stopped"
                + " (SIGTERM or Ctrl-C: running bakes stop resumable, and resume at the next start).",
                "A failed or stopped bake is resumed by the next slot; 'when: sourceChanged' skips a slot when"
                        + " nothing changed; a slot whose previous bake still runs is skipped; after 'pauseAfter'"
                        + " failures in a row (a build.timeout counts) the schedule pauses. Recipe files are read"
                        + " again as they change.",
                "Several processes may share one PostgreSQL job repository: each slot runs once among them.",
                "A webhook that cannot be reached at start-up is a warning: the bakes go on.",
                "It exits 2 at start-up for a bad recipe, setting or directory or a secret variable nobody gave,"
                        + " 3 when the job repository is held"
                        + " or unreachable; after SIGTERM the exit status is the signal's (143). A bake's failure"
                        + " is reported and never ends the process."},
        subcommands = ScheduleCommand.Resume.class)
final class ScheduleCommand implements Callable<Integer> {

    /** How long a webhook's host may take to accept a connection at start-up. */
    private static final Duration WEBHOOK_CHECK = Duration.ofSeconds(5);

    @Parameters(paramLabel = "DIR|RECIPE", arity = "0..*",
            description = "Recipe files, and directories whose .yaml and .yml files are recipes.")
    List<Path> paths = List.of();

    @Option(names = "--list", description = "Print each recipe's next run, last outcome and last image, and exit.")
    boolean list;

    @Option(names = "--var", paramLabel = "[RECIPE.]NAME=VALUE", description = {"A variable's value for every"
            + " scheduled recipe that declares NAME, or with RECIPE. for that recipe only (repeatable); wins over"
            + " --var-file. Secret variables must be given, here or in --var-file: amibake never stores them.",
            "The command line shows in 'ps': give secrets in --var-file."})
    List<String> vars = List.of();

    @Option(names = "--var-file", paramLabel = "FILE", description = {"Variables, one [RECIPE.]NAME=VALUE a line"
            + " ('#' comments): the place for secret variables, e.g. a 0600 file or systemd's LoadCredential."})
    Path varFile;

    @Option(names = "--http-port", paramLabel = "PORT",
            description = {"Serve health on /actuator/health, Prometheus metrics on /actuator/prometheus and the"
                    + " console on 127.0.0.1:PORT: the same as 'amibake serve --port PORT' (docs/serve.md)."})
    Integer httpPort;

    @Option(names = "--http-address", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "The address --http-port listens on (default: ${DEFAULT-VALUE}, this machine only;"
                    + " 0.0.0.0 for every interface).")
    String httpAddress;

    @Mixin
    CloudOptions cloud;

    @Mixin
    HomeOption home;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return run(httpPort == null ? null : Map.of("server.port", httpPort, "server.address", httpAddress));
    }

    /**
     * Schedules the recipes until stopped, and with {@code serve} not null also serves the console,
     * health and metrics with those properties (what {@code amibake serve} does).
     */
    int run(Map<String, Object> serve) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (paths.isEmpty()) {
            err.println("amibake: name a directory of recipes or recipe files, e.g. 'amibake schedule recipes/'");
            return AmibakeCommand.USAGE;
        }
        ScheduleVariables variables;
        try {
            variables = ScheduleVariables.of(varFile, vars, err::println);
        } catch (IllegalArgumentException e) {
            err.println("amibake: " + e.getMessage());
            return AmibakeCommand.USAGE;
        }
        // --list bakes nothing: a secret nobody gave gets a stand-in there, and refuses the recipe otherwise.
        RecipeFiles files = new RecipeFiles(paths, variables, list);
        List<RecipeFiles.Version> recipes = scheduled(files, paths, out, err);
        if (recipes == null) {
            return AmibakeCommand.USAGE;
        }
        List<String> unused = variables.unused(recipes);
        if (!unused.isEmpty()) {
            unused.forEach(err::println);
            return AmibakeCommand.USAGE;
        }
        if (list) {
            try (BakeContext context = BakeContext.open(home.resolve())) {
                ScheduleStore store = new ScheduleStore(context.bean(DataSource.class), cloud.scheduleKey());
                list(recipes, context.launcher(), store, context.bean(BakeSettings.class).leaseTtl(), out);
            }
            return AmibakeCommand.OK;
        }
        if (cloud.machinesProblem() != null) {
            err.println("amibake: " + cloud.machinesProblem());
            return AmibakeCommand.USAGE;
        }
        try (Sandbox sandbox = cloud.sandbox ? Sandbox.start(cloud.sandboxOptions()) : null;
             BakeContext context = BakeContext.open(home.resolve(), serve == null ? Map.of()
                     : Map.of("spring.config.additional-location", Serve.SETTINGS))) {
            URI sandboxEndpoint = sandbox == null ? null : sandbox.endpoint();
            AwsSettings aws = cloud.settings(sandboxEndpoint);
            try (AwsClients clients = new AwsClients(aws)) {
                clients.checkCredentials();
            }
            ScheduleConsole console = new ScheduleConsole(out);
            if (sandbox != null) {
                console.line("sandbox: " + sandboxEndpoint + " (time scale " + cloud.timeScale + ")");
            }
            Optional<String> deadWebhook = webhooks(recipes, context.bean(NotifySettings.class)).stream()
                    .map(url -> Notifier.unreachable(url, WEBHOOK_CHECK)).flatMap(Optional::stream).findFirst();
            // A chat outage must not stop the nightly bakes: each notification is tried when it is due.
            deadWebhook.ifPresent(dead -> err.println("amibake: warning: " + dead + "; the schedule runs, and each"
                    + " notification is tried when it is due (check the notify url or AMIBAKE_NOTIFY_URL)"));
            err.flush();
            Serve web;
            try {
                web = serve == null ? null : Serve.start(context.context(), serve);
            } catch (RuntimeException e) {
                err.println("amibake: cannot serve the console: " + rootMessage(e) + "; see docs/serve.md");
                return AmibakeCommand.USAGE;
            }
            Notifier notifier = Notifier.create(context.launcher(), context.bean(NotifySettings.class), console::line)
                    .linking(web == null ? execution -> null : web.settings()::bakeUrl);
            List<ScheduleEvents> watchers = new ArrayList<>(List.of(console, notifier));
            if (web != null) {
                watchers.add(web.events());
            }
            ScheduleEvents events = new ScheduleEventsList(watchers, console::line);
            BakeSettings settings = context.bean(BakeSettings.class);
            String owner = "host " + settings.host() + ", pid " + ProcessHandle.current().pid();
            ScheduleStore store = new ScheduleStore(context.bean(DataSource.class),
                    cloud.target(sandboxEndpoint).scheduleKey());
            // A scheduler counts as alive as long as a bake's lease does without a heartbeat.
            Scheduler scheduler = new Scheduler(context.launcher(), store, files, recipes,
                    cloud.target(sandboxEndpoint), events, console::bakeEvents, console::line,
                    TestClock.orSystem(ZoneId.systemDefault()), owner, settings.host(), settings.leaseTtl());
            Duration grace = web == null ? Duration.ofSeconds(60) : web.settings().shutdownGrace();
            if (web != null) {
                web.attach(scheduler, store, cloud.target(sandboxEndpoint));
                console.line("console: " + web.address() + "; health on /actuator/health, metrics on"
                        + " /actuator/prometheus");
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                console.line("stopping: running bakes stop at their next look and resume at the next start");
                scheduler.close(grace);
                notifier.close();
                if (web != null) {
                    web.close();
                }
                stopped.countDown();
            }, "amibake-schedule-stop"));
            for (RecipeFiles.Version recipe : recipes) {
                console.line(recipe.name() + ": scheduled from " + recipe.file() + " ("
                        + Scheduler.describe(recipe.recipe().schedule()) + ")");
            }
            scheduler.start();
            stopped.await();
            return AmibakeCommand.OK;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    /** Every webhook the scheduled recipes notify: each recipe's own, else the global one. */
    private static Set<URI> webhooks(List<RecipeFiles.Version> recipes, NotifySettings global) {
        Set<URI> urls = new LinkedHashSet<>();
        for (RecipeFiles.Version recipe : recipes) {
            URI url = recipe.recipe().notifications().url();
            if (url != null) {
                urls.add(url);
            }
        }
        if (global.url() != null && recipes.stream().anyMatch(r -> r.recipe().notifications().url() == null)) {
            urls.add(global.url());
        }
        return urls;
    }

    /**
     * Reads every recipe once at start-up: a wrong one is bad input (exit 2) now, where later it
     * would only be reported and skipped. A recipe file named on its own must have a schedule; in
     * a directory, recipes without one are left out with a note.
     */
    static List<RecipeFiles.Version> scheduled(RecipeFiles files, List<Path> named, PrintWriter out,
                                               PrintWriter err) {
        List<Path> listed;
        try {
            listed = files.list();
        } catch (UncheckedIOException e) {
            err.println("amibake: " + e.getMessage());
            return null;
        }
        List<RecipeFiles.Version> recipes = new ArrayList<>();
        Map<String, Path> byName = new HashMap<>();
        boolean bad = false;
        for (Path file : listed) {
            RecipeFiles.Version version;
            try {
                version = files.load(file);
            } catch (RecipeException e) {
                err.println(e.report());
                bad = true;
                continue;
            }
            if (version.recipe().schedule() == null) {
                if (named.contains(file)) {
                    err.println(file + ": no schedule section; add one such as 'schedule: {cron: \"0 2 * * *\","
                            + " zone: UTC}' (docs/recipes.md#schedule)");
                    bad = true;
                } else {
                    out.println("note: " + file + " has no schedule section; not scheduled");
                }
                continue;
            }
            Path other = byName.putIfAbsent(version.name(), file);
            if (other != null) {
                err.println(file + ": recipe '" + version.name() + "' is also in " + other
                        + "; a recipe can be scheduled once");
                bad = true;
                continue;
            }
            recipes.add(version);
        }
        if (!bad && recipes.isEmpty()) {
            err.println("amibake: no recipe with a schedule section in " + named.stream().map(Path::toString)
                    .reduce((a, b) -> a + ", " + b).orElse(""));
            return null;
        }
        return bad ? null : recipes;
    }

    private static void list(List<RecipeFiles.Version> recipes, BakeService launcher, ScheduleStore store,
                             Duration aliveFor, PrintWriter out) {
        String format = "%-24s %-26s %-40s %s%n";
        out.printf(format, "RECIPE", "NEXT RUN", "LAST SLOT", "LAST IMAGE");
        ZonedDateTime now = ZonedDateTime.now();
        for (RecipeFiles.Version recipe : recipes) {
            String name = recipe.name();
            Schedule schedule = recipe.recipe().schedule();
            ScheduleStore.State state = store.state(name);
            String next = state.paused() ? "paused (" + state.failuresInARow() + " failures)"
                    : launcher.running(name).isPresent() ? "running now"
                    : schedule.next(now).format(ScheduleConsole.SLOT);
            String last = store.latest(name)
                    .map(slot -> slot.at().atZone(schedule.zone()).format(ScheduleConsole.SLOT) + " "
                            + slot.outcome().toLowerCase().replace('_', ' ') + (slot.resumed() ? " (resumed)" : ""))
                    .orElse("none");
            String image = launcher.latestExecutions(name, 50).stream()
                    .filter(e -> e.getStatus() == BatchStatus.COMPLETED)
                    .findFirst()
                    .map(ScheduleCommand::imageOf)
                    .orElse("none");
            out.printf(format, name, next, TerminalText.safe(last), image);
            store.latest(name).filter(slot -> slot.detail() != null && !"COMPLETED".equals(slot.outcome()))
                    .ifPresent(slot -> out.println("  " + TerminalText.safe(slot.detail().lines().findFirst()
                            .orElse(""))));
            store.latest(name).filter(slot -> ScheduleStore.RUNNING.equals(slot.outcome()))
                    .filter(slot -> launcher.running(name).isEmpty() && store.heartbeat(slot.owner())
                            .map(beat -> beat.aliveAt().plus(aliveFor).isBefore(Instant.now())).orElse(true))
                    .ifPresent(slot -> out.println("  " + TerminalText.safe("left running by " + slot.owner()
                            + ", which is gone; a running scheduler closes it with its bake's outcome")));
        }
    }

    private static String imageOf(JobExecution completed) {
        BakeState state = BakeState.of(completed);
        return state.imageId() + " (bake " + state.bakeId() + ")";
    }

    /** {@code amibake schedule resume RECIPE}: lifts a pause that failures in a row put on a schedule. */
    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = {"Resume the paused schedule of a recipe: its next slot runs again.",
                    "The failures in a row are forgotten; editing the recipe does the same."})
    static final class Resume implements Callable<Integer> {

        @Parameters(paramLabel = "RECIPE", description = "The recipe's name, or its file.")
        String recipe;

        @Mixin
        HomeOption home;

        /** Whose schedule: each target keeps its own (--sandbox, --endpoint, --profile as the schedule ran). */
        @Mixin
        CloudOptions cloud;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String name = recipe;
            Path file = Path.of(recipe);
            if (Files.isRegularFile(file)) {
                try {
                    name = new RecipeFiles(List.of(), ScheduleVariables.NONE, true).load(file).name();
                } catch (RecipeException e) {
                    err.println(e.report());
                    return AmibakeCommand.USAGE;
                }
            }
            try (BakeContext context = BakeContext.open(home.resolve())) {
                ScheduleStore store = new ScheduleStore(context.bean(DataSource.class), cloud.scheduleKey());
                if (store.resume(name)) {
                    out.println("the schedule of " + name + " resumes: its next slot runs");
                    return AmibakeCommand.OK;
                }
                if (!store.known(name)) {
                    err.println("amibake: no schedule of recipe '" + name + "' against " + cloud.scheduleKey()
                            + " is known to this job repository (no slot of it ever ran here; each target, as"
                            + " --sandbox, --endpoint or --profile name it, keeps its own schedule); check the name and"
                            + " the target, or see 'amibake schedule --list DIR'");
                    return AmibakeCommand.USAGE;
                }
            }
            err.println("amibake: the schedule of " + name + " is not paused");
            return AmibakeCommand.NOTHING_TO_RESUME;
        }
    }
}
