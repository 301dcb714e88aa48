package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.RealMachines;
import io.amibake.SandboxExtension;
import io.amibake.sandbox.MachineOptions;
import io.amibake.sandbox.SandboxInstance;
import io.amibake.sandbox.SandboxMachines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Bakes on real machines, end to end: the packaged program against a sandbox whose Debian
 * instances are containers, so the presets install real packages, the cleaners clean a real disk,
 * and the image tests run on a real boot of the image (docs/sandbox.md, "Real machines"). What
 * the image holds is read from its layers, not from what commands printed. The bakes run side by
 * side, each with its own home, against one sandbox.
 */
@Execution(ExecutionMode.CONCURRENT)
@Timeout(1200)
class RealMachineBakeIT {

    private static final Duration BAKE = Duration.ofMinutes(15);
    /** The image line of a completed bake, or the testImage line of one whose image failed its test. */
    private static final Pattern IMAGE = Pattern.compile("image:? +(ami-[0-9a-f]+)");

    @RegisterExtension
    static final RealMachines machines = new RealMachines();

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.01,
            o -> o.withMachines(MachineOptions.of("debian")));

    @TempDir
    Path scratch;

    private AmibakeProcess bake(Path recipe) {
        return AmibakeProcess.run(scratch, BAKE, "bake", recipe.toString(), "--endpoint-url",
                sandbox.endpoint().toString(), "--home", scratch.resolve("home").toString());
    }

    private Path recipe(String name, String text) throws IOException {
        return Files.writeString(scratch.resolve(name + ".yaml"), text);
    }

    /** The shipped recipe with {@code from} replaced by {@code to}; fails if {@code from} is not in it. */
    private static String edit(String recipe, String from, String to) {
        assertThat(recipe).as("the recipe to change").contains(from);
        return recipe.replace(from, to);
    }

    private static String imageOf(AmibakeProcess bake) {
        Matcher m = IMAGE.matcher(bake.stdout());
        assertThat(m.find()).as(bake.output()).isTrue();
        return m.group(1);
    }

    private static long buildMachines(String recipe) {
        return sandbox.instances().stream().map(SandboxInstance::tags)
                .filter(tags -> ("amibake build: " + recipe).equals(tags.get("Name"))).count();
    }

    @Test
    void httpdBakesOnARealMachineAndTheImageHoldsNothingTheCleanupRemoves() throws Exception {
        // given the shipped Debian recipe, with a step that leaves what a real build leaves behind,
        // and tests that the image's first boot makes its own host keys and machine id
        String shipped = Files.readString(Path.of("recipes/httpd-debian.yaml"));
        String traces = edit(shipped, "  - name: check-page\n", String.join("\n",
                "  - name: leave-traces",
                "    run: |",
                "      echo 'curl -H \"Authorization: secret\" https://example.com' > /root/.bash_history",
                "      mkdir -p /root/.ssh /root/.aws && echo 'ssh-ed25519 AAAA builder' > /root/.ssh/authorized_keys",
                "      echo 'aws_secret_access_key = x' > /root/.aws/credentials",
                "      echo token > /root/deploy-token && echo 'export TOKEN=x' > /etc/profile.d/deploy-env.sh",
                "      echo scratch > /tmp/build-scratch && echo scratch > /var/tmp/build-scratch",
                "      test -s /etc/ssh/ssh_host_ed25519_key && test -s /etc/machine-id",
                "  - name: check-page\n"));
        String tested = edit(traces, "      run: curl -fsS http://localhost/ | grep -q 'It works'\n", String.join("\n",
                "      run: curl -fsS http://localhost/ | grep -q 'It works'",
                "    - name: own-host-keys",
                "      run: test -s /etc/ssh/ssh_host_ed25519_key && test -s /etc/ssh/ssh_host_rsa_key",
                "    - name: own-machine-id",
                "      run: test -s /etc/machine-id",
                ""));
        // and the build machine's apt locks held at first, as unattended-upgrades holds them on AWS
        // (long enough that the first command finds them held, however slowly the bake gets there)
        sandbox.faults().holdAptLock(Duration.ofSeconds(20), "amibake build: httpd-debian");

        // when
        AmibakeProcess bake = bake(recipe("httpd-debian", tested));

        // then it completes, its image tested on a real boot of it
        assertThat(bake.exitCode()).as(bake.output()).isZero();
        assertThat(bake.stdout()).as(bake.output())
                .contains("test 'own-host-keys' passed", "test 'own-machine-id' passed", "test 'page-content' passed");
        AmibakeProcess logs = AmibakeProcess.run(scratch, "logs", "httpd-debian", "--step", "installPackages",
                "--home", scratch.resolve("home").toString());
        assertThat(logs.stdout()).as(logs.output())
                .containsPattern("amibake: waited \\d+ s for apt's lock, held by python3 \\(pid \\d+\\)")
                .contains("Setting up apache2 ");

        // and the image's own files hold none of what the cleanup removes
        SandboxMachines.ImageFiles image = sandbox.sandbox().machines().image(imageOf(bake));
        assertThat(image.read("/var/www/html/index.html")).hasValueSatisfying(page -> assertThat(page)
                .contains("It works"));
        assertThat(image.tree("/root")).noneMatch(f -> f.contains("history") || f.contains("authorized_keys")
                || f.contains("/root/.aws") || f.contains("deploy-token"));
        assertThat(image.exists("/etc/profile.d/deploy-env.sh")).isFalse();
        assertThat(image.tree("/etc/ssh")).noneMatch(f -> f.contains("ssh_host_"));
        assertThat(image.read("/etc/machine-id")).contains("");
        assertThat(image.tree("/tmp")).isEmpty();
        assertThat(image.tree("/var/tmp")).isEmpty();
        assertThat(image.tree("/var/cache/apt/archives")).noneMatch(f -> f.endsWith(".deb"));
        assertThat(image.tree("/var/lib/apt/lists")).isEmpty();
        assertThat(image.tree("/var/log")).filteredOn(f -> f.startsWith("f "))
                .filteredOn(f -> f.contains("/dpkg.log") || f.contains("/apt/") || f.contains("/apache2/"))
                .isNotEmpty().allMatch(f -> f.startsWith("f 0 "));
        assertThat(image.exists("/var/log/cloud-init.log")).isFalse();

        // and one build machine did it all, and nothing runs any more
        assertThat(buildMachines("httpd-debian")).isEqualTo(1);
    }

    @Test
    void lampBakesOnRealMachinesAndPassesItsTestsOnABootInEveryRegion() throws Exception {
        // when the shipped recipe bakes: Apache, MariaDB and PHP installed and started for real
        AmibakeProcess bake = bake(Path.of("recipes/lamp-debian.yaml").toAbsolutePath());

        // then each region's copy boots and passes the preset's tests and the recipe's
        assertThat(bake.exitCode()).as(bake.output()).isZero();
        assertThat(bake.stdout()).as(bake.output())
                .containsPattern("test 'php-connects-to-database' passed on i-[0-9a-f]+")
                .containsPattern("test 'app-answers' passed on i-[0-9a-f]+");
        assertThat(Pattern.compile("test 'app-answers' passed").matcher(bake.stdout()).results().count())
                .as(bake.output()).isEqualTo(2);
        SandboxMachines.ImageFiles image = sandbox.sandbox().machines().image(imageOf(bake));
        assertThat(image.exists("/etc/systemd/system/multi-user.target.wants/mariadb.service")).isTrue();
        assertThat(image.exists("/var/lib/mysql/mysql")).isTrue();
    }

    @Test
    void aCleanupThatDeletesThePageFailsTheImageTestOnARealBoot() throws Exception {
        // given a web server started on boot (Python's, which the image has: no package to install),
        // and a cleanup step that deletes the page it is meant to ship
        String recipe = minimal("deletes-page", "terminate", List.of(
                "  - name: web-server",
                "    run: |",
                "      mkdir -p /var/www/html && echo '<h1>It works</h1>' > /var/www/html/index.html",
                "      printf '%s\\n' '[Service]' 'ExecStart=/usr/bin/python3 -m http.server 80 -d /var/www/html' \\",
                "        '[Install]' 'WantedBy=multi-user.target' > /etc/systemd/system/web.service",
                "      systemctl enable --now web",
                "  - name: check-page",
                "    run: curl -fsS --retry 20 --retry-connrefused --retry-delay 1 http://localhost/ | grep 'It works'"));
        String broken = edit(edit(recipe, "cleanup:\n", "cleanup:\n  run:\n    - name: remove-secrets\n"
                        + "      run: rm -f /var/www/html/index.html\n"),
                "image:\n", "test:\n  steps:\n    - name: page-content\n      run: curl -fsS --retry 20"
                        + " --retry-connrefused --retry-delay 1 http://localhost/index.html | grep 'It works'\nimage:\n");

        // when
        AmibakeProcess bake = bake(recipe("deletes-page", broken));

        // then the image boots and serves, but not the page: the test fails with curl's own words
        assertThat(bake.exitCode()).as(bake.output()).isEqualTo(1);
        assertThat(bake.stderr()).as(bake.output())
                .contains("command 'page-content' in step testImage ended Failed with exit code 1")
                .contains("curl: (22) The requested URL returned error: 404");
        assertThat(sandbox.sandbox().machines().image(imageOf(bake)).exists("/var/www/html/index.html")).isFalse();
    }

    @Test
    void aProvisionStepThatExitsThreeFailsWithItsRealStderr() throws Exception {
        // given a step that reads the machine's own files and exits 3
        Path recipe = recipe("exits-three", minimal("exits-three", "terminate", List.of(
                "  - name: release-check",
                "    run: |",
                "      echo \"found Debian $(cat /etc/debian_version), need 13\" >&2",
                "      exit 3")));

        // when
        AmibakeProcess bake = bake(recipe);

        // then
        assertThat(bake.exitCode()).as(bake.output()).isEqualTo(1);
        assertThat(bake.stderr()).as(bake.output())
                .contains("command 'release-check' in step provision ended Failed with exit code 3")
                .containsPattern("found Debian 12\\.\\d+, need 13");
    }

    @Test
    void aBakeKilledDuringProvisionResumesWithTheSameMachineAndLeavesNoneRunning() throws Exception {
        // given a bake killed with SIGKILL while a provision step runs on its machine
        Path recipe = recipe("killed", minimal("killed", "stop", List.of(
                "  - name: slow-step",
                "    run: |",
                "      sleep 5",
                "      echo done > /srv/slow-step",
                "  - name: check",
                "    run: cat /srv/slow-step")));
        AmibakeProcess killed = AmibakeProcess.start(scratch, line -> line.contains("sent 'slow-step'"), "bake",
                recipe.toString(), "--endpoint-url", sandbox.endpoint().toString(), "--home",
                scratch.resolve("home").toString()).within(BAKE);
        assertThat(killed.exitCode()).as(killed.output()).isEqualTo(AmibakeProcess.KILLED);

        // when it resumes
        AmibakeProcess resume = AmibakeProcess.run(scratch, BAKE, "resume", "killed", "--endpoint-url",
                sandbox.endpoint().toString(), "--home", scratch.resolve("home").toString());

        // then it completes on the one build machine it launched, and no container is left running
        assertThat(resume.exitCode()).as(resume.output()).isZero();
        assertThat(buildMachines("killed")).isEqualTo(1);
        List<String> running = sandbox.instances().stream()
                .filter(i -> i.tags().getOrDefault("Name", "").contains("killed"))
                .filter(i -> !i.state().equals("terminated")).map(SandboxInstance::instanceId).toList();
        assertThat(running).as(resume.output()).isEmpty();
        assertThat(sandbox.sandbox().machines().image(imageOf(resume)).read("/srv/slow-step")).contains("done\n");
    }

    /** A recipe on Debian with no packages: a build machine, these provision steps, an image. */
    private static String minimal(String name, String onFailure, List<String> provision) {
        return String.join("\n",
                "name: " + name,
                "source:",
                "  region: us-east-1",
                "  ssm: /aws/service/debian/release/12/latest/amd64",
                "build:",
                "  instanceType: t3.micro",
                "  instanceProfile: AmazonSSMRoleForInstancesQuickSetup",
                "  onFailure: " + onFailure,
                "provision:",
                String.join("\n", provision),
                "cleanup:",
                "  cleaners: [tmp, machine-id]",
                "image:",
                "  name: \"{{recipe}}-{{date:yyyyMMdd-HHmmss}}\"",
                "regions: [us-east-1]",
                "");
    }
}
