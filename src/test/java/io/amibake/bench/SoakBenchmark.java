package io.amibake.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.cli.AmibakeCommand;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A month of nights, and then some: 40 bakes of one recipe in a row through the command line,
 * each in its own Spring context as a nightly job runs it, against one sandbox at a high time
 * scale and one file repository. Every bake must complete and its manifest say COMPLETED with its
 * requests; the repository must grow by about the same number of bytes per bake. It prints the
 * repository's size and how long {@code status} took along the way.
 *
 * <p>Run with {@code mvn -B test -Pbench -Dtest=SoakBenchmark}. Times are printed, never asserted:
 * the machines are shared and noisy.
 */
class SoakBenchmark {

    private static final int BAKES = 40;
    private static final Path RECIPE = Path.of("src/test/resources/recipes/nightly.yaml");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path home;

    @Test
    void fortyBakesOfOneRecipeInARow() throws Exception {
        List<Long> sizes = new ArrayList<>();
        Set<Path> manifests = new HashSet<>();
        try (Sandbox sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withTimeScale(0.0005))) {
            String endpoint = sandbox.endpoint().toString();
            System.out.printf("%nSoakBenchmark: %d bakes of %s, sandbox time scale 0.0005, HSQLDB file repository%n",
                    BAKES, RECIPE.getFileName());
            System.out.printf("%5s %16s %14s %11s%n", "bake", "repository bytes", "bytes/bake", "status ms");
            for (int night = 1; night <= BAKES; night++) {
                StringWriter err = new StringWriter();
                int exit = amibake(err, "bake", RECIPE.toString(), "--var", "night=" + night,
                        "--endpoint-url", endpoint, "--home", home.toString());
                assertThat(exit).as("bake %d: %s", night, err).isZero();

                Path manifest = newManifest(manifests);
                JsonNode written = JSON.readTree(Files.readString(manifest));
                assertThat(written.get("status").asString()).as("manifest of bake %d", night).isEqualTo("COMPLETED");
                assertThat(written.get("requests").get("RunInstances").asLong()).isEqualTo(1);
                assertThat(written.get("requests").get("CopyImage").asLong()).isEqualTo(1);

                long start = System.nanoTime();
                assertThat(amibake(new StringWriter(), "status", "nightly", "--home", home.toString())).isZero();
                long statusMillis = (System.nanoTime() - start) / 1_000_000;
                long size = repositoryBytes();
                sizes.add(size);
                if (night == 1 || night % 5 == 0) {
                    System.out.printf("%5d %16d %14s %11d%n", night, size,
                            night == 1 ? "-" : String.valueOf((size - sizes.get(0)) / (night - 1)), statusMillis);
                }
            }
        }
        // Linear: the last ten bakes add about what ten bakes added earlier, not more and more.
        long early = sizes.get(19) - sizes.get(9);
        long late = sizes.get(39) - sizes.get(29);
        System.out.printf("bytes added by bakes 11-20: %d, by bakes 31-40: %d%n", early, late);
        assertThat(late).as("repository sizes %s", sizes).isLessThan(early * 3 / 2 + 4096);
    }

    private static int amibake(StringWriter err, String... args) {
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(new StringWriter()))
                .setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private Path newManifest(Set<Path> seen) throws IOException {
        try (Stream<Path> files = Files.list(home.resolve("manifests"))) {
            List<Path> fresh = files.filter(f -> f.toString().endsWith(".json")).filter(f -> !seen.contains(f)).toList();
            assertThat(fresh).singleElement();
            seen.add(fresh.get(0));
            return fresh.get(0);
        }
    }

    private long repositoryBytes() throws IOException {
        try (Stream<Path> files = Files.walk(home.resolve("repository"))) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }
}
