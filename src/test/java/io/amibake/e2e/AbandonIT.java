package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.cloud.BakeTags;
import io.amibake.cli.AmibakeCommand;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Giving up on a failed bake with the packaged program: its build instance goes, what its regions
 * published stays (docs/lifecycle.md, the rules), and it cannot resume.
 */
class AbandonIT {

    private static final Pattern BAKE = Pattern.compile("bake (\\S+) \\(execution (\\d+)\\)");

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.005);

    @TempDir
    Path home;

    private AmibakeProcess amibake(String... args) {
        return AmibakeProcess.run(home, args);
    }

    @Test
    void abandonTerminatesTheInstanceKeepsThePublishedImagesAndLeavesNothingToResume() throws Exception {
        // given a bake that failed after its image was made and copied to its three regions: the
        // build instance could not be terminated, neither by the step nor by the failure handling
        String endpoint = sandbox.endpoint().toString();
        sandbox.faults().failNext("TerminateInstances", "us-east-1", "UnauthorizedOperation", 2);
        // (without the image test, whose instance would take the injected TerminateInstances faults)
        Path recipe = home.resolve("httpd.yaml");
        String yaml = Files.readString(Path.of("recipes/httpd.yaml"));
        assertThat(yaml).contains("test:\n  steps:\n");
        assertThat(yaml).contains("  instances:\n    count: 1\n");
        // (and without deployed servers: this bake is about its build instance and images)
        Files.writeString(recipe, yaml.replaceFirst("test:\n  steps:\n(    .*\n)+", "test:\n  defaults: false\n")
                .replace("  instances:\n    count: 1\n", ""));
        AmibakeProcess bake = amibake("bake", recipe.toString(), "--endpoint-url", endpoint,
                "--home", home.toString());
        assertThat(bake.exitCode()).as(bake.output()).isEqualTo(1);
        Matcher found = BAKE.matcher(bake.stdout());
        assertThat(found.find()).as(bake.output()).isTrue();
        String bakeId = found.group(1);
        String execution = found.group(2);
        assertThat(instancesOf(bakeId)).as(bake.output()).singleElement()
                .satisfies(i -> assertThat(i.state()).isEqualTo("stopped"));
        assertThat(imagesOf(bakeId)).as(bake.output()).hasSize(3)
                .allSatisfy(i -> assertThat(i.state()).isEqualTo("available"));

        // when
        AmibakeProcess abandon = amibake("abandon", "--execution", execution, "--delete-images",
                "--endpoint-url", endpoint, "--home", home.toString());

        // then
        assertThat(abandon.exitCode()).as(abandon.output()).isZero();
        assertThat(abandon.stdout()).as(abandon.output()).contains("is ABANDONED");
        assertThat(instancesOf(bakeId)).as(abandon.output()).singleElement()
                .satisfies(i -> assertThat(i.state()).isIn("shutting-down", "terminated"));
        assertThat(imagesOf(bakeId)).as(abandon.output()).hasSize(3)
                .allSatisfy(i -> assertThat(i.state()).isEqualTo("available"));
        assertThat(abandon.stdout().lines().filter(line -> line.startsWith("kept ami-")))
                .as(abandon.output()).hasSize(3);

        AmibakeProcess resume = amibake("resume", "httpd", "--endpoint-url", endpoint, "--home", home.toString());
        assertThat(resume.exitCode()).as(resume.output()).isEqualTo(AmibakeCommand.NOTHING_TO_RESUME);
        assertThat(resume.stderr()).as(resume.output()).contains("nothing to resume");
    }

    private static List<SandboxInstance> instancesOf(String bakeId) {
        return sandbox.instances().stream().filter(i -> bakeId.equals(i.tags().get(BakeTags.BAKE))).toList();
    }

    private static List<SandboxImage> imagesOf(String bakeId) {
        return sandbox.images().stream().filter(i -> bakeId.equals(i.tags().get(BakeTags.BAKE))).toList();
    }
}
