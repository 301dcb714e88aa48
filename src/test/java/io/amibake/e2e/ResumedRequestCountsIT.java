package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The manifest of a bake killed with SIGKILL and resumed counts the requests of both runs: they
 * are kept with the checkpoints, not only when a run ends in order.
 */
class ResumedRequestCountsIT {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.01);

    @TempDir
    Path home;

    @Test
    void aKilledAndResumedBakesManifestCountsTheRequestsOfBothRuns() throws Exception {
        // given a bake killed once its image is being made: the instance, commands and image are behind it
        String endpoint = sandbox.endpoint().toString();
        AmibakeProcess killed = AmibakeProcess.start(home,
                line -> BakeEvent.parse(line).filter(e -> e.is("stepFinished", "createImage")).isPresent(),
                "bake", "recipes/httpd.yaml", "--endpoint-url", endpoint, "--home", home.toString(), "--json");
        assertThat(killed.awaitExit()).as(killed.output()).isEqualTo(AmibakeProcess.KILLED);

        // when
        AmibakeProcess resumed = AmibakeProcess.run(home, "resume", "httpd", "--endpoint-url", endpoint,
                "--home", home.toString(), "--json");

        // then the manifest counts what the killed run sent as well
        assertThat(resumed.exitCode()).as(resumed.output()).isZero();
        JsonNode requests = manifest().get("requests");
        Map<String, Long> sandboxSaw = sandbox.stats().byOperation();
        assertThat(requests.get("RunInstances")).as("%s", requests).isNotNull();
        assertThat(requests.get("RunInstances").asLong()).isEqualTo(sandboxSaw.get("RunInstances"));
        assertThat(requests.get("CreateImage").asLong()).isEqualTo(1);
        assertThat(requests.get("SendCommand").asLong()).isEqualTo(sandboxSaw.get("SendCommand"));
        assertThat(requests.get("StopInstances").asLong()).isEqualTo(sandboxSaw.get("StopInstances"));
    }

    private JsonNode manifest() throws Exception {
        try (Stream<Path> files = Files.list(home.resolve("manifests"))) {
            List<Path> all = files.filter(f -> f.toString().endsWith(".json")).toList();
            assertThat(all).singleElement();
            return JsonMapper.builder().build().readTree(Files.readString(all.get(0)));
        }
    }
}
