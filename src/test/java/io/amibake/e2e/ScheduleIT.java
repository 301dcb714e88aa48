package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.cloud.BakeTags;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code amibake schedule} as a process: SIGTERM stops its running bake resumable, and the next
 * start resumes that bake before anything else.
 */
class ScheduleIT {

    /** The exit code of a JVM ended by SIGTERM once its shutdown hooks have run. */
    private static final int TERMINATED = 128 + 15;

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.02);

    @TempDir
    Path scratch;

    @Test
    void sigtermStopsTheRunningBakeAndTheNextStartResumesIt() throws Exception {
        // given a recipe due every two seconds, its bake under way in a scheduler
        Path recipes = Files.createDirectories(scratch.resolve("recipes"));
        Path recipe = recipes.resolve("nightly.yaml");
        Files.writeString(recipe, recipe("*/2 * * * * *"));
        AmibakeProcess first = AmibakeProcess.start(scratch, line -> false, schedule(recipes));
        first.awaitLine("nightly: launchInstance ok");

        // when it is sent SIGTERM
        first.terminate();

        // then the bake stopped resumable, and the process ended through its hooks
        assertThat(first.awaitExit()).as(first.output()).isEqualTo(TERMINATED);
        assertThat(first.stdout()).as(first.output()).containsPattern("nightly: bake nightly-\\S+ stopped");

        // when the scheduler starts again, the recipe now due only once a year
        Files.writeString(recipe, recipe("0 0 3 1 1 *"));
        AmibakeProcess second = AmibakeProcess.start(scratch, line -> false,
                withHttpPort(schedule(recipes)));
        second.awaitLine("nightly: bake nightly-");
        second.awaitLine(" completed in ");
        URI health = URI.create(second.stdout().lines().filter(l -> l.contains("console: "))
                .findFirst().orElseThrow().replaceAll(".*console: (\\S+/); health.*", "$1actuator/health"));
        HttpResponse<String> up = get(health);
        String metrics = get(health.resolve("/actuator/prometheus")).body();
        second.terminate();

        // then it resumed the stopped bake at once, on the same build instance
        assertThat(second.awaitExit()).as(second.output()).isEqualTo(TERMINATED);
        assertThat(second.stdout()).as(second.output())
                .contains("nightly: resuming the bake of the slot at")
                .contains("resuming its failed or stopped bake");
        assertThat(sandbox.instances()).filteredOn(i -> "nightly".equals(i.tags().get(BakeTags.RECIPE)))
                .as(second.output()).hasSize(1);

        // and --http-port served its health and counted the completed bake for Prometheus
        assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
        assertThat(up.body()).contains("\"status\":\"UP\"");
        assertThat(metrics).as(metrics).containsPattern(
                "amibake_bakes_total\\{outcome=\"completed\",recipe=\"nightly\"} 1\\.0");
    }

    @Test
    void aWebhookThatCannotBeReachedAtStartIsAWarningAndTheScheduleRuns() throws Exception {
        // given a recipe that notifies a port nothing listens on
        Path recipes = Files.createDirectories(scratch.resolve("recipes"));
        Files.writeString(recipes.resolve("nightly.yaml"), recipe("0 0 3 1 1 *")
                + "notify:\n  url: http://127.0.0.1:9/hooks/secret-token\n");

        // when
        AmibakeProcess scheduler = AmibakeProcess.start(scratch, line -> false, schedule(recipes));
        scheduler.awaitLine("nightly: scheduled from");
        scheduler.terminate();

        // then it ran until stopped, having said once what is wrong, without the webhook's token
        assertThat(scheduler.awaitExit()).as(scheduler.output()).isEqualTo(TERMINATED);
        assertThat(scheduler.stderr()).as(scheduler.output())
                .contains("amibake: warning: the webhook http://127.0.0.1:9 cannot be reached")
                .doesNotContain("secret-token");
    }

    private static String[] withHttpPort(String[] args) {
        String[] more = java.util.Arrays.copyOf(args, args.length + 2);
        more[args.length] = "--http-port";
        more[args.length + 1] = "0";
        return more;
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String[] schedule(Path recipes) {
        return new String[] {"schedule", recipes.toString(), "--endpoint-url", sandbox.endpoint().toString(),
                "--home", scratch.resolve("home").toString()};
    }

    private static String recipe(String cron) {
        return """
                name: nightly
                source:
                  region: us-east-1
                  ssm: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
                build:
                  instanceType: t3.micro
                  instanceProfile: AmazonSSMRoleForInstancesQuickSetup
                provision:
                  - name: marker
                    run: echo baked > /etc/nightly-marker
                image:
                  name: "{{recipe}}-{{date:yyyyMMdd-HHmmss}}"
                test:
                  defaults: false
                schedule:
                  cron: "%s"
                """.formatted(cron);
    }
}
