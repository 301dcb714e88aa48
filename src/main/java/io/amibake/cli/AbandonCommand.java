package io.amibake.cli;

import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeRef;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
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
                        + " retention decides those (docs/lifecycle.md)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:abandoned, and its instances removed",
                "2:no bake matches the name, the bake completed or was abandoned already, or bad input",
                "3:the bake's process still runs it, or the job repository is held or unreachable"})
final class AbandonCommand implements Callable<Integer> {

    @Parameters(paramLabel = BakeArgument.LABEL, arity = "0..1", description = BakeArgument.HELP)
    String bake;

    @Option(names = "--execution", paramLabel = BakeArgument.LABEL,
            description = "The same as the argument, for scripts written for earlier versions.")
    String execution;

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
        if ((bake == null) == (execution == null)) {
            err.println("amibake: name the bake to abandon: " + BakeArgument.HELP);
            return AmibakeCommand.USAGE;
        }
        if (cloud.sandbox) {
            err.println("amibake: an in-process sandbox has none of the bake's resources; use --endpoint-url");
            return AmibakeCommand.USAGE;
        }
        try (BakeContext context = BakeContext.open(home.resolve())) {
            BakeService bakes = context.launcher();
            BakeRef found = BakeArgument.find(bakes, execution != null ? execution : bake);
            if (found.status().equals("COMPLETED") || found.status().equals("ABANDONED")) {
                err.println("amibake: bake " + found.bakeId() + " (execution " + found.execution() + ") "
                        + found.status().toLowerCase() + "; nothing to abandon");
                return AmibakeCommand.USAGE;
            }
            BakeRef abandoned = bakes.abandon(found.execution(), cloud.settings(null), deleteImages,
                    out::println);
            out.println("bake " + abandoned.bakeId() + " (execution " + abandoned.execution() + ") is "
                    + abandoned.status());
            out.flush();
            return AmibakeCommand.OK;
        }
    }
}
