package io.amibake.recipe;

import io.amibake.recipe.NodeReader.Fields;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads what a recipe says of its image and where it goes: the {@code image} and
 * {@code regions} sections, whose values are templates checked against AWS's limits once
 * rendered. A part of {@link RecipeReader}, sharing its {@link NodeReader}.
 */
final class ImageReader {

    static final Pattern ACCOUNT_ID = Pattern.compile("\\d{12}");
    static final Pattern KMS_KEY = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias/[A-Za-z0-9/_-]{1,250}"
                    + "|arn:aws:kms:([a-z0-9-]+):\\d{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]{1,250})");
    /**
     * AWS allows 50 tags per resource (docs/aws.md); amibake adds Name, amibake:bake, amibake:recipe,
     * amibake:parameter, amibake:test and amibake:published.
     */
    static final int MAX_TAGS = 44;
    /** AWS limits (docs/aws.md): tag key and value lengths, image description, accounts shared with. */
    static final int MAX_TAG_KEY = 128;
    static final int MAX_TAG_VALUE = 256;
    static final int MAX_DESCRIPTION = 255;
    static final int MAX_SHARE = 1000;
    /** AWS allows 50,000 AMIs per region (docs/aws.md): a larger keep could never prune anything. */
    static final int MAX_KEEP = 50_000;
    /** A launch template has at most 10,000 versions (docs/aws.md). */
    static final int MAX_ROLLBACK = 10_000;
    /** Also EC2's limit on a deprecation time: at most 10 years ahead. */
    static final Duration MAX_AGE = Duration.ofDays(3650);
    private static final Pattern IMDS_V2 = Pattern.compile("v2\\.0");

    private final NodeReader nodes;
    private final Instant sampleTime;

    ImageReader(NodeReader nodes, Instant sampleTime) {
        this.nodes = nodes;
        this.sampleTime = sampleTime;
    }

    ImageSpec image(Node node, String recipeName, String os, Map<String, String> variables) {
        Fields f = nodes.fields(node, "image", RecipeReader.IMAGE_KEYS, List.of("name"));
        if (f == null) {
            return null;
        }
        String name = null;
        if (f.has("name")) {
            name = template(f.value("name"), "image.name", recipeName, os, variables, rendered -> {
                if (!Templates.AMI_NAME.matcher(rendered).matches()) {
                    return "renders to '" + rendered + "', which breaks the AMI name rules: 3 to 128 letters, digits,"
                            + " spaces and ( ) [ ] . / - ' @ _";
                }
                return null;
            });
        }
        String description = f.has("description")
                ? template(f.value("description"), "image.description", recipeName, os, variables,
                        rendered -> rendered.length() > MAX_DESCRIPTION
                                ? "renders to " + rendered.length() + " characters; AWS allows " + MAX_DESCRIPTION
                                : null)
                : null;
        Map<String, String> tags = f.has("tags") ? tags(f.value("tags"), recipeName, os, variables) : Map.of();
        Retention retention = f.has("retention") ? retention(f.value("retention")) : null;
        Duration deprecateAfter = f.has("deprecateAfter")
                ? nodes.duration(f.value("deprecateAfter"), "image.deprecateAfter", MAX_AGE) : null;
        Boolean protection = f.has("deregistrationProtection")
                ? nodes.bool(f.value("deregistrationProtection"), "image.deregistrationProtection") : Boolean.FALSE;
        String imds = f.has("imdsSupport") ? nodes.matching(f.value("imdsSupport"), "image.imdsSupport", IMDS_V2,
                "v2.0, the only value EC2 takes (it cannot be turned off again)") : null;
        if (name == null || f.has("description") && description == null || tags == null
                || f.has("retention") && retention == null || f.has("deprecateAfter") && deprecateAfter == null
                || protection == null || f.has("imdsSupport") && imds == null) {
            return null;
        }
        return new ImageSpec(name, description, tags, retention, new ImageSettings(deprecateAfter, protection, imds));
    }

    private Retention retention(Node node) {
        Fields f = nodes.fields(node, "image.retention", RecipeReader.RETENTION_KEYS, List.of());
        if (f == null) {
            return null;
        }
        if (!f.has("keep") && !f.has("maxAge") && !f.has("rollbackVersions")) {
            nodes.problem(node, "image.retention", "says nothing: give 'keep', 'maxAge' or 'rollbackVersions'",
                    "for example {keep: 5, maxAge: 30d}");
            return null;
        }
        Integer keep = f.has("keep") ? nodes.integer(f.value("keep"), "image.retention.keep", 1, MAX_KEEP, "images")
                : Integer.valueOf(Retention.DEFAULT_KEEP);
        Duration maxAge = f.has("maxAge")
                ? nodes.duration(f.value("maxAge"), "image.retention.maxAge", MAX_AGE) : null;
        Integer rollback = f.has("rollbackVersions") ? nodes.integer(f.value("rollbackVersions"),
                "image.retention.rollbackVersions", 0, MAX_ROLLBACK, "versions")
                : Integer.valueOf(Retention.DEFAULT_ROLLBACK_VERSIONS);
        if (keep == null || rollback == null || f.has("maxAge") && maxAge == null) {
            return null;
        }
        return new Retention(keep, maxAge, rollback);
    }

    private Map<String, String> tags(Node node, String recipeName, String os, Map<String, String> variables) {
        Fields f = nodes.fields(node, "image.tags", null, List.of());
        if (f == null) {
            return null;
        }
        Map<String, String> tags = new LinkedHashMap<>();
        boolean ok = true;
        if (f.values.size() > MAX_TAGS) {
            Node extra = f.keys.get(f.keyOrder().get(MAX_TAGS));
            nodes.problem(extra, "image.tags", "has " + f.values.size() + " tags; at most " + MAX_TAGS
                    + " fit, as AWS allows 50 per resource and amibake adds " + (50 - MAX_TAGS) + " of its own", null);
            ok = false;
        }
        for (String key : f.keyOrder()) {
            String path = "image.tags." + key;
            if (key.isEmpty() || key.length() > MAX_TAG_KEY) {
                nodes.problem(f.keys.get(key), path, "tag key has " + key.length() + " characters; AWS allows 1 to "
                        + MAX_TAG_KEY, null);
                ok = false;
                continue;
            }
            if (key.toLowerCase(Locale.ROOT).startsWith("aws:")) {
                nodes.problem(f.keys.get(key), path, "tag keys starting with 'aws:' are reserved for AWS", null);
                ok = false;
                continue;
            }
            if (key.toLowerCase(Locale.ROOT).startsWith("amibake:")) {
                nodes.problem(f.keys.get(key), path, "tag keys starting with 'amibake:' are amibake's own: "
                        + "they find a bake's resources again", "choose another prefix");
                ok = false;
                continue;
            }
            String value = template(f.value(key), path, recipeName, os, variables,
                    rendered -> rendered.length() > MAX_TAG_VALUE
                            ? "renders to " + rendered.length() + " characters; AWS allows " + MAX_TAG_VALUE
                            : null);
            if (value == null) {
                ok = false;
            } else {
                tags.put(key, value);
            }
        }
        return ok ? tags : null;
    }

    Regions regions(Node node, Source source, String recipeName, String os, Map<String, String> variables) {
        if (!nodes.standardTag(node, "regions")) {
            return null;
        }
        if (node instanceof SequenceNode) {
            List<String> targets = regionList(node, "regions");
            return targets == null ? null : new Regions(targets, false, Map.of(), List.of(), null);
        }
        if (!(node instanceof MappingNode)) {
            nodes.problem(node, "regions", "expected a list of regions, or a mapping with 'targets', found " + nodes.kind(node),
                    null);
            return null;
        }
        Fields f = nodes.fields(node, "regions", RecipeReader.REGIONS_KEYS, List.of());
        if (f == null) {
            return null;
        }
        List<String> targets = f.has("targets") ? regionList(f.value("targets"), "regions.targets") : List.of();
        Boolean encrypted = f.has("encrypted") ? nodes.bool(f.value("encrypted"), "regions.encrypted") : Boolean.FALSE;
        Map<String, String> kmsKeys = f.has("kmsKeys") ? kmsKeys(f, source, targets, encrypted) : Map.of();
        List<String> shareWith = f.has("shareWith") ? shareWith(f.value("shareWith")) : List.of();
        String ssmParameter = f.has("ssmParameter")
                ? template(f.value("ssmParameter"), "regions.ssmParameter", recipeName, os, variables,
                        ImageReader::ssmParameterRule)
                : null;
        if (targets == null || encrypted == null || kmsKeys == null || shareWith == null
                || f.has("ssmParameter") && ssmParameter == null) {
            return null;
        }
        return new Regions(targets, encrypted, kmsKeys, shareWith, ssmParameter);
    }

    private static String ssmParameterRule(String rendered) {
        if (!rendered.startsWith("/") || !RecipeReader.SSM_NAME.matcher(rendered).matches()) {
            return "renders to '" + rendered + "'; expected a path such as /amibake/httpd/latest of letters,"
                    + " digits and _ . - between slashes";
        }
        String lower = rendered.toLowerCase(Locale.ROOT);
        if (lower.startsWith("/aws") || lower.startsWith("/ssm")) {
            return "renders to '" + rendered + "'; names starting with aws or ssm are reserved by AWS";
        }
        if (rendered.length() > RecipeReader.MAX_SSM_NAME) {
            return "renders to " + rendered.length() + " characters; SSM allows " + RecipeReader.MAX_SSM_NAME;
        }
        if (rendered.length() > MAX_TAG_VALUE) {
            return "renders to " + rendered.length() + " characters; each image records the name in a tag, and a tag"
                    + " value holds " + MAX_TAG_VALUE + " (docs/aws.md, Tags)";
        }
        if (rendered.chars().filter(c -> c == '/').count() > RecipeReader.MAX_SSM_LEVELS) {
            return "renders to '" + rendered + "'; SSM allows at most " + RecipeReader.MAX_SSM_LEVELS + " levels";
        }
        return null;
    }

    private List<String> regionList(Node node, String path) {
        return nodes.uniqueStrings(node, path, (n, p, s) -> nodes.knownRegion(n, p, s));
    }

    private Map<String, String> kmsKeys(Fields regions, Source source, List<String> targets, Boolean encrypted) {
        Fields f = nodes.fields(regions.value("kmsKeys"), "regions.kmsKeys", null, List.of());
        if (f == null) {
            return null;
        }
        boolean ok = true;
        if (Boolean.FALSE.equals(encrypted)) {
            nodes.problem(regions.keys.get("kmsKeys"), "regions.kmsKeys", "KMS keys only apply to encrypted copies",
                    "add 'encrypted: true'");
            ok = false;
        }
        Set<String> imageRegions = new LinkedHashSet<>();
        if (source != null) {
            imageRegions.add(source.region());
        }
        if (targets != null) {
            imageRegions.addAll(targets);
        }
        Map<String, String> keys = new LinkedHashMap<>();
        for (String region : f.keyOrder()) {
            String path = "regions.kmsKeys." + region;
            if (nodes.knownRegion(f.keys.get(region), path, region) == null) {
                ok = false;
                continue;
            }
            if (source != null && targets != null && !imageRegions.contains(region)) {
                nodes.problem(f.keys.get(region), path, "region '" + region + "' is neither the source region nor a target",
                        Suggestions.didYouMean(region, imageRegions));
                ok = false;
                continue;
            }
            Node valueNode = f.value(region);
            String key = nodes.matching(valueNode, path, KMS_KEY, "a KMS key id, alias/NAME, or key or alias ARN");
            if (key == null) {
                ok = false;
                continue;
            }
            var arn = KMS_KEY.matcher(key);
            if (arn.matches() && arn.group(1) != null && !arn.group(1).equals(region)) {
                nodes.problem(valueNode, path, "the key's ARN is in region '" + arn.group(1) + "', not '" + region + "';"
                        + " a copy can only use a key of its own region", null);
                ok = false;
                continue;
            }
            keys.put(region, key);
        }
        return ok ? keys : null;
    }

    private List<String> shareWith(Node node) {
        List<String> accounts = nodes.uniqueStrings(node, "regions.shareWith", (n, p, s) -> {
            if (ACCOUNT_ID.matcher(s).matches()) {
                return s;
            }
            nodes.problem(n, p, "expected a 12-digit AWS account id, found '" + s + "'", null);
            return null;
        });
        if (accounts != null && accounts.size() > MAX_SHARE) {
            nodes.problem(node, "regions.shareWith", "shares with " + accounts.size() + " accounts; AWS allows "
                    + MAX_SHARE, null);
            return null;
        }
        return accounts;
    }

    // ---- values ----

    /**
     * Checks a template: placeholders known, then {@code rule} on the rendered text (it returns
     * a message, or {@code null} when the text is fine). Returns the template, not the rendering.
     */
    private String template(Node node, String path, String recipeName, String os, Map<String, String> variables,
                            Function<String, String> rule) {
        String template = nodes.string(node, path);
        if (template == null) {
            return null;
        }
        if (recipeName == null) {
            return template;
        }
        String rendered;
        try {
            rendered = Templates.render(template, recipeName, os, variables, sampleTime);
        } catch (TemplateException e) {
            nodes.problem(node, path, e.getMessage(), e.suggestion());
            return null;
        }
        String broken = rule.apply(rendered);
        if (broken != null) {
            nodes.problem(node, path, broken, null);
            return null;
        }
        return template;
    }
}
