package io.amibake.cli;

import io.amibake.cloud.AwsClients;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.Target;
import io.amibake.engine.api.BakeResult;
import io.amibake.notify.Notifier;
import io.amibake.notify.NotifySettings;
import io.amibake.sandbox.Sandbox;
import io.amibake.text.TerminalText;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;

/**
 * What the command line adds around one run of a bake: the in-process sandbox when asked for,
 * the Spring context, the events printed, and the result turned into an exit code. Locks,
 * leases and Ctrl-C belong to {@link BakeService}.
 */
final class BakeSession {

    interface Body {
        /**
         * @param target the target a new bake runs against
         * @param chosen the target the command line names for a resume, or null: the bake's own
         */
        BakeResult run(BakeService launcher, Target target, Target chosen, BakeEvents events) throws Exception;
    }

    private BakeSession() {
    }

    static int run(Path home, String recipe, CloudOptions cloud, boolean json, PrintWriter out, PrintWriter err,
                   Body body) throws Exception {
        if (cloud.machinesProblem() != null) {
            err.println("amibake: " + cloud.machinesProblem());
            return AmibakeCommand.USAGE;
        }
        AwsClients.warmUp(cloud.settings(null));
        try (Sandbox sandbox = cloud.sandbox ? Sandbox.start(cloud.sandboxOptions()) : null;
             BakeContext context = BakeContext.open(home);
             Notifier notifier = Notifier.create(context.launcher(), context.bean(NotifySettings.class),
                     problem -> err.println("amibake: " + problem))) {
            URI sandboxEndpoint = sandbox == null ? null : sandbox.endpoint();
            if (sandbox != null && !json) {
                out.println("sandbox:  " + sandboxEndpoint + " (time scale " + cloud.timeScale + ")"
                        + (sandbox.machines().real() ? ", real Debian machines" : ""));
            }
            if (sandbox != null) {
                sandbox.machines().fallback().ifPresent(line -> err.println("amibake: " + line));
            }
            BakeEvents events = json ? new JsonEvents(out) : new ConsoleEvents(out,
                    ConsoleEvents.live(System.getenv(), System.console() != null), recipe);
            long began = System.nanoTime();
            BakeResult result = body.run(context.launcher(), cloud.target(sandboxEndpoint),
                    cloud.chosen(sandboxEndpoint), events);
            notifier.bakeFinished(recipe, result, java.time.Duration.ofNanos(System.nanoTime() - began));
            if (!result.completed() && result.error() != null && !json) {
                err.println("amibake: bake " + result.bakeId() + " " + result.status().toLowerCase() + ": "
                        + TerminalText.safe(result.error()));
                err.println("amibake: fix the cause, then run 'amibake resume " + recipe + "'");
            }
            return result.completed() ? AmibakeCommand.OK : AmibakeCommand.FAILED;
        }
    }
}
