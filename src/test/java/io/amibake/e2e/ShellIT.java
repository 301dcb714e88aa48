package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged program as a shell runs it: its environment, its exit codes, its completion. */
class ShellIT {

    @TempDir
    Path scratch;

    record Run(int exit, String out) {
    }

    private Run shell(Map<String, String> env, String script) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true);
        builder.environment().remove("AMIBAKE_HOME");
        builder.environment().putAll(env);
        builder.environment().put("AMIBAKE", "'" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -jar '"
                + AmibakeProcess.JAR.toAbsolutePath() + "'");
        Process process = builder.start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), out);
    }

    @Test
    void withHomeSetToAFreshDirectoryStateIsKeptUnderIt() throws Exception {
        // given
        assertThat(AmibakeProcess.JAR).isRegularFile();
        Path home = Files.createDirectories(scratch.resolve("home"));

        // when
        Run run = shell(Map.of("HOME", home.toString()), "eval \"$AMIBAKE status --json\"");

        // then
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out().strip()).endsWith("[]");
        assertThat(home.resolve(".amibake/repository")).isDirectory();
        try (var files = Files.list(home.resolve(".amibake/repository"))) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).anyMatch(n -> n.startsWith("amibake"));
        }
    }

    @Test
    void theBashCompletionScriptLoadsAndCompletesCommands() throws Exception {
        // when
        Run run = shell(Map.of(), String.join("\n", List.of(
                "set -e",
                "source <(eval \"$AMIBAKE completion bash\")",
                "complete -p amibake",
                "COMP_WORDS=(amibake rep); COMP_CWORD=1; COMP_LINE='amibake rep'; COMP_POINT=${#COMP_LINE}",
                "_complete_amibake",
                "echo \"completions: ${COMPREPLY[*]}\"")));

        // then
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).contains("-F _complete_amibake amibake").contains("completions: report");
    }

    @Test
    void noArgumentsExitsTwo() throws Exception {
        // when
        Run run = shell(Map.of("HOME", scratch.toString()), "eval \"$AMIBAKE\"");

        // then
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).contains("Usage: amibake");
    }
}
