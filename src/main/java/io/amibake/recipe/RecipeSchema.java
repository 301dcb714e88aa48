package io.amibake.recipe;

import io.amibake.cloud.AwsCatalog;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The recipe format as a JSON Schema (draft-07, what the YAML language server reads), built from
 * the reader's own definitions: its key lists, patterns, limits, regions, instance types, presets
 * and cleaners. It accepts every recipe the reader accepts; the rules it cannot express (templates,
 * rules across keys such as KMS keys per target region) are left to {@code amibake validate}.
 * A scalar the reader reads as text may be any YAML scalar but null, so such values allow numbers
 * and booleans too.
 */
public final class RecipeSchema {

    public static final String ID = "https://amibake.io/schema/recipe.json";

    private RecipeSchema() {
    }

    /** The schema as pretty-printed JSON. */
    public static String json() {
        return JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValueAsString(schema());
    }

    public static Map<String, Object> schema() {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("$schema", "http://json-schema.org/draft-07/schema#");
        schema.put("$id", ID);
        schema.put("title", "amibake recipe");
        schema.put("description", "A recipe for baking an Amazon Machine Image; see docs/recipes.md.");
        Map<String, Object> definitions = new LinkedHashMap<>();
        definitions.put("scalar", Map.of("type", List.of("string", "number", "integer", "boolean")));
        // Durations.parse's format; the lookahead rules out zero, which the reader refuses.
        definitions.put("duration", text(Pattern.compile("(?=.*[1-9])(?:\\d+[dhms])+"),
                "a duration such as 90s, 10m or 1h30m"));
        definitions.put("region", Map.of("type", "string", "enum", new TreeSet<>(AwsCatalog.regions())));
        definitions.put("step", object(RecipeReader.STEP_KEYS, List.of("name", "run"), Map.of(
                "name", text(RecipeReader.STEP_NAME, "a step name of letters, digits, '.', '_' and '-'"),
                "run", describe(Map.of("type", "string", "pattern", "\\S"), "shell lines, run as root"),
                "timeout", ref("duration"))));
        definitions.put("steps", Map.of("type", "array", "items", ref("step")));
        definitions.put("service", text(RecipeReader.SERVICE, "a systemd unit name"));
        schema.put("definitions", definitions);
        schema.putAll(object(RecipeReader.TOP_KEYS, List.of("name", "source", "build", "image"), top()));
        return schema;
    }

