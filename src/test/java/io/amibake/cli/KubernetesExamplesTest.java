package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeLoader;
import io.amibake.web.Serve;
import io.amibake.web.ServeSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The examples in deploy/kubernetes parse, and what they name exists: the image this build makes,
 * commands and options amibake has, recipes that load, probe paths serve answers, settings amibake
 * reads, and ServiceAccounts, Secrets and ConfigMaps the examples define.
 */
@Timeout(120)
class KubernetesExamplesTest {

    private static final Path DIR = Path.of("deploy/kubernetes");
    /** The environment amibake reads, beside the AWS SDK's own ({@code AWS_*}). */
    private static final Set<String> SETTINGS = Set.of("AMIBAKE_HOME", "AMIBAKE_HOST", "SPRING_DATASOURCE_URL",
            "SPRING_DATASOURCE_USERNAME", "SPRING_DATASOURCE_PASSWORD", "AWS_REGION");
    private static final Pattern TOKEN = Pattern.compile("AMIBAKE_SERVE_TOKENS_[A-Z0-9]+");

    private static final List<Map<String, Object>> objects = new ArrayList<>();

    @TempDir
    Path scratch;

    @BeforeAll
    static void parse() throws Exception {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                for (Object document : yaml.loadAll(Files.readString(file))) {
                    assertThat(document).as(file + ": each document is an object").isInstanceOf(Map.class);
                    objects.add(map(document));
                }
            }
        }
        assertThat(objects).extracting(o -> o.get("kind")).contains("Deployment", "CronJob", "ServiceAccount",
                "ConfigMap", "Secret", "Service");
    }

    @Test
    void serveRunsTwoReplicasOnPostgresWithAGraceLongerThanACheckpoint() {
        Map<String, Object> deployment = only("Deployment");
        assertThat(at(deployment, "spec", "replicas")).isEqualTo(2);
        Map<String, Object> pod = map(at(deployment, "spec", "template", "spec"));
        assertThat(((Number) pod.get("terminationGracePeriodSeconds")).longValue())
                .isGreaterThan(new ServeSettings(null, null, null, null, null, null, null).shutdownGrace().toSeconds());
        assertThat(secretValue("SPRING_DATASOURCE_URL")).startsWith("jdbc:postgresql://");
        assertThat(list(pod.get("containers")).get(0).get("args").toString()).contains("serve", "--bind, 0.0.0.0");
    }

    @Test
    void eachCronJobResumesOneRecipeNeverTwiceAtOnce() {
        List<Map<String, Object>> cronJobs = all("CronJob");
        assertThat(cronJobs).isNotEmpty();
        for (Map<String, Object> cronJob : cronJobs) {
            assertThat(at(cronJob, "spec", "concurrencyPolicy")).isEqualTo("Forbid");
            Map<String, Object> pod = map(at(cronJob, "spec", "jobTemplate", "spec", "template", "spec"));
            assertThat(pod.get("restartPolicy")).isEqualTo("Never");
            assertThat(strings(list(pod.get("containers")).get(0).get("args"))).startsWith("bake").contains("--resume");
        }
    }

    @Test
    void everyContainerRunsThisBuildsImageWithCommandsAmibakeHas() throws Exception {
        String version = projectVersion();
        for (Map<String, Object> pod : pods()) {
            for (Map<String, Object> container : list(pod.get("containers"))) {
                assertThat(container.get("image")).isEqualTo("amibake:" + version);
                assertThat(container).doesNotContainKey("command");
                String[] args = strings(container.get("args")).toArray(String[]::new);
                AmibakeCommand.commandLine().parseArgs(args);
                List<String> mounts = list(container.get("volumeMounts")).stream()
                        .map(m -> (String) m.get("mountPath")).toList();
                for (String arg : args) {
                    if (arg.startsWith("/")) {
                        assertThat(mounts).as(arg + " is on a volume the container mounts")
                                .anyMatch(mount -> arg.equals(mount) || arg.startsWith(mount + "/"));
                    }
                }
            }
        }
    }

    @Test
    void theRecipesLoadAndTheFilesTheCommandsNameAreInTheConfigMap() throws Exception {
        Map<String, Object> data = map(named("ConfigMap", "amibake-recipes").get("data"));
        for (Map.Entry<String, Object> recipe : data.entrySet()) {
            Recipe loaded = RecipeLoader.parse((String) recipe.getValue(), recipe.getKey(), Map.of());
            assertThat(loaded.name() + ".yaml").isEqualTo(recipe.getKey());
        }
        assertThat(RecipeLoader.parse((String) data.get("httpd.yaml"), "httpd.yaml", Map.of()).schedule())
                .as("the recipe serve schedules").isNotNull();
        for (Map<String, Object> pod : pods()) {
            for (String arg : strings(list(pod.get("containers")).get(0).get("args"))) {
                if (arg.startsWith("/etc/amibake/recipes/")) {
                    assertThat(data).containsKey(arg.substring("/etc/amibake/recipes/".length()));
                }
            }
        }
    }

    @Test
    void settingsServiceAccountsAndVolumesAreOnesThatExist() {
        for (Map<String, Object> pod : pods()) {
            Map<String, Object> account = named("ServiceAccount", (String) pod.get("serviceAccountName"));
            assertThat(at(account, "metadata", "annotations").toString()).contains("eks.amazonaws.com/role-arn");
            Map<String, Object> container = list(pod.get("containers")).get(0);
            for (Map<String, Object> env : list(container.get("env"))) {
                assertThat((String) env.get("name")).isIn(SETTINGS);
            }
            for (Map<String, Object> from : list(container.get("envFrom"))) {
                Map<String, Object> secret = named("Secret", (String) map(from.get("secretRef")).get("name"));
                for (String name : map(secret.get("stringData")).keySet()) {
                    assertThat(SETTINGS.contains(name) || TOKEN.matcher(name).matches()).as(name).isTrue();
                }
            }
            for (Map<String, Object> volume : list(pod.get("volumes"))) {
                if (volume.get("configMap") != null) {
                    named("ConfigMap", (String) map(volume.get("configMap")).get("name"));
                }
                if (volume.get("secret") != null) {
                    named("Secret", (String) map(volume.get("secret")).get("secretName"));
                }
            }
        }
    }

    @Test
    void theProbesArePathsServeAnswers() throws Exception {
        List<String> paths = new ArrayList<>();
        for (Map<String, Object> container : list(map(at(only("Deployment"), "spec", "template", "spec"))
                .get("containers"))) {
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                paths.add((String) map(at(container, probe, "httpGet")).get("path"));
            }
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (BakeContext context = BakeContext.open(scratch.resolve("home"));
             Serve serve = Serve.start(context.context(), Map.of("server.port", 0))) {
            for (String path : paths) {
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(serve.address()
                        .replaceAll("/$", "") + path)).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                // 503 is a probe that answers DOWN (no scheduler attached here); 404 would be no probe.
                assertThat(answer.statusCode()).as(path).isIn(200, 503);
                assertThat(answer.body()).as(path).contains("\"status\"");
            }
        }
    }

    private static String projectVersion() throws Exception {
        Matcher m = Pattern.compile("<artifactId>amibake</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(Path.of("pom.xml")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static String secretValue(String key) {
        return all("Secret").stream().map(s -> map(s.get("stringData")).get(key)).filter(v -> v != null)
                .map(Object::toString).findFirst().orElseThrow(() -> new AssertionError("no secret holds " + key));
    }

    private static List<Map<String, Object>> pods() {
        List<Map<String, Object>> pods = new ArrayList<>();
        all("Deployment").forEach(d -> pods.add(map(at(d, "spec", "template", "spec"))));
        all("CronJob").forEach(c -> pods.add(map(at(c, "spec", "jobTemplate", "spec", "template", "spec"))));
        return pods;
    }

    private static List<Map<String, Object>> all(String kind) {
        return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
    }

    private static Map<String, Object> only(String kind) {
        assertThat(all(kind)).hasSize(1);
        return all(kind).get(0);
    }

    private static Map<String, Object> named(String kind, String name) {
        return all(kind).stream().filter(o -> name.equals(at(o, "metadata", "name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in " + DIR));
    }

    private static Object at(Map<String, Object> object, String... path) {
        Object current = object;
        for (String key : path) {
            assertThat(current).as(String.join(".", path)).isInstanceOf(Map.class);
            current = ((Map<?, ?>) current).get(key);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value == null ? Map.of() : (Map<String, Object>) value;
    }

    private static List<String> strings(Object value) {
        return value == null ? List.of() : ((List<?>) value).stream().map(String::valueOf).toList();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object value) {
        return value == null ? List.of() : (List<Map<String, Object>>) value;
    }
}
