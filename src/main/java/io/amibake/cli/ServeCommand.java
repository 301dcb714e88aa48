package io.amibake.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code amibake serve}: the scheduler of {@code amibake schedule}, and a web console with health
 * and Prometheus metrics on Spring Boot's own server, in one long-running process (docs/serve.md).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Bake each recipe with a 'schedule' section on time, as 'amibake schedule' does, and serve a"
                + " web console (the fleet, each recipe's bakes and images, each bake live), health"
                + " (/actuator/health, with /liveness and /readiness) and Prometheus metrics (/actuator/prometheus).",
                "It listens on 127.0.0.1:8080 unless told otherwise. Operators sign in with a token"
                        + " (amibake.serve.tokens.NAME) to run, pause, resume and stop bakes; without one the console is"
                        + " read-only. Settings come from options, the environment, or /etc/amibake/serve.properties.",
                "It exits 2 at start-up for a bad recipe or setting or a port it cannot take, 3 when the job"
                        + " repository is held or unreachable; SIGTERM stops running bakes resumable."})
final class ServeCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR|RECIPE", arity = "0..*",
            description = "Recipe files, and directories whose .yaml and .yml files are recipes.")
    List<Path> paths = List.of();

    @Option(names = "--var", paramLabel = "[RECIPE.]NAME=VALUE",
            description = "A variable's value, as for 'amibake schedule' (repeatable); secrets go in --var-file.")
    List<String> vars = List.of();

    @Option(names = "--var-file", paramLabel = "FILE",
            description = "Variables, one [RECIPE.]NAME=VALUE a line: the place for secret variables.")
    Path varFile;

    @Option(names = "--port", paramLabel = "PORT", description = "The port to listen on (default 8080; 0: any free"
            + " port, printed at start).")
    Integer port;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "The address to listen on (default 127.0.0.1:"
            + " this host only). 0.0.0.0 listens on every interface: put a reverse proxy with TLS in front.")
    String bind;

    @Option(names = "--public-url", paramLabel = "URL", description = "The console's address as people reach it;"
            + " notifications link to each bake's page there.")
    URI publicUrl;

    @Mixin
    CloudOptions cloud;

    @Mixin
    HomeOption home;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ScheduleCommand schedule = new ScheduleCommand();
        schedule.paths = paths;
        schedule.vars = vars;
        schedule.varFile = varFile;
        schedule.cloud = cloud;
        schedule.home = home;
        schedule.spec = spec;
        Map<String, Object> properties = new HashMap<>();
        if (port != null) {
            properties.put("server.port", port);
        }
        if (bind != null) {
            properties.put("server.address", bind);
        }
        if (publicUrl != null) {
            properties.put("amibake.serve.public-url", publicUrl);
        }
        return schedule.run(properties);
    }
}
