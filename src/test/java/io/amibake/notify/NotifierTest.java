package io.amibake.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.amibake.engine.api.Target;
import io.amibake.SandboxExtension;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the scheduler's notifier tells with the global settings alone: a paused schedule, and a
 * completed bake only when completed bakes are asked for.
 */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:notifier",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "amibake.poll-min-delay=10ms"})
class NotifierTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.0005);

    private static final Path RECIPE = Path.of("src/test/resources/recipes/nightly.yaml");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Notifier.Pacing FAST = new Notifier.Pacing(2, Duration.ofMillis(10), Duration.ofSeconds(5),
            Duration.ofSeconds(10));

    @DynamicPropertySource
    static void home(DynamicPropertyRegistry registry) throws IOException {
        Path home = Files.createTempDirectory("amibake-notifier");
        registry.add("amibake.home", home::toString);
    }

    @Autowired
    private BakeService launcher;

    private HttpServer webhook;
    private URI url;
    private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();

    @BeforeEach
    void listen() throws IOException {
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", exchange -> {
            try (exchange) {
                received.add(JSON.readTree(new String(exchange.getRequestBody().readAllBytes(),
                        StandardCharsets.UTF_8)));
                exchange.sendResponseHeaders(204, -1);
            }
        });
        webhook.start();
        url = URI.create("http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook");
    }

    @AfterEach
    void stop() {
        webhook.stop(0);
    }

    @Test
    void aPausedScheduleIsToldWithItsFailuresInARowAndTheLastError() throws Exception {
        // given
        Notifier notifier = new Notifier(launcher, new NotifySettings(url, null, null), FAST, problems::add);

        // when
        notifier.paused("never-baked", 3, "provision: disk full");
        notifier.close();

        // then
        JsonNode paused = received.poll(10, TimeUnit.SECONDS);
        assertThat(paused).as("problems: %s", problems).isNotNull();
        assertThat(paused.get("event").asString()).isEqualTo("paused");
        assertThat(paused.get("recipe").asString()).isEqualTo("never-baked");
        assertThat(paused.get("failuresInARow").asInt()).isEqualTo(3);
        assertThat(paused.get("error").asString()).isEqualTo("provision: disk full");
        assertThat(paused.get("text").asString()).contains("paused", "3 failed bakes", "amibake schedule resume never-baked");
    }

    @Test
    void whatSlackWouldReadAsAMentionOrALinkIsEscapedInTheTextAndKeptAsItIsInTheFields() throws Exception {
        // given an error whose command output would ping the channel and show a link as something else
        Notifier notifier = new Notifier(launcher, new NotifySettings(url, null, null), FAST, problems::add);
        String error = "provision: <!channel> see <https://evil.example|the fix> & run it";

        // when
        notifier.paused("hostile", 3, error);
        notifier.close();

        // then
        JsonNode paused = received.poll(10, TimeUnit.SECONDS);
        assertThat(paused).as("problems: %s", problems).isNotNull();
        assertThat(paused.get("text").asString())
                .contains("&lt;!channel&gt; see &lt;https://evil.example|the fix&gt; &amp; run it")
                .doesNotContain("<").doesNotContain(">");
        assertThat(paused.get("error").asString()).isEqualTo(error);
    }

    @Test
    void aCompletedBakeIsToldOnlyWhenCompletedBakesAreAskedFor() throws Exception {
        // given two completed bakes of a recipe that never failed
        BakeResult first = bake("quiet");
        BakeResult second = bake("quiet");

        // when the first is told without, the second with succeeded on
        try (Notifier quiet = new Notifier(launcher, new NotifySettings(url, null, null), FAST, problems::add);
             Notifier told = new Notifier(launcher, new NotifySettings(url, null, true), FAST, problems::add)) {
            quiet.bakeFinished("quiet", first, Duration.ofSeconds(1));
            told.bakeFinished("quiet", second, Duration.ofSeconds(1));
        }

        // then only the second reaches the webhook, as succeeded
        assertThat(problems).isEmpty();
        assertThat(received).singleElement().satisfies(event -> {
            assertThat(event.get("event").asString()).isEqualTo("succeeded");
            assertThat(event.get("bake").asString()).isEqualTo(second.bakeId());
        });
    }

    private BakeResult bake(String recipe) throws Exception {
        String yaml = Files.readString(RECIPE).replace("name: nightly", "name: " + recipe);
        BakeResult result = launcher.start(BakeRequest.of(yaml, RECIPE.toString(), Map.of("night", "1")),
                Target.endpoint(sandbox.endpoint()), null, BakeEvents.NONE);
        assertThat(result.completed()).as(result.error()).isTrue();
        return result;
    }
}
