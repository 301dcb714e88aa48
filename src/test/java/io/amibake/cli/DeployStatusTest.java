package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.sandbox.SandboxInstance;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@code status --execution}, its JSON and the report show of a bake that tests its copies in
 * their regions and deploys a launch template and two instances per region: a completed bake, then
 * one whose copy test fails in eu-west-1, which keeps the first bake's instances there.
 */
class DeployStatusTest {

    private static final List<String> REGIONS = List.of("us-east-1", "us-west-2", "eu-west-1");

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.0005);

    @TempDir
    static Path home;

    /** The first bake's execution, the second's, and each bake's deployed instances by region. */
    private static long first;
    private static long second;
    private static final Map<String, Set<String>> firstDeployed = new LinkedHashMap<>();
    private static final Map<String, Set<String>> secondDeployed = new LinkedHashMap<>();

    private static String out;
    private static String err;

    @BeforeAll
    static void bakeTwiceTheSecondFailingInEuWest1() throws Exception {
        String yaml = Files.readString(Path.of("recipes/httpd.yaml")).replace("name: httpd", "name: shop")
                .replace("test:\n  steps:", "test:\n  regions: all\n  steps:")
                .replace("launchTemplate: httpd-web", "launchTemplate: shop-web")
                .replace("count: 1", "count: 2");
        Path recipe = home.resolve("shop.yaml");
        Files.writeString(recipe, yaml);
        assertThat(amibake("bake", recipe.toString(), "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString())).as(err).isZero();
        REGIONS.forEach(region -> firstDeployed.put(region, deployed(region)));
        sandbox.faults().failNext("SendCommand", "eu-west-1", "AccessDeniedException", 1);
        try {
            assertThat(amibake("bake", recipe.toString(), "--endpoint-url", sandbox.endpoint().toString(),
                    "--home", home.toString())).as(err).isEqualTo(1);
        } finally {
            sandbox.faults().clear();
        }
        REGIONS.forEach(region -> secondDeployed.put(region, deployed(region)));
        assertThat(amibake("status", "shop", "--json", "--home", home.toString())).isZero();
        JsonNode bakes = JsonMapper.builder().build().readTree(out);
        second = bakes.get(0).path("execution").asLong();
        first = bakes.get(1).path("execution").asLong();
    }

    @Test
    void statusShowsEachRegionsCopyTestTemplateVersionAndDeployedInstances() {
        // when
        int exit = amibake("status", "--execution", String.valueOf(first), "--home", home.toString());

        // then one row per region: the source region's image is tested before distribution, not in its region
        assertThat(exit).as(err).isZero();
        assertThat(out).contains("REGION         STATUS      IMAGE                 TEST    LAUNCH TEMPLATE INSTANCES");
        for (String region : REGIONS) {
            assertThat(row(out, region)).matches("%-14s COMPLETED   ami-[0-9a-f]{17} %-7s shop-web v1     2/2 \\S+, \\S+"
                    .formatted(region, region.equals("us-east-1") ? "-" : "passed"));
            assertThat(Set.of(row(out, region).replaceAll(".* 2/2 ", "").split(", ")))
                    .isEqualTo(firstDeployed.get(region));
        }
    }

    @Test
    void statusAlignsTheStepsColumnsPastARegionsPartitionName() {
        // when
        int exit = amibake("status", "--execution", String.valueOf(first), "--home", home.toString());

        // then
        assertThat(exit).as(err).isZero();
        String header = out.lines().filter(line -> line.startsWith("EXECUTION ")).findFirst().orElseThrow();
        String partition = out.lines().filter(line -> line.contains(" copyRegion:us-west-2 ")).findFirst()
                .orElseThrow();
        assertThat(partition.indexOf(" COMPLETED ") + 1).isEqualTo(header.indexOf("STATUS"));
    }

    @Test
    void statusShowsThatARegionWhoseCopyFailedItsTestKeptItsOldInstances() {
        // when
        int exit = amibake("status", "--execution", String.valueOf(second), "--home", home.toString());

        // then eu-west-1 says its template is unchanged and its old instances serve, and why
        assertThat(exit).as(err).isZero();
        assertThat(row(out, "eu-west-1")).matches(
                "eu-west-1      FAILED      ami-[0-9a-f]{17} failed  shop-web unchanged 0/2, the old ones kept \\(see failure\\)");
        assertThat(out).contains("failure: region eu-west-1: ");
        assertThat(secondDeployed.get("eu-west-1")).isEqualTo(firstDeployed.get("eu-west-1"));
        assertThat(row(out, "us-west-2")).contains(" passed  shop-web v2 ").contains(" 2/2 ")
                .contains(secondDeployed.get("us-west-2"));
    }

    @Test
    void statusJsonNamesEachRegionsTestTemplateVersionAndInstances() throws Exception {
        // when
        int exit = amibake("status", "--execution", String.valueOf(second), "--json", "--home", home.toString());

        // then
        assertThat(exit).as(err).isZero();
        JsonNode regions = JsonMapper.builder().build().readTree(out).path("regions");
        assertThat(regions.valueStream().map(r -> r.path("region").asString()).toList()).isEqualTo(REGIONS);
        JsonNode west = regions.get(1);
        assertThat(west.path("test").asString()).isEqualTo("passed");
        assertThat(west.path("launchTemplate").asString()).isEqualTo("shop-web");
        assertThat(west.path("launchTemplateVersion").asLong()).isEqualTo(2);
        assertThat(west.path("deploy").asString()).isEqualTo("deployed");
        assertThat(west.path("instanceCount").asInt()).isEqualTo(2);
        assertThat(ids(west.path("instances"))).isEqualTo(secondDeployed.get("us-west-2"));
        assertThat(regions.get(0).has("test")).as("the source region's image is tested before distribution").isFalse();
        JsonNode eu = regions.get(2);
        assertThat(eu.path("status").asString()).isEqualTo("FAILED");
        assertThat(eu.path("test").asString()).isEqualTo("failed");
        assertThat(eu.path("launchTemplateVersion").isNull()).isTrue();
        assertThat(eu.path("deploy").asString()).isEqualTo("old-kept");
        assertThat(ids(eu.path("instances"))).isEmpty();
    }

    @Test
    void theReportShowsEachRegionsTestTemplateAndInstances() throws Exception {
        // when
        Path file = home.resolve("second.html");
        int exit = amibake("report", "--execution", String.valueOf(second), "-o", file.toString(),
                "--home", home.toString());

        // then
        assertThat(exit).as(err).isZero();
        String html = Files.readString(file);
        assertThat(html).contains("<th>test in region</th><th>launch template</th><th>instances</th>");
        assertThat(reportRow(html, "us-west-2")).contains("<span class=\"test passed\">passed</span>")
                .contains("<td class=\"template\">shop-web v2</td>")
                .contains("<td class=\"instances\">2/2 ")
                .contains("<code>" + secondDeployed.get("us-west-2").iterator().next() + "</code>");
        assertThat(reportRow(html, "eu-west-1")).contains("<span class=\"test failed\">failed</span>")
                .contains("<td class=\"template\">shop-web unchanged</td>")
                .contains("<td class=\"instances\">0/2, the old ones kept</td>");
    }

    private static int amibake(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int exit = AmibakeCommand.commandLine().setOut(new PrintWriter(o))
                .setErr(new PrintWriter(e)).execute(args);
        out = o.toString();
        err = e.toString();
        return exit;
    }

    /** The region's line of the regions table. */
    private static String row(String status, String region) {
        return status.lines().filter(line -> line.startsWith(region + " ")).findFirst().orElseThrow(
                () -> new AssertionError("no row for " + region + " in\n" + status));
    }

    private static String reportRow(String html, String region) {
        int start = html.indexOf("<tr class=\"");
        start = html.indexOf("data-region=\"" + region + "\"", start);
        assertThat(start).as("row of " + region).isPositive();
        return html.substring(start, html.indexOf("</tr>", start));
    }

    private static Set<String> deployed(String region) {
        return Set.copyOf(sandbox.instances().stream().filter(i -> i.region().equals(region))
                .filter(i -> "shop".equals(i.tags().get("amibake:recipe")))
                .filter(i -> "deploy".equals(i.tags().get("amibake:role")))
                .filter(i -> !Set.of("shutting-down", "terminated").contains(i.state()))
                .map(SandboxInstance::instanceId).toList());
    }

    private static Set<String> ids(JsonNode array) {
        List<String> ids = new ArrayList<>();
        array.forEach(id -> ids.add(id.asString()));
        return Set.copyOf(ids);
    }
}
