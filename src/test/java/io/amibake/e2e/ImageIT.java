package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.Ci;
import io.amibake.RealMachines;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The container image Jib built ({@code mvn -Pimage}: target/jib-image.tar) runs as an operator
 * would run it, with no Docker daemon: its layers unpacked in order into a root file system, its
 * entrypoint, user, working directory and environment from its configuration, under
 * {@code systemd-nspawn}. It prints its version, and bakes the demo recipe against its own
 * in-process sandbox.
 */
@ResourceLock(RealMachines.LOCK)
@Timeout(600)
class ImageIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @RegisterExtension
    static final RealMachines machines = new RealMachines();

    @TempDir
    static Path scratch;

    private static Path root;
    private static JsonNode config;
    private static JsonNode labels;

    @BeforeAll
    static void unpack() throws Exception {
        Path image = Path.of("target/jib-image.tar");
        Ci.require(Files.isRegularFile(image), "container image target/jib-image.tar (build it as root with"
                + " mmdebstrap installed: mvn -B -Pimage -DskipTests package)");
        Path archive = Files.createDirectories(scratch.resolve("archive"));
        exec("tar", "-xf", image.toAbsolutePath().toString(), "-C", archive.toString());
        JsonNode manifest = JSON.readTree(Files.readString(archive.resolve("manifest.json"))).get(0);
        config = JSON.readTree(Files.readString(archive.resolve(manifest.get("Config").asString()))).get("config");
        labels = config.get("Labels");
        root = Files.createDirectories(scratch.resolve("root"));
        // The base's layer first, the application's last, as a container runtime stacks them.
        for (JsonNode layer : manifest.get("Layers")) {
            exec("tar", "--numeric-owner", "-xf", archive.resolve(layer.asString()).toString(), "-C", root.toString());
        }
    }

    @Test
    void runsAsItsOwnUnprivilegedAccountAndKnowsItsVersion() throws Exception {
        assertThat(config.get("User").asString()).isEqualTo("10001:10001");
        assertThat(Files.readString(root.resolve("etc/passwd"))).contains("amibake:x:10001:10001:");
        // (nspawn may add a line of its own after the program's)
        assertThat(run("--version").lines().findFirst().orElse(""))
                .isEqualTo("amibake " + labels.get("org.opencontainers.image.version").asString());
    }

    @Test
    void bakesTheDemoRecipeAgainstItsSandbox() throws Exception {
        Path recipes = Files.createDirectories(scratch.resolve("recipes"));
        Files.copy(Path.of("recipes/httpd.yaml"), recipes.resolve("httpd.yaml"));
        String output = run("bake", "/recipes/httpd.yaml", "--sandbox", "--time-scale", "0.002");
        assertThat(output).contains(") COMPLETED").containsPattern("image: +ami-[0-9a-f]+")
                .contains("manifest: /var/lib/amibake/manifests/");
    }

    /** Runs the image's entrypoint with {@code args} in a container of the unpacked layers; its output. */
    private static String run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("setpriv", "--pdeathsig", "SIGKILL", "--",
                "systemd-nspawn", "-q", "--register=no", "--keep-unit", "-D", root.toString(),
                "--user=amibake", "--chdir=" + config.get("WorkingDir").asString(),
                "--bind-ro=" + scratch.resolve("recipes") + ":/recipes"));
        for (JsonNode env : config.get("Env")) {
            command.add("--setenv=" + env.asString());
        }
        command.add("--");
        for (JsonNode part : config.get("Entrypoint")) {
            command.add(part.asString());
        }
        command.addAll(List.of(args));
        Files.createDirectories(scratch.resolve("recipes"));
        Path output = scratch.resolve("output.txt");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", args) + " in the image did not end within 5 minutes:\n"
                    + Files.readString(output, StandardCharsets.UTF_8));
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(String.join(" ", args) + " in the image:\n" + text).isZero();
        return text;
    }

    private static void exec(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as(String.join(" ", command)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + ":\n" + output).isZero();
    }
}
