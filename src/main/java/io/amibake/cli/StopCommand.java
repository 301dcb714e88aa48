package io.amibake.cli;

import io.amibake.engine.api.Lease;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeRef;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
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
                        + "two seconds."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:asked to stop (with --wait: stopped)",
                "2:no bake matches the name, the bake does not run, or bad input",
                "3:with --wait, the bake still runs after 5 minutes; or the job repository is held or unreachable"})
final class StopCommand implements Callable<Integer> {

    /** How long --wait waits: a bake notices at its next look, at worst after an AWS call's 3-minute limit. */
    private static final Duration WAIT = Duration.ofMinutes(5);

    /** The statuses of an execution that runs, or was left running by a process that died. */
    private static final Set<String> RUNNING = Set.of("STARTING", "STARTED", "STOPPING");

    @Parameters(paramLabel = BakeArgument.LABEL, arity = "0..1", description = BakeArgument.HELP)
    String bake;

    @Option(names = "--execution", paramLabel = BakeArgument.LABEL,
            description = "The same as the argument, for scripts written for earlier versions.")
    String execution;

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
        if ((bake == null) == (execution == null)) {
            err.println("amibake: name the bake to stop: " + BakeArgument.HELP);
            return AmibakeCommand.USAGE;
        }
        try (BakeContext context = BakeContext.open(home.resolve())) {
            BakeService launcher = context.launcher();
            BakeRef running = BakeArgument.find(launcher, execution != null ? execution : bake);
            String recipeName = running.recipe();
            String named = "bake " + running.bakeId() + " (execution " + running.execution() + ")";
            if (!RUNNING.contains(running.status())) {
                err.println("amibake: " + named + " is " + running.status() + ", not running; nothing to stop");
                return AmibakeCommand.USAGE;
            }
            Optional<Lease> owner = launcher.running(recipeName);
            if (owner.isEmpty() || !Objects.equals(owner.get().executionId(), running.execution())) {
                err.println("amibake: " + named + " is marked " + running.status() + " but no process runs it (its"
                        + " process ended without saying so); nothing to stop: 'amibake resume " + recipeName
                        + "' recovers it");
                return AmibakeCommand.USAGE;
            }
            launcher.stop(running.execution());
            out.println("asked " + named + " to stop (" + owner.get().owner().replaceFirst(", bake .*", "")
                    + "); it stops at its next look");
            if (!await) {
                out.println("'amibake status " + recipeName + "' shows when it has; 'amibake resume " + recipeName
                        + "' then goes on from its checkpoint");
                return AmibakeCommand.OK;
            }
            Optional<BakeRef> ended = launcher.awaitEnd(running.execution(), WAIT);
            if (ended.isEmpty()) {
                err.println("amibake: " + named + " still runs after " + WAIT.toMinutes() + " minutes; its process"
                        + " may not reach the job repository (see 'amibake status " + recipeName + "')");
                return AmibakeCommand.BUSY;
            }
            out.println(named + " is " + ended.get().status()
                    + ("STOPPED".equals(ended.get().status())
                    ? "; 'amibake resume " + recipeName + "' goes on from its checkpoint" : ""));
            return AmibakeCommand.OK;
        }
    }
}
