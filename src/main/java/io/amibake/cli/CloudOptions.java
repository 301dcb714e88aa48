package io.amibake.cli;

import io.amibake.cloud.AwsSettings;
import io.amibake.engine.api.Target;
import java.util.List;
import java.util.Map;
import java.net.URI;
import picocli.CommandLine.Option;

/** Where a command finds the cloud: AWS (default), a running sandbox, or one started in-process. */
final class CloudOptions {

    @Option(names = "--sandbox", description = "Start a local sandbox cloud in this process and bake against it.")
    boolean sandbox;

    @Option(names = "--time-scale", defaultValue = "0.02", paramLabel = "X",
            description = "With --sandbox: how fast sandbox time runs against AWS's (default: ${DEFAULT-VALUE}).")
    double timeScale;

    @Option(names = "--machines", paramLabel = "DISTRIBUTION",
            description = {"With --sandbox: instances of the sandbox's Debian image are real machines (containers, as "
                    + "root); 'debian' is the only one. See docs/sandbox.md, \"Real machines\"."})
    String machines;

    @Option(names = "--endpoint-url", paramLabel = "URL",
            description = {"Send EC2 and SSM calls to this endpoint, e.g. a standalone 'amibake sandbox'.",
                    "Signed with the sandbox's dummy credentials unless --profile names real ones."})
    URI endpoint;

    @Option(names = "--profile", paramLabel = "P", description = "The AWS named profile to use.")
    String profile;

    /** The options of an in-process sandbox: a free port, this time scale, real machines if asked. */
    io.amibake.sandbox.SandboxOptions sandboxOptions() {
        io.amibake.sandbox.SandboxOptions options = io.amibake.sandbox.SandboxOptions.defaults().withPort(0)
                .withTimeScale(timeScale);
        return machines == null ? options : options.withMachines(io.amibake.sandbox.MachineOptions.of(machines));
    }

    /** What is wrong with the machine options, or null: they need an in-process sandbox and a known distribution. */
    String machinesProblem() {
        if (machines == null) {
            return null;
        }
        if (!sandbox) {
            return "--machines needs --sandbox; for a standalone sandbox run 'amibake sandbox --machines " + machines
                    + "' and pass --endpoint-url";
        }
        if (!io.amibake.sandbox.MachineOptions.DISTRIBUTIONS.contains(machines)) {
            return "--machines '" + machines + "': expected one of " + io.amibake.sandbox.MachineOptions.DISTRIBUTIONS;
        }
        return null;
    }

    AwsSettings settings(URI sandboxEndpoint) {
        if (sandboxEndpoint != null) {
            return AwsSettings.sandbox(sandboxEndpoint);
        }
        if (endpoint != null) {
            return profile == null ? AwsSettings.sandbox(endpoint)
                    : new AwsSettings(endpoint, profile, false, AwsSettings.DEFAULT_MAX_ATTEMPTS);
        }
        return AwsSettings.aws(profile);
    }

    /**
     * The target a new bake is recorded with, so its history, lease and resume stay with the same
     * cloud, and the waits learned against one endpoint never pace another: {@code AWS_ENDPOINT_URL},
     * which the SDK follows, counts as that endpoint (with the default credentials), not as AWS.
     */
    Target target(URI sandboxEndpoint) {
        return target(sandboxEndpoint, System.getenv());
    }

    Target target(URI sandboxEndpoint, Map<String, String> env) {
        if (sandboxEndpoint != null) {
            return Target.inProcessSandbox(sandboxEndpoint);
        }
        if (endpoint != null) {
            return profile == null ? Target.endpoint(endpoint)
                    : new Target(endpoint, false, Target.Credentials.profile(profile), null);
        }
        for (String name : List.of("AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL")) {
            String url = env.get(name);
            if (url != null && !url.isBlank()) {
                return new Target(URI.create(url.strip()), false, Target.Credentials.profile(profile), null);
            }
        }
        return Target.aws(profile);
    }

    /**
     * The target a resume names, or null when the command line names none (no option, no
     * endpoint in the environment): the bake then resumes against its own.
     */
    Target chosen(URI sandboxEndpoint) {
        boolean named = sandboxEndpoint != null || endpoint != null || profile != null
                || !target(null).equals(Target.aws(null));
        return named ? target(sandboxEndpoint) : null;
    }

    /** The schedule's target key ({@link Target#scheduleKey()}), known before any sandbox starts. */
    String scheduleKey() {
        return sandbox ? "sandbox" : target(null).scheduleKey();
    }
}
