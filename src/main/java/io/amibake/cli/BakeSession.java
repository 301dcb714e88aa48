package io.amibake.cli;

import io.amibake.aws.AwsSettings;
import io.amibake.bake.BakeEvents;
import io.amibake.bake.BakeResult;
import io.amibake.bake.BakeRunner;
import io.amibake.bake.RecipeLock;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxOptions;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Everything around one run of a bake: the recipe's lock, the in-process sandbox when asked for,
 * the Spring context, and Ctrl-C, which stops the bake cleanly (STOPPED, resumable).
 */
final class BakeSession {

    /** Exit code when another bake of the same recipe is running. */
    static final int BUSY = 3;

    interface Body {
        /** Runs the bake; null when it found nothing to run, after saying why. */
        BakeResult run(BakeRunner runner, AwsSettings aws, String target, BakeEvents events) throws Exception;
    }

    private BakeSession() {
    }

    /** Names the running execution in the recipe's lock once it is known. */
    private record LockDescribingEvents(BakeEvents delegate, RecipeLock lock) implements BakeEvents {

        @Override
        public void bakeStarted(long execution, String bakeId) {
            lock.describe("pid " + ProcessHandle.current().pid() + ", bake " + bakeId + ", execution " + execution);
            delegate.bakeStarted(execution, bakeId);
        }

        @Override
        public void stepStarted(String step) {
            delegate.stepStarted(step);
        }

        @Override
        public void stepFinished(String step, String status, java.time.Duration took, String detail) {
            delegate.stepFinished(step, status, took, detail);
        }

        @Override
        public void note(String step, String message) {
            delegate.note(step, message);
        }

        @Override
        public void commandFinished(String step, String command, String status, int exitCode, String stdoutTail,
                                    String stderrTail) {
            delegate.commandFinished(step, command, status, exitCode, stdoutTail, stderrTail);
        }

        @Override
        public void bakeFinished(long execution, String status, java.util.Map<String, Object> summary) {
            delegate.bakeFinished(execution, status, summary);
        }
    }

    static int run(Path home, String recipe, CloudOptions cloud, boolean json, PrintWriter out, PrintWriter err,
                   Body body) throws Exception {
        var acquired = RecipeLock.acquire(home, recipe, "pid " + ProcessHandle.current().pid());
        if (acquired.lock().isEmpty()) {
            err.println("amibake: another bake of recipe '" + recipe + "' is running (" + acquired.holder()
                    + "); see 'amibake status " + recipe + "'");
            return BUSY;
        }
        try (RecipeLock lock = acquired.lock().get();
             Sandbox sandbox = cloud.sandbox
                     ? Sandbox.start(SandboxOptions.defaults().withPort(0).withTimeScale(cloud.timeScale)) : null;
             BakeContext context = BakeContext.open(home)) {
            URI sandboxEndpoint = sandbox == null ? null : sandbox.endpoint();
            if (sandbox != null && !json) {
                out.println("sandbox:  " + sandboxEndpoint + " (time scale " + cloud.timeScale + ")");
            }
            BakeRunner runner = context.runner();
            CountDownLatch finished = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                runner.requestStop();
                try {
                    finished.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "amibake-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                BakeEvents events = json ? new JsonEvents(out) : new ConsoleEvents(out,
                        ConsoleEvents.live(System.getenv(), System.console() != null), recipe);
                events = new LockDescribingEvents(events, lock);
                BakeResult result = body.run(runner, cloud.settings(sandboxEndpoint), cloud.target(sandboxEndpoint),
                        events);
                if (result == null) {
                    return AmibakeCommand.USAGE;
                }
                if (!result.completed() && result.error() != null && !json) {
                    err.println("amibake: bake " + result.bakeId() + " " + result.status().toLowerCase() + ": "
                            + result.error());
                    err.println("amibake: fix the cause, then run 'amibake resume " + recipe + "'");
                }
                return result.completed() ? AmibakeCommand.OK : AmibakeCommand.FAILED;
            } finally {
                finished.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the hook is running and waits for this run to end.
                }
            }
        }
    }
}
