package io.amibake.cli;

import io.amibake.cloud.AwsClients;
import io.amibake.engine.run.BakeCleanup;
import io.amibake.engine.state.BakeState;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.concurrent.Callable;
import org.springframework.batch.core.BatchStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code amibake abandon}: gives a bake up for good and removes its build instance. */
@Command(name = "abandon", mixinStandardHelpOptions = true,
        description = {"Mark a bake abandoned (it can no longer resume) and terminate its build, test and"
                + " untested instances in every region.",
                "With --delete-images, also deregister the images it made, in every region, and delete "
                        + "their snapshots.",
                "Never touched: instances that passed their deploy test, images in use (SSM parameter, launch"
                        + " template, instance) or protected, and what a region that completed published:"
                        + " retention decides those (docs/lifecycle.md)."})
final class AbandonCommand implements Callable<Integer> {

    @Option(names = "--execution", required = true, paramLabel = "ID", description = "An execution of the bake.")
    long execution;

    @Option(names = "--delete-images", description = "Also remove the bake's images and snapshots everywhere.")
    boolean deleteImages;

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
        if (cloud.sandbox) {
            err.println("amibake: an in-process sandbox has none of the bake's resources; use --endpoint-url");
            return AmibakeCommand.USAGE;
        }
        try (BakeContext context = BakeContext.open(home.resolve())) {
            var runner = context.launcher();
            var found = runner.execution(execution);
            if (found.isEmpty()) {
                err.println("amibake: no bake with execution " + execution);
                return AmibakeCommand.USAGE;
            }
            if (found.get().getStatus() == BatchStatus.COMPLETED || found.get().getStatus() == BatchStatus.ABANDONED) {
                err.println("amibake: bake " + execution + " " + found.get().getStatus().name().toLowerCase()
                        + "; nothing to abandon");
                return AmibakeCommand.USAGE;
            }
            BakeState state = BakeState.of(found.get());
            var abandoned = runner.abandon(found.get());
            out.println("bake " + state.bakeId() + " (execution " + abandoned.getId() + ") is " + abandoned.getStatus());
            if (state.recipeYaml() == null) {
                return AmibakeCommand.OK;
            }
            try (AwsClients clients = new AwsClients(cloud.settings(null))) {
                BakeCleanup cleanup = new BakeCleanup(clients, Clock.systemUTC(), out::println);
                cleanup.terminateInstances(state.recipe(), state.bakeId());
                if (deleteImages) {
                    cleanup.deleteImages(state.recipe(), state.bakeId());
                }
            }
            return AmibakeCommand.OK;
        }
    }
}