    private static Map<String, Object> top() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", text(RecipeReader.RECIPE_NAME, "lowercase letters, digits and dashes"));
        p.put("description", ref("scalar"));
        p.put("os", text(RecipeReader.OS, "fills {{os}}"));
        Map<String, Object> secret = new LinkedHashMap<>();
        secret.put("type", "object");
        secret.put("additionalProperties", false);
        secret.put("required", List.of("secret"));
        secret.put("properties", Map.of("secret", Map.of("const", true)));
        p.put("variables", Map.of("type", "object", "propertyNames", pattern(RecipeReader.VARIABLE),
                "additionalProperties", Map.of("anyOf", List.of(ref("scalar"), describe(secret,
                        "a secret variable: its value comes from --var and is never printed")))));
        p.put("source", source());
        p.put("build", build());
        p.put("packages", object(RecipeReader.PACKAGES_KEYS, List.of(), Map.of(
                "preset", Map.of("type", "string", "enum", Presets.NAMES),
                "install", uniqueList(text(RecipeReader.PACKAGE, "a package name")),
                "enable", uniqueList(ref("service")))));
        p.put("provision", ref("steps"));
        p.put("cleanup", object(RecipeReader.CLEANUP_KEYS, List.of(), Map.of(
                "cleaners", uniqueList(Map.of("type", "string", "enum", new TreeSet<>(Cleaners.names()))),
                "stopServices", uniqueList(Map.of("allOf", List.of(ref("service"),
                        Map.of("not", Map.of("enum", new TreeSet<>(RecipeReader.SSM_AGENT)))))),
                "run", ref("steps"))));
        p.put("image", image());
        p.put("regions", regions());
        p.put("test", object(RecipeReader.TEST_KEYS, List.of(), Map.of(
                "steps", ref("steps"),
                "defaults", Map.of("type", "boolean"),
                "regions", Map.of("type", "string", "enum", Tests.REGION_CHOICES))));
        Map<String, Object> deploy = object(RecipeReader.DEPLOY_KEYS, List.of(), Map.of(
                "launchTemplate", text(RecipeReader.LAUNCH_TEMPLATE, "a launch template name"),
                "regions", uniqueList(ref("region")),
                "instances", deployInstances()));
        deploy.put("anyOf", List.of(Map.of("required", List.of("launchTemplate")),
                Map.of("required", List.of("instances"))));
        p.put("deploy", deploy);
        p.put("notify", object(RecipeReader.NOTIFY_KEYS, List.of(), Map.of(
                "url", describe(Map.of("type", "string", "pattern", "^https?://[^/\\s]+"),
                        "a webhook that receives each event as a JSON POST"),
                "command", describe(Map.of("type", "string", "pattern", "\\S"),
                        "a local command, the event's JSON on its standard input"),
                "succeeded", Map.of("type", "boolean"))));
        Map<String, Object> pauseAfter = new LinkedHashMap<>();
        pauseAfter.put("type", "integer");
        pauseAfter.put("minimum", 1);
        pauseAfter.put("maximum", RecipeReader.MAX_PAUSE_AFTER);
        p.put("schedule", object(RecipeReader.SCHEDULE_KEYS, List.of("cron"), Map.of(
                "cron", describe(Map.of("type", "string"), "5 fields (minute first) or 6 (seconds first), or @daily"),
                "zone", describe(Map.of("type", "string"), "a time zone id such as Europe/Berlin; UTC by default"),
                "when", Map.of("type", "string", "enum", Schedule.WHEN_CHOICES),
                "pauseAfter", describe(pauseAfter, "failed slots in a row before the schedule pauses"))));
        return p;
    }

    private static Map<String, Object> deployInstances() {
        Map<String, Object> count = new LinkedHashMap<>();
        count.put("type", "integer");
        count.put("minimum", 0);
        count.put("maximum", DeployInstances.MAX_COUNT);
        Map<String, Object> subnet = text(RecipeReader.SUBNET_ID, "a subnet id");
        Map<String, Object> groups = uniqueList(text(RecipeReader.SECURITY_GROUP_ID, "a security group id"));
        return object(RecipeReader.INSTANCES_KEYS, List.of("count"), Map.of(
                "count", describe(count, "instances per region; 0 removes them"),
                "instanceType", Map.of("type", "string", "enum", new TreeSet<>(AwsCatalog.instanceTypes())),
                "subnet", Map.of("oneOf", List.of(subnet, perRegion(subnet))),
                "securityGroups", Map.of("oneOf", List.of(groups, perRegion(groups)))));
    }

    /** A value per region, keyed by region name. */
    private static Map<String, Object> perRegion(Map<String, Object> value) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("type", "object");
        map.put("propertyNames", ref("region"));
        map.put("additionalProperties", value);
        return map;
    }

    private static Map<String, Object> source() {
        Map<String, Object> filter = object(RecipeReader.FILTER_KEYS, List.of("owners", "name"), Map.of(
                "owners", withMin(uniqueList(Map.of("anyOf", List.of(pattern(ImageReader.ACCOUNT_ID),
                        Map.of("enum", new TreeSet<>(RecipeReader.OWNER_ALIASES))))), 1),
                "name", Map.of("type", "string", "pattern", "\\S"),
                "architecture", Map.of("type", "string", "enum", RecipeReader.ARCHITECTURES)));
        Map<String, Object> source = object(RecipeReader.SOURCE_KEYS, List.of("region"), Map.of(
                "region", ref("region"),
                "ami", text(RecipeReader.AMI_ID, "an image id such as ami-0123456789abcdef0"),
                "ssm", withMax(text(RecipeReader.SSM_NAME, "an SSM parameter name"), RecipeReader.MAX_SSM_NAME),
                "filter", filter));
        source.put("oneOf", List.of(Map.of("required", List.of("ami")), Map.of("required", List.of("ssm")),
                Map.of("required", List.of("filter"))));
        return source;
    }

    private static Map<String, Object> build() {
        Map<String, Object> volume = new LinkedHashMap<>();
        volume.put("type", "integer");
        volume.put("minimum", 1);
        volume.put("maximum", RecipeReader.MAX_VOLUME_GIB);
        return object(RecipeReader.BUILD_KEYS, List.of("instanceType"), Map.of(
                "instanceType", Map.of("type", "string", "enum", new TreeSet<>(AwsCatalog.instanceTypes())),
                "subnet", text(RecipeReader.SUBNET_ID, "a subnet id"),
                "securityGroups", uniqueList(text(RecipeReader.SECURITY_GROUP_ID, "a security group id")),
                "instanceProfile", text(RecipeReader.INSTANCE_PROFILE, "an instance profile name or ARN"),
                "volumeSize", describe(volume, "GiB"),
                "onFailure", Map.of("type", "string", "enum", List.of("stop", "terminate", "keep")),
                "timeout", ref("duration")));
    }

    private static Map<String, Object> image() {
        Map<String, Object> tags = new LinkedHashMap<>();
        tags.put("type", "object");
        tags.put("maxProperties", ImageReader.MAX_TAGS);
        tags.put("propertyNames", Map.of("minLength", 1, "maxLength", ImageReader.MAX_TAG_KEY,
                "not", Map.of("pattern", "^([aA][wW][sS]|[aA][mM][iI][bB][aA][kK][eE]):")));
        tags.put("additionalProperties", ref("scalar"));
        Map<String, Object> keep = new LinkedHashMap<>();
        keep.put("type", "integer");
        keep.put("minimum", 1);
        keep.put("maximum", ImageReader.MAX_KEEP);
        Map<String, Object> rollback = new LinkedHashMap<>();
        rollback.put("type", "integer");
        rollback.put("minimum", 0);
        rollback.put("maximum", ImageReader.MAX_ROLLBACK);
        Map<String, Object> retention = object(RecipeReader.RETENTION_KEYS, List.of(), Map.of(
                "keep", describe(keep, "the newest images that always stay in each region"),
                "maxAge", ref("duration"),
                "rollbackVersions", describe(rollback, "launch template versions below the default whose images stay"
                        + " (default " + Retention.DEFAULT_ROLLBACK_VERSIONS + ")")));
        retention.put("minProperties", 1);
        return object(RecipeReader.IMAGE_KEYS, List.of("name"), Map.of(
                "name", describe(Map.of("type", "string"), "a template: {{recipe}}, {{os}}, {{var.NAME}}, {{date}}"),
                "description", ref("scalar"),
                "tags", tags,
                "retention", retention,
                "deprecateAfter", ref("duration"),
                "deregistrationProtection", Map.of("type", "boolean"),
                "imdsSupport", Map.of("type", "string", "enum", List.of("v2.0"))));
    }

    private static Map<String, Object> regions() {
        Map<String, Object> regionList = uniqueList(ref("region"));
        Map<String, Object> kmsKeys = new LinkedHashMap<>();
        kmsKeys.put("type", "object");
        kmsKeys.put("propertyNames", ref("region"));
        kmsKeys.put("additionalProperties", text(ImageReader.KMS_KEY, "a KMS key id, alias or ARN"));
        Map<String, Object> full = object(RecipeReader.REGIONS_KEYS, List.of(), Map.of(
                "targets", regionList,
                "encrypted", Map.of("type", "boolean"),
                "kmsKeys", kmsKeys,
                "shareWith", withMax(uniqueList(pattern(ImageReader.ACCOUNT_ID)), ImageReader.MAX_SHARE),
                "ssmParameter", Map.of("type", "string")));
        return Map.of("oneOf", List.of(regionList, full));
    }

    // ---- building blocks ----

    /** A mapping of exactly these keys, in the reader's order; a key not described yet allows anything. */
    private static Map<String, Object> object(List<String> keys, List<String> required, Map<String, ?> properties) {
        Map<String, Object> ordered = new LinkedHashMap<>();
        for (String key : keys) {
            ordered.put(key, properties.containsKey(key) ? properties.get(key) : Map.of());
        }
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("type", "object");
        object.put("additionalProperties", false);
        object.put("properties", ordered);
        if (!required.isEmpty()) {
            object.put("required", required);
        }
        return object;
    }

    private static Map<String, Object> text(Pattern pattern, String description) {
        Map<String, Object> text = new LinkedHashMap<>();
        text.put("type", "string");
        text.put("pattern", "^(?:" + pattern.pattern() + ")$");
        text.put("description", description);
        return text;
    }

    private static Map<String, Object> pattern(Pattern pattern) {
        return Map.of("type", "string", "pattern", "^(?:" + pattern.pattern() + ")$");
    }

    private static Map<String, Object> uniqueList(Map<String, Object> items) {
        Map<String, Object> list = new LinkedHashMap<>();
        list.put("type", "array");
        list.put("uniqueItems", true);
        list.put("items", items);
        return list;
    }

    private static Map<String, Object> withMin(Map<String, Object> schema, int min) {
        Map<String, Object> copy = new LinkedHashMap<>(schema);
        copy.put(schema.containsKey("items") ? "minItems" : "minLength", min);
        return copy;
    }

    private static Map<String, Object> withMax(Map<String, Object> schema, int max) {
        Map<String, Object> copy = new LinkedHashMap<>(schema);
        copy.put(schema.containsKey("items") ? "maxItems" : "maxLength", max);
        return copy;
    }

    private static Map<String, Object> describe(Map<String, Object> schema, String description) {
        Map<String, Object> copy = new LinkedHashMap<>(schema);
        copy.put("description", description);
        return copy;
    }

    private static Map<String, Object> ref(String definition) {
        return Map.of("$ref", "#/definitions/" + definition);
    }
}
