package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees when a provisioning command fails, with the packaged program against a
 * standalone sandbox: the failure named, the bake's status, the fix, the resume.
 */
class FailedCommandIT {

    private static final Pattern EXECUTION = Pattern.compile("\\(execution (\\d+)\\)");

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.005);

    @TempDir
    Path home;

    private AmibakeProcess amibake(String... args) {
        return AmibakeProcess.run(home, args);
    }

    @Test
    void aFailedCommandIsNamedInStatusAndTheBakeResumesOnceFixed() {
        // given the page check fails on the build instance
        String endpoint = sandbox.endpoint().toString();
        sandbox.faults().failCommand("curl -fsS", 7, "boom");

        // when
        AmibakeProcess bake = amibake("bake", "recipes/httpd.yaml", "--endpoint-url", endpoint,
                "--home", home.toString());

        // then the bake fails, naming the command, its step and its exit code
        assertThat(bake.exitCode()).as(bake.output()).isEqualTo(1);
        assertThat(bake.stderr()).as(bake.output())
                .contains("command 'check-page' in step provision ended Failed with exit code 7")
                .contains("boom")
                .contains("amibake resume httpd");
        Matcher execution = EXECUTION.matcher(bake.stdout());
        assertThat(execution.find()).as(bake.output()).isTrue();
        String id = execution.group(1);

        // and status shows it failed in provision
        AmibakeProcess status = amibake("status", "httpd", "--home", home.toString());
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.stdout()).as(status.output()).containsPattern(id + " +httpd-\\S+ +FAILED +provision ");

        // when the cause is gone and the bake resumes
        sandbox.faults().clear();
        AmibakeProcess resume = amibake("resume", "httpd", "--endpoint-url", endpoint, "--home", home.toString());

        // then it completes, and the bake's steps list both runs
        assertThat(resume.exitCode()).as(resume.output()).isZero();
        assertThat(resume.stdout()).as(resume.output()).containsPattern("image: +ami-[0-9a-f]+ +httpd-al2023-");
        AmibakeProcess steps = amibake("status", "--execution", id, "--home", home.toString());
        assertThat(steps.exitCode()).as(steps.output()).isZero();
        assertThat(steps.stdout()).as(steps.output())
                .containsPattern(id + " +provision +FAILED ")
                .containsPattern("\\d+ +provision +COMPLETED ")
                .containsPattern("\\d+ +terminateInstance +COMPLETED ")
                .containsPattern("\\d+ +writeManifest +COMPLETED ");
    }
}
