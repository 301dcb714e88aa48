package io.amibake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * run.sh and the Debian package's launcher start the JVM with the same flags: each is run with a
 * stand-in {@code java} that prints the arguments it was given, and the flags it got (argument
 * files read as the java launcher reads them) are compared.
 */
class LaunchersTest {

    private static final Path OPTIONS = Path.of("src/main/launcher/jvm.options");
    private static final String INSTALLED_OPTIONS = "/usr/share/amibake/jvm.options";

    @TempDir
    Path temp;

    @Test
    @Timeout(60)
    void runShAndTheDebianLauncherGiveTheJvmTheSameFlags() throws Exception {
        // given
        Path fakeJava = fakeJava();

        // when
        List<String> runSh = flags(runSh(fakeJava), Map.of());
        List<String> deb = flags(run(List.of("sh", Path.of("src/deb/amibake").toAbsolutePath().toString(), "--version"),
                Map.of("JAVA_HOME", fakeJava.getParent().getParent().toString())), Map.of(INSTALLED_OPTIONS, OPTIONS));

        // then
        assertThat(deb).isEqualTo(runSh).contains("-Xmx384m");
        assertThat(Files.readString(Path.of("pom.xml"))).as("the package installs the options where its launcher reads them")
                .containsPattern("<src>\\$\\{project.basedir}/src/main/launcher/jvm.options</src>\\s*<type>file</type>\\s*"
                        + "<mapper><type>perm</type><prefix>/usr/share/amibake</prefix>");
    }

    /** A {@code java} that says it is Java 17 when run.sh asks, and else prints its arguments, one a line. */
    private Path fakeJava() throws IOException {
        Path bin = Files.createDirectories(temp.resolve("jdk/bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, """
                #!/bin/sh
                case "$*" in *-XshowSettings*) echo '    java.specification.version = 17' >&2; exit 0;; esac
                for argument in "$@"; do echo "$argument"; done
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return java;
    }

    /** run.sh in a copy of the checkout whose jar is newer than its sources, so it builds nothing. */
    private List<String> runSh(Path fakeJava) throws Exception {
        Path checkout = Files.createDirectories(temp.resolve("checkout"));
        Files.copy(Path.of("run.sh"), checkout.resolve("run.sh"));
        Files.copy(Path.of("pom.xml"), checkout.resolve("pom.xml"));
        Path options = checkout.resolve(OPTIONS);
        Files.createDirectories(options.getParent());
        Files.copy(OPTIONS, options);
        Path target = Files.createDirectories(checkout.resolve("target"));
        Path jar = Files.createFile(target.resolve("amibake.jar"));
        // No class data sharing archive to record from a jar that is not one.
        Path failed = Files.createFile(target.resolve("cds.failed"));
        FileTime old = FileTime.from(Instant.now().minusSeconds(3600));
        for (Path source : List.of(checkout.resolve("pom.xml"), options, options.getParent(), options.getParent().getParent(),
                checkout.resolve("src"))) {
            Files.setLastModifiedTime(source, old);
        }
        Files.setLastModifiedTime(failed, FileTime.from(Instant.now().plusSeconds(60)));
        return run(List.of("bash", checkout.resolve("run.sh").toString(), "--version"),
                Map.of("PATH", fakeJava.getParent() + ":/usr/bin:/bin"));
    }

    private static List<String> run(List<String> command, Map<String, String> environment) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().remove("AMIBAKE_JAVA_OPTS");
        builder.environment().remove("JAVA_HOME");
        builder.environment().putAll(environment);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as(command + " ended within 30 s").isTrue();
        assertThat(process.exitValue()).as(command + " exit code").isZero();
        return out.lines().toList();
    }

    /** The arguments before the jar or class path, argument files read (installed paths mapped to the checkout's). */
    private static List<String> flags(List<String> arguments, Map<String, Path> installed) throws IOException {
        List<String> flags = new ArrayList<>();
        for (String argument : arguments) {
            if (argument.equals("-jar") || argument.equals("-cp")) {
                break;
            }
            if (argument.startsWith("@")) {
                Path file = installed.getOrDefault(argument.substring(1), Path.of(argument.substring(1)));
                flags.addAll(Arrays.asList(Files.readString(file).strip().split("\\s+")));
            } else {
                flags.add(argument);
            }
        }
        return flags;
    }
}
