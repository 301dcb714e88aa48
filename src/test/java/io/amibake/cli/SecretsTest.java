package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A secret variable's value reaches the cloud, but not the console, the JSON events or the manifest. */
class SecretsTest {

    private static final String SECRET = "s3cr3t-0042";

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    Path home;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void aSecretIsRedactedInJsonEventsStatusAndTheManifest() throws Exception {
        // given the version, used in the image name, declared secret
        Path recipe = home.resolve("httpd.yaml");
        Files.writeString(recipe, Files.readString(Path.of("recipes/httpd.yaml"))
                .replace("version: \"1.0\"", "version: {secret: true}"));

        // when
        int exit = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("bake", recipe.toString(), "--var", "version=" + SECRET, "--json",
                        "--endpoint-url", sandbox.endpoint().toString(), "--home", home.toString());

        // then
        assertThat(exit).as(err.toString()).isZero();
        assertThat(AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("status", "--execution", "0", "--home", home.toString())).isZero();
        assertThat(out.toString()).contains("image name httpd-al2023-[secret version]-");
        assertThat(sandbox.images()).anySatisfy(image -> assertThat(image.name()).contains(SECRET));
        assertThat(out + "\n" + err).doesNotContain(SECRET).contains("[secret version]");
        try (Stream<Path> manifests = Files.list(home.resolve("manifests"))) {
            Path manifest = manifests.findFirst().orElseThrow();
            assertThat(Files.readString(manifest)).doesNotContain(SECRET).contains("[secret version]");
        }
    }

    @Test
    void planAndPruneTakeSecretsFromAVariablesFileAndNeverPrintThem() throws Exception {
        // given a bake whose image name holds the secret, and the secret in a file only its owner reads
        Path recipe = home.resolve("secretname.yaml");
        Files.writeString(recipe, Files.readString(Path.of("recipes/httpd.yaml"))
                .replace("name: httpd", "name: secretname").replace("launchTemplate: httpd-web", "launchTemplate: sn-web")
                .replace("version: \"1.0\"", "version: {secret: true}"));
        assertThat(amibake("bake", recipe.toString(), "--var", "version=" + SECRET, "--endpoint-url",
                sandbox.endpoint().toString(), "--home", home.toString())).as(err.toString()).isZero();
        Path vars = home.resolve("vars");
        Files.writeString(vars, "# the release\nversion=" + SECRET + "\n");
        Files.setPosixFilePermissions(vars, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        out.getBuffer().setLength(0);

        // when
        int plan = amibake("plan", recipe.toString(), "--var-file", vars.toString(), "--endpoint-url",
                sandbox.endpoint().toString(), "--home", home.toString());
        int json = amibake("plan", recipe.toString(), "--json", "--var-file", vars.toString(), "--endpoint-url",
                sandbox.endpoint().toString(), "--home", home.toString());
        int prune = amibake("prune", recipe.toString(), "--dry-run", "--var-file", vars.toString(), "--endpoint-url",
                sandbox.endpoint().toString());

        // then each ran with the secret, and printed it nowhere
        assertThat(plan).as(out + "\n" + err).isIn(0, 2);
        assertThat(json).as(out + "\n" + err).isIn(0, 2);
        assertThat(prune).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("image name    secretname-al2023-[secret version]-")
                .contains("\"imageName\":\"secretname-al2023-[secret version]-")
                .containsPattern("keep +ami-\\S+ +secretname-al2023-\\[secret version]-");
        assertThat(out + "\n" + err).doesNotContain(SECRET);
    }

    private int amibake(String... args) {
        return AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    }
}
