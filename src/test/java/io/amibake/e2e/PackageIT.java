package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.Ci;
import io.amibake.RealMachines;
import io.amibake.SandboxExtension;
import io.amibake.sandbox.DebianBase;
import io.amibake.sandbox.LatencyProfile;
import io.amibake.sandbox.MachineOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Debian package as an administrator meets it (docs/install.md): installed with
 * {@code apt-get install ./amibake_*.deb} on a booted Debian 12 (the JRE from Debian's mirror),
 * its unit started, the demo recipe baked through it against a sandbox on the host, the unit
 * stopped mid-bake and started again, the bake resumed to its end; then an upgrade to a newer
 * build, which restarts the service and keeps the job repository.
 *
 * <p>The package is the one {@code mvn -Ppackage} built into {@code target/} ({@code .ci/run}
 * builds it); the container boots from the sandbox's real-machine base image, built once per host.
 */
@ResourceLock(RealMachines.LOCK)
@Timeout(900)
class PackageIT {

    private static final Duration APT = Duration.ofMinutes(5);
    private static final Duration SERVICE = Duration.ofMinutes(3);
    private static final Duration COMMAND = Duration.ofMinutes(1);

    @RegisterExtension
    static final RealMachines machines = new RealMachines();

    /** CreateImage takes 10 minutes of sandbox time, 12 s of real time: a bake's middle to stop in. */
    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.02,
            o -> o.withProfile(LatencyProfile.aws().with("image-create", Duration.ofMinutes(10))));

    @TempDir
    Path scratch;

    @Test
    void installsStartsStopsMidBakeResumesAndUpgradesKeepingHistory() throws Exception {
        Path deb = newestPackage();
        Path base = DebianBase.ensure(MachineOptions.of("debian"), line -> System.err.println("PackageIT: " + line));
        Path shared = Files.createDirectories(scratch.resolve("shared"));
        Files.copy(deb, shared.resolve(deb.getFileName()));
        Path upgrade = newerBuild(deb, shared);
        // apt keeps what it downloaded here, so a second run on this host takes the JRE from it.
        Path archives = Files.createDirectories(base.resolveSibling("package-it-apt-archives").resolve("partial"))
                .getParent();
        int port = freePort();

        try (DebianContainer host = DebianContainer.boot(base, scratch.resolve("container"), "amibake-package-it",
                List.of(shared + ":/mnt/amibake", archives + ":/var/cache/apt/archives"))) {
            // when the package is installed as an administrator would
            host.sh(APT, "cd /mnt/amibake && apt-get update -qq && DEBIAN_FRONTEND=noninteractive"
                    + " apt-get install -y -qq ./" + deb.getFileName());

            // then the command, its completion, the account and the settings' owners are in place, and
            // the unit waits for a recipe
            assertThat(host.sh(COMMAND, "amibake --version")).contains("amibake ");
            assertThat(host.sh(COMMAND, "grep -c 'complete -F' /usr/share/bash-completion/completions/amibake"))
                    .isNotBlank();
            assertThat(host.sh(COMMAND, "getent passwd amibake")).contains(":/var/lib/amibake:");
            assertThat(host.sh(COMMAND, "stat -c '%n %a %U:%G' /etc/amibake /etc/amibake/serve.properties"
                    + " /etc/amibake/vars /var/lib/amibake")).isEqualTo("""
                    /etc/amibake 750 root:amibake
                    /etc/amibake/serve.properties 640 root:amibake
                    /etc/amibake/vars 640 root:amibake
                    /var/lib/amibake 750 amibake:amibake
                    """);
            assertThat(host.run(COMMAND, "systemctl", "is-active", "amibake").output().strip()).isEqualTo("inactive");

            // when the demo recipe is scheduled every minute against the sandbox, and the unit started
            String recipe = Files.readString(Path.of("recipes/httpd.yaml"))
                    + "\nschedule: {cron: \"* * * * *\", zone: UTC, when: sourceChanged}\n";
            Files.writeString(shared.resolve("httpd.yaml"), recipe);
            host.sh(COMMAND, "install -m 0640 -g amibake /mnt/amibake/httpd.yaml /etc/amibake/recipes/httpd.yaml"
                    + " && printf 'AWS_ENDPOINT_URL=" + sandbox.endpoint() + "\\nAWS_ACCESS_KEY_ID=test\\n"
                    + "AWS_SECRET_ACCESS_KEY=test\\nAWS_REGION=us-east-1\\n' >> /etc/amibake/environment"
                    + " && echo server.port=" + port + " >> /etc/amibake/serve.properties"
                    + " && systemctl start amibake");

            // and stopped while the bake waits for its image
            awaitTrue(Duration.ofMinutes(4), "the bake's CreateImage", () -> sandbox.stats().count("CreateImage") > 0,
                    () -> journal(host));
            host.sh(SERVICE, "systemctl stop amibake");

            // then the service stopped cleanly and the bake is stopped, resumable
            assertThat(host.run(COMMAND, "systemctl", "is-active", "amibake").output().strip()).isEqualTo("inactive");
            assertThat(host.sh(COMMAND, "systemctl show amibake -p Result")).contains("Result=success");
            List<JsonNode> stopped = bakes(host);
            assertThat(stopped).extracting(b -> b.get("status").asString()).containsExactly("STOPPED");

            // when it starts again
            host.sh(COMMAND, "systemctl start amibake");

            // then it resumes that bake, without a second image, to its end
            String bakeId = stopped.get(0).get("bake").asString();
            awaitTrue(SERVICE, "the resumed bake to complete", () -> journal(host).contains("bake " + bakeId
                    + " completed"), () -> journal(host));
            assertThat(journal(host)).contains("resuming the bake of the slot")
                    .doesNotContain("can be read by other users");
            assertThat(sandbox.stats().count("CreateImage")).isEqualTo(1);

            // when a newer build is installed over it while the service runs
            String pidBefore = host.sh(COMMAND, "systemctl show amibake -p MainPID --value").strip();
            host.sh(APT, "cd /mnt/amibake && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./"
                    + upgrade.getFileName());

            // then the service runs the new version, restarted, with its settings and its history
            assertThat(host.sh(COMMAND, "dpkg-query -W -f '${Version}' amibake")).endsWith("+upgrade");
            assertThat(host.run(COMMAND, "systemctl", "is-active", "amibake").output().strip()).isEqualTo("active");
            assertThat(host.sh(COMMAND, "systemctl show amibake -p MainPID --value").strip()).isNotEqualTo(pidBefore);
            assertThat(host.sh(COMMAND, "cat /etc/amibake/serve.properties")).contains("server.port=" + port);
            host.sh(SERVICE, "systemctl stop amibake");
            // (one line per bake: its last run, the resumed one, after the stopped one)
            List<JsonNode> after = bakes(host);
            assertThat(after).extracting(b -> b.get("bake").asString() + " " + b.get("status").asString())
                    .contains(bakeId + " COMPLETED");
            assertThat(after).filteredOn(b -> b.get("bake").asString().equals(bakeId))
                    .extracting(b -> b.get("execution").asLong())
                    .doesNotContain(stopped.get(0).get("execution").asLong());
        }
    }

    /** The package {@code mvn -Ppackage} built last; fails under CI without one, else skips. */
    private static Path newestPackage() throws IOException {
        Path found = null;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            found = files.filter(f -> f.getFileName().toString().matches("amibake_.*_all\\.deb"))
                    .max(Comparator.comparing(f -> f.toFile().lastModified())).orElse(null);
        }
        Ci.require(found != null, "Debian package in target/ (build it with: mvn -B -Ppackage -DskipTests package)");
        return found;
    }

    /** The same package under a higher version: what dpkg sees when a newer build comes. */
    private static Path newerBuild(Path deb, Path dir) throws IOException, InterruptedException {
        Path tree = dir.resolve("unpacked");
        exec("dpkg-deb", "-R", deb.toString(), tree.toString());
        Path control = tree.resolve("DEBIAN/control");
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^(Version: .*)$", "$1+upgrade"));
        Path newer = dir.resolve("amibake_upgrade_all.deb");
        exec("dpkg-deb", "--root-owner-group", "-b", tree.toString(), newer.toString());
        return newer;
    }

    private static void exec(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(String.join(" ", command) + ":\n" + output).isZero();
    }

    /** The bakes of the service's job repository, read as its account reads them (the service stopped). */
    private static List<JsonNode> bakes(DebianContainer host) throws Exception {
        String json = host.sh(COMMAND, "runuser -u amibake -- amibake status --json");
        JsonNode list = JsonMapper.builder().build().readTree(json.lines().filter(l -> l.startsWith("["))
                .findFirst().orElseThrow(() -> new AssertionError("no JSON from amibake status:\n" + json)));
        return list.valueStream().toList();
    }

    private static String journal(DebianContainer host) {
        try {
            return host.sh(COMMAND, "journalctl -u amibake -o cat --no-pager");
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void awaitTrue(Duration deadline, String what, BooleanSupplier condition, Supplier<String> log) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("waited " + deadline + " for " + what + "; the service's journal:\n" + log.get());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
