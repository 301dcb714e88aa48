package io.amibake.cli;

import io.amibake.engine.api.Lease;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.state.BakeParameters;
import io.amibake.engine.state.BakeState;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.springframework.batch.core.job.JobExecution;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code amibake stop}: asks a running bake to stop, wherever it runs. */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = {"Ask a running bake to stop at its next look, in whichever process or host runs it: it ends "
                + "STOPPED, and 'amibake resume' goes on from its checkpoint.",
                "The request goes through the job repository; the process running the bake looks for it every "
                        + "two seconds."})
final class StopCommand implements Callable<Integer> {

    /** How long --wait waits: a bake notices at its next look, at worst after an AWS call's 3-minute limit. */
    private static final Duration WAIT = Duration.ofMinutes(5);

    @Parameters(paramLabel = "RECIPE", arity = "0..1", description = "The recipe's name, or its file.")
    String recipe;

    @Option(names = "--execution", paramLabel = "ID", description = "Stop this execution's bake.")
    Long execution;

    @Option(names = "--wait", description = "Wait until the bake has stopped (up to 5 minutes).")
    boolean await;

    @Mixin
    HomeOption home;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if ((recipe == null) == (execution == null)) {
            err.println("amibake: name a recipe or give --execution ID, not both");
            return AmibakeCommand.USAGE;
        }
        String named = recipe == null ? null : recipeName(recipe, err);
        try (BakeContext context = BakeContext.open(home.resolve())) {
            BakeService launcher = context.launcher();
            JobExecution running;
            if (execution != null) {
                running = launcher.execution(execution).orElse(null);
                if (running == null) {
                    err.println("amibake: no bake with execution " + execution);
                    return AmibakeCommand.USAGE;
                }
            } else {
                running = launcher.runningExecution(named).orElse(null);
                if (running == null) {
                    err.println("amibake: no bake of recipe '" + named + "' is running; nothing to stop");
                    return AmibakeCommand.USAGE;
                }
            }
            String recipeName = running.getJobParameters().getString(BakeParameters.RECIPE);
            String bake = "bake " + BakeState.of(running).bakeId() + " (execution " + running.getId() + ")";
            if (!running.getStatus().isRunning()) {
                err.println("amibake: " + bake + " is " + running.getStatus() + ", not running; nothing to stop");
                return AmibakeCommand.USAGE;
            }
            Optional<Lease> owner = launcher.running(recipeName);
            if (owner.isEmpty() || !Objects.equals(owner.get().executionId(), running.getId())) {
                err.println("amibake: " + bake + " is marked " + running.getStatus() + " but no process runs it (its"
                        + " process ended without saying so); nothing to stop: 'amibake resume " + recipeName
                        + "' recovers it");
                return AmibakeCommand.USAGE;
            }
            launcher.stop(running.getId());
            out.println("asked " + bake + " to stop (" + owner.get().owner().replaceFirst(", bake .*", "")
                    + "); it stops at its next look");
            if (!await) {
                out.println("'amibake status " + recipeName + "' shows when it has; 'amibake resume " + recipeName
                        + "' then goes on from its checkpoint");
                return AmibakeCommand.OK;
            }
            Optional<JobExecution> ended = launcher.awaitEnd(running.getId(), WAIT);
            if (ended.isEmpty()) {
                err.println("amibake: " + bake + " still runs after " + WAIT.toMinutes() + " minutes; its process"
                        + " may not reach the job repository (see 'amibake status " + recipeName + "')");
                return AmibakeCommand.BUSY;
            }
            out.println(bake + " is " + ended.get().getStatus()
                    + ("STOPPED".equals(ended.get().getStatus().name())
                    ? "; 'amibake resume " + recipeName + "' goes on from its checkpoint" : ""));
            return AmibakeCommand.OK;
        }
    }

    private static String recipeName(String recipe, PrintWriter err) {
        Path file = Path.of(recipe);
        if (Files.isRegularFile(file)) {
            BakeCommand.Loaded loaded = BakeCommand.load(file, Map.of(), err);
            return loaded == null ? recipe : loaded.recipe().name();
        }
        return recipe;
    }
}
