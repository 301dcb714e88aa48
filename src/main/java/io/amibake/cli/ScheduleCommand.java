package io.amibake.cli;

import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.TestClock;
import io.amibake.engine.store.BakeSettings;
import io.amibake.engine.state.BakeState;
import io.amibake.metrics.MetricsServer;
import io.amibake.notify.Notifier;
import io.amibake.notify.NotifySettings;
import io.amibake.recipe.RecipeException;
import io.amibake.recipe.Schedule;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxOptions;
import io.amibake.schedule.RecipeFiles;
import io.amibake.schedule.ScheduleEvents;
import io.amibake.schedule.ScheduleEventsList;
import io.amibake.schedule.ScheduleStore;
import io.amibake.schedule.ScheduleVariables;
import io.amibake.schedule.Scheduler;
import io.amibake.text.TerminalText;
import java.io.IOException;
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
            description = "Serve health on /actuator/health and Prometheus metrics on /actuator/prometheus.")
    Integer httpPort;

    @Mixin
    CloudOptions cloud;

    @Mixin
    HomeOption home;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
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
                list(recipes, context.launcher(), new ScheduleStore(context.bean(DataSource.class)),
                        context.bean(BakeSettings.class).leaseTtl(), out);
            }
            return AmibakeCommand.OK;
        }
        try (Sandbox sandbox = cloud.sandbox
                     ? Sandbox.start(SandboxOptions.defaults().withPort(0).withTimeScale(cloud.timeScale)) : null;
             BakeContext context = BakeContext.open(home.resolve())) {
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
            if (deadWebhook.isPresent()) {
                err.println("amibake: " + deadWebhook.get() + "; fix the notify url or AMIBAKE_NOTIFY_URL");
                return AmibakeCommand.USAGE;
            }
            MetricsServer metrics = metrics(context.launcher(), err);
            if (httpPort != null && metrics == null) {
                return AmibakeCommand.USAGE;
            }
            Notifier notifier = Notifier.create(context.launcher(), context.bean(NotifySettings.class), console::line);
            List<ScheduleEvents> watchers = new ArrayList<>(List.of(console, notifier));
            if (metrics != null) {
                watchers.add(metrics.events());
                console.line("health and metrics: http://localhost:" + metrics.port() + "/actuator/health and"
                        + " /actuator/prometheus");
            }
            ScheduleEvents events = new ScheduleEventsList(watchers, console::line);
            BakeSettings settings = context.bean(BakeSettings.class);
            String owner = "host " + settings.host() + ", pid " + ProcessHandle.current().pid();
            // A scheduler counts as alive as long as a bake's lease does without a heartbeat.
            Scheduler scheduler = new Scheduler(context.launcher(), new ScheduleStore(context.bean(DataSource.class)),
                    files, recipes, cloud.target(sandboxEndpoint), events, console::bakeEvents, console::line,
                    TestClock.orSystem(ZoneId.systemDefault()), owner, settings.host(), settings.leaseTtl());
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                console.line("stopping: running bakes stop at their next look and resume at the next start");
                scheduler.close(Duration.ofSeconds(60));
                notifier.close();
                if (metrics != null) {
                    metrics.close();
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

    /** The health and metrics server that {@code --http-port} asks for; null without it, or when the port is taken. */
    private MetricsServer metrics(BakeService launcher, PrintWriter err) {
        if (httpPort == null) {
            return null;
        }
        try {
            return MetricsServer.start(httpPort, launcher);
        } catch (IOException | IllegalArgumentException e) {
            err.println("amibake: cannot serve health and metrics on port " + httpPort + ": " + e.getMessage()
                    + "; choose a free port with --http-port");
            return null;
        }
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
                if (new ScheduleStore(context.bean(DataSource.class)).resume(name)) {
                    out.println("the schedule of " + name + " resumes: its next slot runs");
                    return AmibakeCommand.OK;
                }
            }
            err.println("amibake: the schedule of " + name + " is not paused");
            return AmibakeCommand.NOTHING_TO_RESUME;
        }
    }
}
