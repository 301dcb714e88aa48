package io.amibake.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.Ci;
import io.amibake.SandboxExtension;
import io.amibake.TestRecipes;
import io.amibake.cli.AmibakeCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The report of a completed three-region bake and of a failed one, opened in headless Chromium:
 * no console error, no request beyond the file itself, one bar per step run and per region, the
 * failed step marked. Screenshots are kept under target/report-screenshots for a person to look at.
 */
class ReportBrowserTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    static Path home;

    @TempDir
    static Path profile;

    private static final Path SCREENSHOTS = Path.of("target", "report-screenshots");
    private static HeadlessChromium chromium;

    @BeforeAll
    static void startBrowser() throws Exception {
        // CI installs Debian's chromium (.ci/run).
        Ci.require(HeadlessChromium.executable() != null, "chromium for the report test: apt-get install chromium");
        chromium = HeadlessChromium.start(profile);
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (chromium != null) {
            chromium.close();
        }
    }

    private String amibake(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(args);
        return exit + "\n" + out + err;
    }

    @Test
    void aCompletedAndAFailedBakeReadInABrowserWithoutTheNetwork() throws Exception {
        // given a completed three-region bake, then one whose page check fails
        assertThat(amibake("bake", "recipes/httpd.yaml", "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString())).startsWith("0\n");
        sandbox.faults().failCommand("curl -fsS http://localhost/", 7, "curl: (7) Failed to connect to localhost");
        try {
            assertThat(amibake("bake", "recipes/httpd.yaml", "--endpoint-url", sandbox.endpoint().toString(),
                    "--home", home.toString())).startsWith("1\n");
        } finally {
            sandbox.faults().clear();
        }
        List<String> bakes = bakeIds();

        // when each bake's report is written next to the other's
        Path reports = home.resolve("reports");
        for (String bake : bakes) {
            assertThat(amibake("report", bake, "--home", home.toString())).startsWith("0\n");
        }
        Path completed = reports.resolve(bakes.get(1) + ".html");
        Path failed = reports.resolve(bakes.get(0) + ".html");

        // then the completed one shows every step and region, green, without the network
        var load = chromium.open(completed);
        assertThat(load.consoleErrors()).isEmpty();
        assertThat(load.requests()).as("requests").allSatisfy(url -> assertThat(url).isEqualTo(completed.toUri()
                .toString()));
        assertThat(names("rect.bar.step")).containsExactly("prepare", "resolveSource", "checkResources",
                "launchInstance", "waitForAgent", "installPackages", "provision", "cleanup", "stopInstance",
                "createImage", "waitForImage", "testImage", "terminateInstance", "applyRetention", "writeManifest");
        assertThat(names("rect.bar.region")).containsExactly("us-east-1", "us-west-2", "eu-west-1");
        assertThat(names("rect.bar.failed")).isEmpty();
        assertThat(chromium.evaluate("document.querySelectorAll('#commands details').length").asInt())
                .isEqualTo(5);
        chromium.screenshot(SCREENSHOTS.resolve("completed.png"));

        // and the failed one marks the failed step and links to the completed bake's report
        load = chromium.open(failed);
        assertThat(load.consoleErrors()).isEmpty();
        assertThat(load.requests()).allSatisfy(url -> assertThat(url).isEqualTo(failed.toUri().toString()));
        assertThat(names("rect.bar.failed")).containsExactly("provision");
        assertThat(names("rect.bar.region")).isEmpty();
        assertThat(chromium.evaluate("document.querySelector('#failure').textContent").asString())
                .contains("check-page").contains("exit code 7");
        assertThat(chromium.evaluate("document.querySelector('details.command.failed').textContent")
                .asString()).contains("check-page").contains("exit code 7").contains("Failed to connect");
        String link = chromium.evaluate("document.querySelector('#history a').getAttribute('href')").asString();
        assertThat(reports.resolve(link)).isEqualTo(completed).exists();
        chromium.screenshot(SCREENSHOTS.resolve("failed.png"));
    }

    @Test
    void hostileCommandOutputIsShownAsTextAndInjectsNothing() throws Exception {
        // given a bake whose command prints markup to stdout, and fails with markup on stderr
        String hostile = "</pre><img src=x onerror=\"document.body.dataset.injected=1\"><script>"
                + "document.body.dataset.injected=2</script><b class=\"injected\">&amp;</b>";
        Path recipe = Files.writeString(home.resolve("hostile.yaml"),
                TestRecipes.oneRegion("hostile", "echo '" + hostile + "'", ""));
        sandbox.faults().failCommand("injected", 1, hostile);
        try {
            assertThat(amibake("bake", recipe.toString(), "--endpoint-url", sandbox.endpoint().toString(),
                    "--home", home.toString())).startsWith("1\n");
        } finally {
            sandbox.faults().clear();
        }
        Path report = home.resolve("hostile.html");
        assertThat(amibake("report", "hostile", "-o", report.toString(), "--home", home.toString())).startsWith("0\n");

        // then the file holds the markup escaped, as text
        String html = Files.readString(report);
        assertThat(html).doesNotContain(hostile)
                .contains("&lt;/pre&gt;&lt;img src=x onerror=&quot;document.body.dataset.injected=1&quot;&gt;"
                        + "&lt;script&gt;document.body.dataset.injected=2&lt;/script&gt;"
                        + "&lt;b class=&quot;injected&quot;&gt;&amp;amp;&lt;/b&gt;");

        // and Chromium shows it as text, with no element injected and nothing run
        var load = chromium.open(report);
        assertThat(load.consoleErrors()).isEmpty();
        assertThat(chromium.evaluate("document.querySelectorAll('img, script, b.injected').length").asInt()).isZero();
        assertThat(chromium.evaluate("document.body.dataset.injected === undefined").asBoolean()).isTrue();
        assertThat(chromium.evaluate("[...document.querySelectorAll('details.command.failed pre')]"
                + ".map(pre => pre.textContent)")).hasSize(2).allSatisfy(shown -> assertThat(shown.asString())
                .as("stdout and stderr as shown").isEqualToIgnoringWhitespace(hostile));
    }

    /** The bakes in the repository, newest first. */
    private List<String> bakeIds() {
        String status = amibake("status", "httpd", "--home", home.toString());
        List<String> ids = new ArrayList<>();
        for (String line : status.lines().toList()) {
            Matcher m = Pattern.compile("^(\\d+) ").matcher(line);
            if (m.find()) {
                ids.add(m.group(1));
            }
        }
        List<String> bakes = new ArrayList<>();
        for (String execution : ids) {
            String out = amibake("status", "--execution", execution, "--home", home.toString());
            Matcher m = Pattern.compile("bake (\\S+),").matcher(out);
            assertThat(m.find()).as(out).isTrue();
            bakes.add(m.group(1));
        }
        assertThat(bakes).hasSize(2);
        return bakes;
    }

    private List<String> names(String selector) throws Exception {
        JsonNode names = chromium.evaluate("[...document.querySelectorAll('" + selector
                + "')].map(e => e.dataset.name)");
        List<String> list = new ArrayList<>();
        names.forEach(n -> list.add(n.asString()));
        return list;
    }
}
