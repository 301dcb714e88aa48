package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad settings, credentials and an unreachable database, as the packaged program reports them:
 * one line, a code a wrapper can branch on, and no bake record.
 */
class BadSettingsIT {

    @TempDir
    Path home;

    @Test
    void aMalformedSettingIsOneLineNamingItAndExitTwo() {
        // when
        AmibakeProcess bake = AmibakeProcess.run(home, Map.of("AMIBAKE_COPY_CONCURRENCY", "abc"),
                "bake", "recipes/httpd.yaml", "--endpoint-url", "http://127.0.0.1:9", "--home", home.toString());

        // then
        assertThat(bake.exitCode()).as(bake.output()).isEqualTo(2);
        assertThat(bake.stderr().strip()).as(bake.output())
                .doesNotContain("\n").doesNotContain("Exception")
                .contains("amibake.copy-concurrency = 'abc'").contains("AMIBAKE_COPY_CONCURRENCY")
                .contains("expected a whole number");
    }

    @Test
    void aMalformedNotifyUrlIsOneLineNamingItAndExitTwo() {
        // when
        AmibakeProcess bake = AmibakeProcess.run(home, Map.of("AMIBAKE_NOTIFY_URL", "hooks.example.com/T000"),
                "bake", "recipes/httpd.yaml", "--endpoint-url", "http://127.0.0.1:9", "--home", home.toString());

        // then
        assertThat(bake.exitCode()).as(bake.output()).isEqualTo(2);
        assertThat(bake.stderr().strip()).as(bake.output())
                .doesNotContain("\n").doesNotContain("Exception")
                .contains("AMIBAKE_NOTIFY_URL").contains("http or https URL").contains("hooks.example.com/T000");
    }

    @Test
    void anUnknownProfileIsBadInputFoundBeforeABakeRecordExists() throws Exception {
        // given no profile at all in the files the SDK reads
        Path config = Files.writeString(home.resolve("config"), "");
        Map<String, String> env = Map.of("AWS_CONFIG_FILE", config.toString(),
                "AWS_SHARED_CREDENTIALS_FILE", config.toString());

        // when
        AmibakeProcess bake = AmibakeProcess.run(home, env, "bake", "recipes/httpd.yaml", "--profile", "no-such-profile",
                "--home", home.toString());
        AmibakeProcess status = AmibakeProcess.run(home, "status", "--home", home.toString());

        // then
        assertThat(bake.exitCode()).as(bake.output()).isEqualTo(2);
        assertThat(bake.stderr().strip()).as(bake.output()).doesNotContain("\n")
                .contains("AWS profile 'no-such-profile' has no usable credentials");
        assertThat(status.stdout()).as(status.output()).contains("(no bakes yet)");
    }

    @Test
    void anUnreachableDatabaseIsOneLineAndExitThree() {
        // when
        AmibakeProcess status = AmibakeProcess.run(home,
                Map.of("SPRING_DATASOURCE_URL", "jdbc:postgresql://127.0.0.1:9/amibake"), "status",
                "--home", home.toString());

        // then
        assertThat(status.exitCode()).as(status.output()).isEqualTo(3);
        assertThat(status.stderr().strip()).as(status.output()).doesNotContain("\n")
                .startsWith("amibake: cannot reach the job repository");
    }
}
