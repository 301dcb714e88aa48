package io.amibake.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommandPlanTest {

    private static final Path BASH = Path.of("/bin/bash");

    private static Recipe load(String file) throws RecipeException {
        return RecipeLoader.load(Path.of(file), Map.of());
    }

    private static Recipe minimal(Packages packages, List<ShellStep> provision, Cleanup cleanup) {
        return new Recipe("web", null, null, new Source("us-east-1", "ami-12345678", null, null),
                new Build("t3.micro", null, null, null, 0, null, null), packages, provision, cleanup,
                new ImageSpec("{{recipe}}-{{timestamp}}", null, null), null, null);
    }

    @Test
    void commandsComeInBakeOrderWithStableKeys() throws RecipeException {
        // when
        List<RemoteCommand> plan = CommandPlan.of(load("recipes/httpd.yaml"));

        // then
        assertThat(plan).extracting(RemoteCommand::key).containsExactly("packages", "provision:deploy-page",
                "provision:check-page", "cleanup:run:remove-deploy-secrets", "cleanup:builtin");
        assertThat(plan).extracting(RemoteCommand::phase)
                .containsExactly("packages", "provision", "provision", "cleanup", "cleanup");
    }

    @Test
    void everyCommandStartsInStrictBash() throws RecipeException {
        // when
        List<RemoteCommand> plan = CommandPlan.of(load("recipes/lamp.yaml"));

        // then
        assertThat(plan).isNotEmpty().allSatisfy(command ->
                assertThat(command.lines()).startsWith("#!/bin/bash", "set -euo pipefail"));
    }

    @Test
    void timeoutsDefaultByPhaseUnlessTheStepSetsOne() throws RecipeException {
        // when
        List<RemoteCommand> plan = CommandPlan.of(load("recipes/httpd.yaml"));

        // then
        assertThat(plan).extracting(RemoteCommand::timeout).containsExactly(Duration.ofMinutes(30),
                Duration.ofMinutes(10), Duration.ofMinutes(2), Duration.ofMinutes(10), Duration.ofMinutes(10));
    }

    @Test
    void aStepsScriptIsSentLineByLine() {
        // given
        Recipe recipe = minimal(null, List.of(new ShellStep("page", "echo a\n  echo b\n", null)), null);

        // when
        RemoteCommand command = CommandPlan.of(recipe).get(0);

        // then
        assertThat(command.key()).isEqualTo("provision:page");
        assertThat(command.name()).isEqualTo("page");
        assertThat(command.lines()).containsExactly("#!/bin/bash", "set -euo pipefail", "echo a", "  echo b");
        assertThat(command.script()).isEqualTo("#!/bin/bash\nset -euo pipefail\necho a\n  echo b\n");
    }

    @Test
    void aRecipeWithoutPackagesOrCleanupSendsOnlyItsSteps() {
        // given
        Recipe recipe = minimal(Packages.NONE, List.of(new ShellStep("one", "true", null)), Cleanup.NONE);

        // when / then
        assertThat(CommandPlan.of(recipe)).extracting(RemoteCommand::key).containsExactly("provision:one");
    }

    @Test
    void builtinCleanupStopsServicesThenRunsTheCleanersInTheGivenOrder() {
        // given
        Cleanup cleanup = new Cleanup(List.of("tmp", "logs"), List.of("httpd", "mariadb"), List.of());

        // when
        RemoteCommand builtin = CommandPlan.of(minimal(null, null, cleanup)).get(0);

        // then
        List<String> expected = new java.util.ArrayList<>(List.of("#!/bin/bash", "set -euo pipefail",
                "# stop services", "systemctl stop 'httpd' 'mariadb'", "# cleaner: tmp"));
        expected.addAll(Cleaners.commands("tmp"));
        expected.add("# cleaner: logs");
        expected.addAll(Cleaners.commands("logs"));
        expected.add("sync");
        assertThat(builtin.key()).isEqualTo("cleanup:builtin");
        assertThat(builtin.lines()).isEqualTo(expected);
    }

    @Test
    void extraPackagesAndServicesAreQuotedShellWords() {
        // given
        Packages packages = new Packages(null, List.of("jq", "php-gd"), List.of("crond"));

        // when
        RemoteCommand command = CommandPlan.of(minimal(packages, null, null)).get(0);

        // then
        assertThat(command.lines()).contains("install_packages 'jq' 'php-gd'", "systemctl enable --now 'crond'")
                .noneMatch(line -> line.startsWith("# preset"));
    }

    @Test
    void everyCommandOfEveryShippedRecipeIsValidBash() throws Exception {
        assumeTrue(Files.isExecutable(BASH), "needs /bin/bash");
        for (String file : List.of("recipes/httpd.yaml", "recipes/lamp.yaml", "src/test/resources/valid/everything.yaml")) {
            for (RemoteCommand command : CommandPlan.of(load(file))) {
                // when
                Process bash = new ProcessBuilder(BASH.toString(), "-n").redirectErrorStream(true).start();
                bash.getOutputStream().write(command.script().getBytes());
                bash.getOutputStream().close();
                String output = new String(bash.getInputStream().readAllBytes());

                // then
                assertThat(bash.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(bash.exitValue()).as("%s %s: %s", file, command.key(), output).isZero();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dnf", "yum", "apt-get"})
    void theLampPresetPicksThePackageManagerTheImageHas(String manager, @TempDir Path bin) throws Exception {
        assumeTrue(Files.isExecutable(BASH), "needs /bin/bash");
        // given: a PATH holding only recording stand-ins for the package manager and systemctl
        Path log = bin.resolve("calls.log");
        for (String tool : List.of(manager, "systemctl", "amazon-linux-extras")) {
            Path stub = bin.resolve(tool);
            Files.writeString(stub, "#!/bin/bash\necho \"${0##*/} $*\" >> '" + log + "'\n");
            Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        RemoteCommand packages = CommandPlan.of(minimal(new Packages("lamp", List.of(), List.of()), null, null)).get(0);

        // when
        int exit = run(packages, bin);

        // then
        assertThat(exit).isZero();
        List<String> calls = Files.readAllLines(log);
        switch (manager) {
            case "dnf" -> assertThat(calls).containsExactly(
                    "dnf install -y httpd mariadb105-server php php-mysqlnd php-fpm",
                    "systemctl enable --now httpd mariadb php-fpm");
            case "yum" -> assertThat(calls).startsWith(
                    "amazon-linux-extras install -y mariadb10.5 php8.2",
                    "yum install -y httpd mariadb-server php php-mysqlnd",
                    "systemctl enable --now httpd mariadb");
            default -> assertThat(calls).containsExactly(
                    "apt-get -o DPkg::Lock::Timeout=600 update -y",
                    "apt-get -o DPkg::Lock::Timeout=600 install -y apache2 mariadb-server php libapache2-mod-php php-mysql",
                    "systemctl enable --now apache2 mariadb");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dnf", "apt-get"})
    void theHttpdPresetInstallsTheDistributionsApache(String manager, @TempDir Path bin) throws Exception {
        assumeTrue(Files.isExecutable(BASH), "needs /bin/bash");
        // given
        Path log = bin.resolve("calls.log");
        for (String tool : List.of(manager, "systemctl")) {
            Path stub = bin.resolve(tool);
            Files.writeString(stub, "#!/bin/bash\necho \"${0##*/} $*\" >> '" + log + "'\n");
            Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Packages packages = new Packages("httpd", List.of("jq"), List.of());

        // when
        int exit = run(CommandPlan.of(minimal(packages, null, null)).get(0), bin);

        // then
        assertThat(exit).isZero();
        String apache = manager.equals("dnf") ? "httpd" : "apache2";
        String install = manager.equals("dnf") ? "dnf install -y " : "apt-get -o DPkg::Lock::Timeout=600 install -y ";
        assertThat(Files.readAllLines(log)).contains(install + apache, "systemctl enable --now " + apache,
                install + "jq");
    }

    @Test
    void withoutAPackageManagerThePackagesCommandFails(@TempDir Path bin) throws Exception {
        assumeTrue(Files.isExecutable(BASH), "needs /bin/bash");
        // when
        int exit = run(CommandPlan.of(minimal(new Packages("httpd", List.of(), List.of()), null, null)).get(0), bin);

        // then
        assertThat(exit).isEqualTo(1);
    }

    private static int run(RemoteCommand command, Path bin) throws IOException, InterruptedException {
        Path script = bin.resolve("script.sh");
        Files.writeString(script, command.script());
        ProcessBuilder builder = new ProcessBuilder(BASH.toString(), script.toString()).redirectErrorStream(true);
        builder.environment().put("PATH", bin.toString());
        Process process = builder.start();
        process.getInputStream().readAllBytes();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return process.exitValue();
    }
}
