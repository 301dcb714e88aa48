package io.amibake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.recipe.CommandPlan;
import io.amibake.recipe.RecipeLoader;
import io.amibake.recipe.RemoteCommand;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sandbox's model of what an instance holds, driven by the recipes' own scripts. */
class ShellModelTest {

    private static final String AL2023 = "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64";

    @Test
    void theHttpdRecipesCommandsInstallEnableAndServeThePage() throws Exception {
        // given
        InstanceContents box = InstanceContents.base(AL2023).boot();

        // when
        List<ShellModel.Outcome> outcomes = runAll(box, "recipes/httpd.yaml");

        // then every command succeeds, the check-page step included
        assertThat(outcomes).allSatisfy(o -> assertThat(o.exitCode()).as(o.stderr()).isZero());
        assertThat(box.packages).contains("httpd");
        assertThat(box.enabled).contains("httpd");
        assertThat(box.files.get("/var/www/html/index.html")).contains("It works");
        assertThat(box.isActive("httpd")).as("stopped by the cleanup").isFalse();
    }

    @Test
    void anInstanceLaunchedFromTheImageStartsItsEnabledServicesAndServesThePage() throws Exception {
        // given the build instance after the recipe
        InstanceContents build = InstanceContents.base(AL2023).boot();
        runAll(build, "recipes/httpd.yaml");

        // when an instance boots from its image
        InstanceContents launched = build.disk().boot();

        // then
        ShellModel.Outcome check = run(launched, "systemctl is-active httpd",
                "curl -fsS http://localhost/ | grep -q 'It works'");
        assertThat(check.exitCode()).isZero();
        assertThat(check.stdout()).isEqualTo("active\n");
    }

    @Test
    void aCleanupThatRemovesThePageFailsTheCheckWithCurlsError() {
        // given
        InstanceContents box = InstanceContents.base(AL2023).boot();
        run(box, "dnf install -y httpd", "systemctl enable --now httpd",
                "echo '<h1>It works</h1>' > /var/www/html/index.html");

        // when
        run(box, "rm -rf /var/www/html/*");
        ShellModel.Outcome check = run(box.disk().boot(), "curl -fsS http://localhost/ | grep -q 'It works'");

        // then, under pipefail, the pipeline ends with grep's status, and curl says why
        assertThat(check.exitCode()).isEqualTo(1);
        assertThat(check.stderr()).contains("curl: (22) The requested URL returned error: 403");
    }

    @Test
    void aServiceThatWasStartedButNotEnabledIsNotActiveAfterABoot() {
        // given
        InstanceContents box = InstanceContents.base(AL2023).boot();
        run(box, "dnf install -y httpd", "systemctl start httpd");

        // when
        ShellModel.Outcome check = run(box.disk().boot(), "systemctl is-active httpd");

        // then
        assertThat(check.exitCode()).isEqualTo(3);
        assertThat(check.stdout()).isEqualTo("inactive\n");
    }

    @Test
    void enablingAUnitNoPackageProvidesFailsAsSystemctlDoes() {
        ShellModel.Outcome outcome = run(InstanceContents.base(AL2023).boot(), "systemctl enable --now httpd");

        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.stderr()).contains("httpd.service does not exist");
    }

    @Test
    void theLampRecipeAnswersItsDatabaseAndPhpChecksOnlyWhileMariadbRuns() throws Exception {
        // given
        InstanceContents box = InstanceContents.base(AL2023).boot();
        List<ShellModel.Outcome> outcomes = runAll(box, "recipes/lamp.yaml");
        assertThat(outcomes).allSatisfy(o -> assertThat(o.exitCode()).as(o.stderr()).isZero());
        InstanceContents launched = box.disk().boot();
        String page = String.join("\n", "cat > /var/www/html/t.php <<'PHP'", "<?php",
                "$db = new mysqli('localhost', 'test', 'secret');", "echo 'database ok';", "PHP",
                "curl -fsS http://localhost/t.php | grep -q 'database ok'");

        // when / then
        assertThat(run(launched, "mysqladmin ping", "php -m | grep -q mysqli", page).exitCode()).isZero();
        run(launched, "systemctl stop mariadb");
        assertThat(run(launched, "mysql -e 'SELECT 1'").stderr()).contains("ERROR 2002");
        assertThat(run(launched, page).stderr()).contains("returned error: 500");
    }

    @Test
    void onlyTheBranchOfTheImagesPackageManagerAndTheTakenIfBranchRun() {
        // given an Ubuntu image
        InstanceContents box = InstanceContents.base("ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server")
                .boot();

        // when
        ShellModel.Outcome outcome = run(box,
                "if command -v dnf >/dev/null 2>&1; then pm=dnf",
                "elif command -v apt-get >/dev/null 2>&1; then pm=apt-get",
                "else echo 'none' >&2; exit 1",
                "fi",
                "case \"$pm\" in",
                "  apt-get) apt-get install -y apache2; systemctl enable --now apache2 ;;",
                "  *) dnf install -y httpd; systemctl enable --now httpd ;;",
                "esac");

        // then
        assertThat(outcome.exitCode()).isZero();
        assertThat(box.packages).containsExactly("apache2");
        assertThat(box.isActive("apache2")).isTrue();
    }

    private static List<ShellModel.Outcome> runAll(InstanceContents box, String recipe) throws Exception {
        List<RemoteCommand> commands = CommandPlan.of(RecipeLoader.load(Path.of(recipe), Map.of()));
        return commands.stream().map(c -> ShellModel.run(box, c.lines())).toList();
    }

    private static ShellModel.Outcome run(InstanceContents box, String... lines) {
        return ShellModel.run(box, List.of(lines));
    }
}
