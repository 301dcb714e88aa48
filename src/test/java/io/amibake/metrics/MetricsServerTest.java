package io.amibake.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.engine.api.Target;
import io.amibake.SandboxExtension;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What {@code schedule --http-port} serves: Prometheus metrics that count real bakes against the
 * sandbox by outcome, with their steps, their AWS requests and the SDK's throttling retries, and a
 * health that answers UP.
 */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:metrics",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "amibake.poll-min-delay=10ms"})
class MetricsServerTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.0005);

    private static final Path RECIPE = Path.of("src/test/resources/recipes/nightly.yaml");

    @DynamicPropertySource
    static void home(DynamicPropertyRegistry registry) throws IOException {
        Path home = Files.createTempDirectory("amibake-metrics");
        registry.add("amibake.home", home::toString);
    }

    @Autowired
    private BakeService launcher;

    private MetricsServer server;

    @BeforeEach
    void start() throws IOException {
        sandbox.faults().clear();
        server = MetricsServer.start(0, launcher);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void thePrometheusEndpointCountsBakesByOutcomeWithTheirStepsAndRequests() throws Exception {
        // given one bake that fails and one that completes, told to the metrics as a slot tells them
        sandbox.faults().failCommand("nightly-marker", 1, "disk full", 1);
        BakeResult failed = bake("metered");
        server.events().bakeFinished("metered", failed, Duration.ofSeconds(3));
        BakeResult completed = bake("metered");
        server.events().bakeFinished("metered", completed, Duration.ofSeconds(5));
        ZonedDateTime next = ZonedDateTime.of(2030, 1, 2, 2, 0, 0, 0, ZoneId.of("Europe/Berlin"));
        server.events().nextRun("metered", next);
        server.events().slotStarted("metered", next, true);
        server.events().slotSkipped("metered", next, "source unchanged");

        // when
        HttpResponse<String> metrics = get("/actuator/prometheus");

        // then
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(completed.status()).isEqualTo("COMPLETED");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        String text = metrics.body();
        assertThat(sample(text, "amibake_bakes_total", "outcome=\"completed\",recipe=\"metered\"")).isEqualTo(1.0);
        assertThat(sample(text, "amibake_bakes_total", "outcome=\"failed\",recipe=\"metered\"")).isEqualTo(1.0);
        assertThat(sample(text, "amibake_bake_duration_seconds_sum", "outcome=\"completed\",recipe=\"metered\""))
                .isEqualTo(5.0);
        assertThat(sample(text, "amibake_step_duration_seconds_count", "recipe=\"metered\",step=\"provision\""))
                .isEqualTo(2.0);
        assertThat(sample(text, "amibake_step_duration_seconds_count", "recipe=\"metered\",step=\"region:us-west-2\""))
                .isEqualTo(1.0);
        assertThat(sample(text, "amibake_aws_requests_total", "operation=\"RunInstances\",region=\"us-east-1\""))
                .isEqualTo(2.0);
        assertThat(sample(text, "amibake_aws_requests_total", "operation=\"CopyImage\",region=\"us-west-2\""))
                .isEqualTo(1.0);
        assertThat(sample(text, "amibake_schedule_next_run_seconds", "recipe=\"metered\""))
                .isEqualTo(next.toEpochSecond());
        assertThat(sample(text, "amibake_schedule_slots_started_total", "recipe=\"metered\",resumed=\"true\""))
                .isEqualTo(1.0);
        assertThat(sample(text, "amibake_schedule_slots_skipped_total", "reason=\"source unchanged\",recipe=\"metered\""))
                .isEqualTo(1.0);
    }

    @Test
    void throttlingRetriesAreCountedApartFromOtherRetries() throws Exception {
        // given
        sandbox.faults().failNext("DescribeRegions", null, "RequestLimitExceeded", 2);
        sandbox.faults().failNext("DescribeRegions", null, "InternalError", 1);

        // when
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            clients.ec2("eu-west-1").describeRegions();
        }
        String text = get("/actuator/prometheus").body();

        // then
        String where = "operation=\"DescribeRegions\",reason=\"%s\",region=\"eu-west-1\"";
        assertThat(sample(text, "amibake_aws_retries_total", where.formatted("throttled"))).isEqualTo(2.0);
        assertThat(sample(text, "amibake_aws_retries_total", where.formatted("error"))).isEqualTo(1.0);
        assertThat(sample(text, "amibake_aws_requests_total", "operation=\"DescribeRegions\",region=\"eu-west-1\""))
                .isEqualTo(4.0);
    }

    @Test
    void healthAnswersUpWithTheRepositoryAndDownWhenACheckFails() throws Exception {
        // when
        HttpResponse<String> up = get("/actuator/health");
        server.health("scheduler", () -> false);
        HttpResponse<String> down = get("/actuator/health");

        // then
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.body()).isEqualTo("{\"status\":\"UP\",\"components\":{\"repository\":{\"status\":\"UP\"}}}");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).startsWith("{\"status\":\"DOWN\"").contains("\"scheduler\":{\"status\":\"DOWN\"}");
    }

    private BakeResult bake(String recipe) throws Exception {
        String yaml = Files.readString(RECIPE).replace("name: nightly", "name: " + recipe);
        return launcher.start(BakeRequest.of(yaml, RECIPE.toString(), Map.of("night", "1")),
                Target.endpoint(sandbox.endpoint()), null, BakeEvents.NONE);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One sample's value from Prometheus' text format; NaN when it is missing. */
    private static double sample(String text, String name, String labels) {
        Matcher line = Pattern.compile("^" + Pattern.quote(name + "{" + labels) + "[^}]*} (\\S+)$", Pattern.MULTILINE)
                .matcher(text);
        return line.find() ? Double.parseDouble(line.group(1)) : Double.NaN;
    }
}
