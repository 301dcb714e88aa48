package io.amibake.cli;

import io.amibake.sandbox.LatencyProfile;
import io.amibake.sandbox.MachineOptions;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code amibake sandbox}: serves a local EC2 and SSM endpoint until stopped. Its state outlives any
 * client, so a bake can be killed and resumed against the same cloud. Starts no Spring context.
 */
@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = {"Serves a local EC2 and SSM endpoint that the AWS SDK and the aws CLI talk to, until stopped.",
                "Point clients at it with --endpoint-url (any credentials work). See docs/sandbox.md."})
public final class SandboxCommand implements Callable<Integer> {

    private static final Pattern FAIL = Pattern.compile("([A-Za-z]+)(?:@([a-z0-9-]+))?=([A-Za-z][A-Za-z0-9.]*?)(?:x(\\d+))?");
    private static final Pattern DROP = Pattern.compile("([A-Za-z]+)(?:@([a-z0-9-]+))?(?:x(\\d+))?");
    private static final Pattern DENY = Pattern.compile("([A-Za-z]+)(?:@([a-z0-9-]+))?");
    private static final Pattern EXIT = Pattern.compile("(\\d+)(?:x(\\d+))?");

    @Spec
    private CommandSpec spec;

    @Option(names = "--port", defaultValue = "4566", description = "TCP port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--time-scale", defaultValue = "1.0", paramLabel = "X",
            description = "Multiply every latency by X; 0.01 runs a bake in seconds (default: ${DEFAULT-VALUE}).")
    private double timeScale;

    @Option(names = "--latency-profile", paramLabel = "FILE",
            description = "Latency profile: lines of 'key: duration' (e.g. image-create: 4m); see docs/sandbox.md.")
    private Path profile;

    @Option(names = "--no-throttling", description = "Turn off the EC2 and SSM token buckets.")
    private boolean noThrottling;

    @Option(names = "--fail", paramLabel = "OPERATION[@REGION]=CODE[xN]",
            description = "Fail the next N (default 1) calls of OPERATION with CODE, e.g. RunInstances@us-east-1=InsufficientInstanceCapacityx2.")
    private List<String> fails = new ArrayList<>();

    @Option(names = "--drop", paramLabel = "OPERATION[@REGION][xN]",
            description = "Close the connection without an answer on the next N calls of OPERATION.")
    private List<String> drops = new ArrayList<>();

    @Option(names = "--fail-command", paramLabel = "REGEX=EXIT[xN]",
            description = "Fail the next N commands with a line matching REGEX with exit code EXIT.")
    private List<String> failCommands = new ArrayList<>();

    @Option(names = "--deny", paramLabel = "OPERATION[@REGION]",
            description = "Refuse every call of OPERATION, DryRun or not, as IAM would (UnauthorizedOperation).")
    private List<String> denies = new ArrayList<>();

    @Option(names = "--fail-image", paramLabel = "REGION",
            description = "The next CreateImage or CopyImage in REGION ends 'failed'.")
    private List<String> failImages = new ArrayList<>();

    @Option(names = "--machines", paramLabel = "DISTRIBUTION",
            description = {"Instances of the Debian image (and of images made from them) are real machines: "
                    + "systemd-nspawn containers that run every command for real. 'debian' is the only one; needs root.",
                    "See docs/sandbox.md, \"Real machines\"."})
    private String machines;

