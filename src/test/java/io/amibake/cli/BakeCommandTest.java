package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.engine.api.Target;
import io.amibake.engine.run.RecipeLock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The bake command as a user runs it: exit codes, output, and what reaches the cloud. */
class BakeCommandTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    Path home;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int amibake(String... args) {
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private long requests() {
        return sandbox.requests();
    }

    @Test
    void aBadRecipeExitsTwoWithItsReportAndSendsNothing() throws Exception {
        // given
        Path recipe = home.resolve("bad.yaml");
        Files.writeString(recipe, "name: web\nsource:\n  region: us-eats-1\n  ami: ami-0123456789abcdef0\n"
                + "build:\n  instanceType: t3.micro\nimage:\n  name: web-{{date}}\n");
        long before = requests();

        // when
        int exit = amibake("bake", recipe.toString(), "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("bad.yaml:3:11").contains("did you mean 'us-east-1'");
        assertThat(requests()).isEqualTo(before);
    }

    @Test
    void realMachinesWithoutAnInProcessSandboxAreAUsageErrorAndSendNothing() {
        // given
        long before = requests();

        // when
        int exit = amibake("bake", "recipes/httpd-debian.yaml", "--machines", "debian", "--endpoint-url",
                sandbox.endpoint().toString(), "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(err.toString()).contains("--machines needs --sandbox",
                "run 'amibake sandbox --machines debian' and pass --endpoint-url");
        assertThat(requests()).isEqualTo(before);
    }

    @Test
    void aBakeOfTheDebianRecipeIsModelledWithoutMachines() {
        // when
        int exit = amibake("bake", "recipes/httpd-debian.yaml", "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString());

        // then the shell model's apt-get stands in: the recipe bakes as any other
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).containsPattern("image: +ami-[0-9a-f]+ +httpd-debian-1\\.0-");
    }

    @Test
    void aBakeAgainstARunningSandboxPrintsTheImageAndTheManifest() {
        // when
        int exit = amibake("bake", "recipes/httpd.yaml", "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString());

        // then
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).containsPattern("image: +ami-[0-9a-f]+ +httpd-al2023-")
                .contains("manifest: " + home.resolve("manifests"));
    }

    @Test
    void aSecondBakeOfARecipeThatIsRunningIsRefusedWithExitThree() {
        // given another process holds the recipe on the target
        String target = Target.endpoint(sandbox.endpoint()).toString();
        try (var held = RecipeLock.acquire(home, "httpd", target, "pid 4242").lock().orElseThrow()) {
            long before = requests();

            // when
            int exit = amibake("bake", "recipes/httpd.yaml", "--endpoint-url", sandbox.endpoint().toString(),
                    "--home", home.toString());

            // then
            assertThat(exit).isEqualTo(3);
            assertThat(err.toString()).contains("another bake of recipe 'httpd' is running (pid 4242)");
            assertThat(requests()).isEqualTo(before);
        }
    }

    @Test
    void jsonModeWritesOneEventPerLine() {
        // when
        int exit = amibake("bake", "recipes/httpd.yaml", "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString(), "--json");

        // then
        assertThat(exit).isZero();
        assertThat(out.toString().lines())
                .allSatisfy(line -> assertThat(line).startsWith("{\"time\":").endsWith("}"))
                .anySatisfy(line -> assertThat(line).contains("\"event\":\"bakeFinished\"")
                        .contains("\"status\":\"COMPLETED\""));
    }
}