    @Option(names = "--machines-cache", paramLabel = "DIR",
            description = "Where the Debian base image and the apt proxy's packages are kept "
                    + "(default: $AMIBAKE_MACHINES_CACHE, else /var/cache/amibake/machines).")
    private Path machinesCache;

    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        SandboxOptions options;
        try {
            options = new SandboxOptions(port, timeScale, !noThrottling,
                    profile == null ? LatencyProfile.aws() : LatencyProfile.load(profile));
            if (machines != null) {
                MachineOptions machineOptions = MachineOptions.of(machines);
                options = options.withMachines(machinesCache == null ? machineOptions
                        : machineOptions.withCacheDir(machinesCache));
            } else if (machinesCache != null) {
                throw new IllegalArgumentException("--machines-cache needs --machines");
            }
            validateFaults();
        } catch (IOException | IllegalArgumentException e) {
            err.println("amibake sandbox: " + e.getMessage());
            err.flush();
            return AmibakeCommand.USAGE;
        }
        Sandbox sandbox;
        try {
            sandbox = Sandbox.start(options);
        } catch (IOException e) {
            err.println("amibake sandbox: cannot listen on 127.0.0.1:" + port + ": " + e.getMessage());
            err.flush();
            return AmibakeCommand.USAGE;
        } catch (RuntimeException e) {
            err.println("amibake sandbox: cannot start the real machines: " + e.getMessage());
            err.flush();
            return AmibakeCommand.FAILED;
        }
        try {
            serve(sandbox, err);
        } finally {
            sandbox.close();
            closed.countDown();
        }
        return AmibakeCommand.OK;
    }

    private void serve(Sandbox sandbox, PrintWriter err) {
        armFaults(sandbox);
        PrintWriter out = spec.commandLine().getOut();
        out.println("amibake sandbox listening on " + sandbox.endpoint());
        out.println("time scale " + timeScale + ", throttling " + (noThrottling ? "off" : "on")
                + "; stats at " + sandbox.endpoint() + "/_sandbox/stats; stop with Ctrl-C");
        if (sandbox.machines().real()) {
            out.println("real machines: instances of Debian images boot from "
                    + sandbox.machines().baseImage());
        }
        sandbox.machines().fallback().ifPresent(line -> err.println("amibake sandbox: " + line));
        out.flush();
        err.flush();
        // On SIGTERM the JVM exits once its hooks end: this one waits until the sandbox is closed,
        // its real machines shut down and their directories gone.
        Thread hook = new Thread(() -> {
            stopped.countDown();
            try {
                closed.await(3, java.util.concurrent.TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "amibake-sandbox-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // stopped by Ctrl-C: the hook is already running
        }
    }

    private void validateFaults() {
        fails.forEach(f -> match(FAIL, f, "--fail", "OPERATION[@REGION]=CODE[xN]"));
        drops.forEach(d -> match(DROP, d, "--drop", "OPERATION[@REGION][xN]"));
        denies.forEach(d -> match(DENY, d, "--deny", "OPERATION[@REGION]"));
        for (String c : failCommands) {
            int eq = c.lastIndexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--fail-command '" + c + "' must look like REGEX=EXIT[xN]");
            }
            Pattern.compile(c.substring(0, eq));
            match(EXIT, c.substring(eq + 1), "--fail-command", "REGEX=EXIT[xN]");
        }
    }

    private void armFaults(Sandbox sandbox) {
        for (String f : fails) {
            Matcher m = match(FAIL, f, "--fail", "OPERATION[@REGION]=CODE[xN]");
            sandbox.faults().failNext(m.group(1), m.group(2), m.group(3), times(m.group(4)));
        }
        for (String d : drops) {
            Matcher m = match(DROP, d, "--drop", "OPERATION[@REGION][xN]");
            sandbox.faults().dropNext(m.group(1), m.group(2), times(m.group(3)));
        }
        for (String c : failCommands) {
            int eq = c.lastIndexOf('=');
            String regex = c.substring(0, eq);
            Matcher m = match(EXIT, c.substring(eq + 1), "--fail-command", "REGEX=EXIT[xN]");
            sandbox.faults().failCommand(regex, Integer.parseInt(m.group(1)),
                    "amibake sandbox: injected failure for a command matching /" + regex + "/\n", times(m.group(2)));
        }
        failImages.forEach(sandbox.faults()::failNextImage);
        for (String d : denies) {
            Matcher m = match(DENY, d, "--deny", "OPERATION[@REGION]");
            sandbox.faults().deny(m.group(1), m.group(2));
        }
    }

    private static Matcher match(Pattern pattern, String value, String flag, String form) {
        Matcher m = pattern.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException(flag + " '" + value + "' must look like " + form);
        }
        return m;
    }

    private static int times(String n) {
        return n == null ? 1 : Integer.parseInt(n);
    }

    /** Stops a sandbox started by {@link #call()}, as Ctrl-C does. */
    void stop() {
        stopped.countDown();
    }
}
