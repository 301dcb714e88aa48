package io.amibake.recipe;

import io.amibake.aws.AwsCatalog;
import io.amibake.recipe.NodeReader.Fields;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * Maps a composed YAML node tree onto a {@link Recipe}, one section at a time: the recipe's
 * schema and its rules (AWS limits, known regions, templates). {@link NodeReader} reads the
 * typed values and records the problems; section readers return {@code null} after a problem,
 * and the recipe is only built when there were none.
 */
final class RecipeReader {

    static final List<String> TOP_KEYS = List.of("name", "description", "os", "variables", "source", "build",
            "packages", "provision", "cleanup", "image", "regions");
    static final List<String> SOURCE_KEYS = List.of("region", "ami", "ssm", "filter");
    static final List<String> FILTER_KEYS = List.of("owners", "name", "architecture");
    static final List<String> BUILD_KEYS = List.of("instanceType", "subnet", "securityGroups", "instanceProfile",
            "volumeSize", "onFailure", "timeout");
    static final List<String> PACKAGES_KEYS = List.of("preset", "install", "enable");
    static final List<String> STEP_KEYS = List.of("name", "run", "timeout");
    static final List<String> CLEANUP_KEYS = List.of("cleaners", "stopServices", "run");
    static final List<String> IMAGE_KEYS = List.of("name", "description", "tags");
    static final List<String> REGIONS_KEYS = List.of("targets", "encrypted", "kmsKeys", "shareWith", "ssmParameter");

    private static final Pattern RECIPE_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern OS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final Pattern AMI_ID = Pattern.compile("ami-([0-9a-f]{8}|[0-9a-f]{17})");
    private static final Pattern SUBNET_ID = Pattern.compile("subnet-([0-9a-f]{8}|[0-9a-f]{17})");
    private static final Pattern SECURITY_GROUP_ID = Pattern.compile("sg-([0-9a-f]{8}|[0-9a-f]{17})");
    private static final Pattern INSTANCE_PROFILE = Pattern.compile(
            "[\\w+=,.@-]{1,128}|arn:aws:iam::\\d{12}:instance-profile/[\\w+=,.@/-]{1,128}");
    /** SSM parameter names: letters, digits, {@code _ . -}, levels separated by {@code /}. */
    private static final Pattern SSM_NAME = Pattern.compile("(/[A-Za-z0-9_.-]+)+|[A-Za-z0-9_.-]+");
    private static final Pattern ACCOUNT_ID = Pattern.compile("\\d{12}");
    private static final Set<String> OWNER_ALIASES = Set.of("amazon", "aws-marketplace", "self", "aws-backup-vault");
    private static final List<String> ARCHITECTURES = List.of("x86_64", "arm64", "i386", "x86_64_mac", "arm64_mac");
    private static final Pattern STEP_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** Package names go into shell: no spaces or metacharacters, and no leading dash (an option). */
    private static final Pattern PACKAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+:~=@-]{0,127}");
    private static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9@._:\\\\-]{0,127}");
    private static final Pattern KMS_KEY = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias/[A-Za-z0-9/_-]{1,250}"
                    + "|arn:aws:kms:([a-z0-9-]+):\\d{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]{1,250})");
    /** Stopping the agent would kill the very command that stops it, and every later one. */
    private static final Set<String> SSM_AGENT = Set.of("amazon-ssm-agent", "amazon-ssm-agent.service",
            "snap.amazon-ssm-agent.amazon-ssm-agent", "snap.amazon-ssm-agent.amazon-ssm-agent.service");

    /** SSM Run Command's {@code executionTimeout} maximum (aws-facts.md). */
    static final Duration MAX_STEP_TIMEOUT = Duration.ofSeconds(172_800);
    /** AWS limits (aws-facts.md): tags per resource, key and value lengths; image description. */
    /** AWS allows 50 tags per resource; amibake adds Name, amibake:bake and amibake:recipe. */
    static final int MAX_TAGS = 47;
    static final int MAX_TAG_KEY = 128;
    static final int MAX_TAG_VALUE = 256;
    static final int MAX_DESCRIPTION = 255;
    static final int MAX_SHARE = 1000;
    static final int MAX_VOLUME_GIB = 16_384;
    /** SSM's limit on a parameter name, and on its hierarchy depth. */
    static final int MAX_SSM_NAME = 1011;
    static final int MAX_SSM_LEVELS = 15;

    private final NodeReader nodes;
    private final Map<String, String> overrides;
    /** When the templates are checked; any instant would do, now shows realistic names. */
    private final Instant sampleTime = Instant.now();

    RecipeReader(String file, Map<String, String> overrides) {
        this.nodes = new NodeReader(file);
        this.overrides = overrides;
    }

    Recipe read(Node root) throws RecipeException {
        Fields top = nodes.fields(root, "", TOP_KEYS, List.of("name", "source", "build", "image"));
        if (top == null) {
            throw new RecipeException(nodes.problems());
        }
        String name = top.has("name") ? recipeName(top.value("name")) : null;
        String description = top.has("description") ? nodes.string(top.value("description"), "description") : null;
        String os = top.has("os") ? nodes.matching(top.value("os"), "os", OS,
                "letters, digits, '.', '_' and '-', such as al2023") : null;
        Map<String, String> variables = variables(top);
        Source source = top.has("source") ? source(top.value("source")) : null;
        Build build = top.has("build") ? build(top.value("build")) : null;
        Packages packages = top.has("packages") ? packages(top.value("packages")) : Packages.NONE;
        List<ShellStep> provision = top.has("provision") ? steps(top.value("provision"), "provision") : List.of();
        Cleanup cleanup = top.has("cleanup") ? cleanup(top.value("cleanup")) : Cleanup.NONE;
        ImageSpec image = top.has("image") ? image(top.value("image"), name, os, variables) : null;
        Regions regions = top.has("regions")
                ? regions(top.value("regions"), source, name, os, variables)
                : Regions.sourceOnly();
        if (!nodes.problems().isEmpty()) {
            throw new RecipeException(nodes.problems());
        }
        return new Recipe(name, description, os, source, build, packages, provision, cleanup, image, regions,
                variables);
    }

    // ---- sections ----

    private String recipeName(Node node) {
        String name = nodes.string(node, "name");
        if (name != null && !RECIPE_NAME.matcher(name).matches()) {
            String slug = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
            nodes.problem(node, "name", "expected lowercase letters, digits and dashes (at most 63, no dash at either end),"
                            + " found '" + name + "'",
                    RECIPE_NAME.matcher(slug).matches() ? "try '" + slug + "'" : null);
            return null;
        }
        return name;
    }

    private Map<String, String> variables(Fields top) {
        Map<String, String> declared = new LinkedHashMap<>();
        if (top.has("variables")) {
            Fields vars = nodes.fields(top.value("variables"), "variables", null, List.of());
            if (vars != null) {
                vars.values.forEach((key, value) -> {
                    String path = "variables." + key;
                    if (!VARIABLE.matcher(key).matches()) {
                        nodes.problem(vars.keys.get(key), path, "expected a variable name of letters, digits and '_',"
                                + " not starting with a digit, found '" + key + "'", null);
                        return;
                    }
                    String text = nodes.string(value, path);
                    if (text != null) {
                        declared.put(key, text);
                    }
                });
            }
        }
        Map<String, String> merged = new LinkedHashMap<>(declared);
        overrides.forEach((key, value) -> {
            if (!declared.containsKey(key)) {
                Node at = top.has("variables") ? top.keys.get("variables") : top.node;
                nodes.problem(at, "variables." + key, "--var sets '" + key + "', which the recipe does not declare",
                        declared.isEmpty() ? "declare it under 'variables' with a default"
                                : Suggestions.closest(key, declared.keySet()).map(v -> "did you mean '" + v + "'?")
                                        .orElse("declare it under 'variables' with a default"));
            } else {
                merged.put(key, value);
            }
        });
        return merged;
    }

    private Source source(Node node) {
        Fields f = nodes.fields(node, "source", SOURCE_KEYS, List.of("region"));
        if (f == null) {
            return null;
        }
        String region = f.has("region") ? region(f.value("region"), "source.region") : null;
        List<String> given = SOURCE_KEYS.subList(1, 4).stream().filter(f::has).toList();
        if (given.isEmpty()) {
            nodes.problem(node, "source", "missing the base image: give one of 'ami', 'ssm' or 'filter'", null);
            return null;
        }
        if (given.size() > 1) {
            String second = f.keyOrder().stream().filter(given::contains).skip(1).findFirst().orElseThrow();
            nodes.problem(f.keys.get(second), "source." + second, "give only one of 'ami', 'ssm' and 'filter', found "
                    + String.join(" and ", given.stream().map(k -> "'" + k + "'").toList()), null);
            return null;
        }
        String ami = f.has("ami") ? nodes.matching(f.value("ami"), "source.ami", AMI_ID,
                "an image id such as ami-0123456789abcdef0") : null;
        String ssm = f.has("ssm") ? ssmName(f.value("ssm"), "source.ssm") : null;
        SourceFilter filter = f.has("filter") ? filter(f.value("filter")) : null;
        if (region == null || ami == null && ssm == null && filter == null) {
            return null;
        }
        return new Source(region, ami, ssm, filter);
    }

    private SourceFilter filter(Node node) {
        Fields f = nodes.fields(node, "source.filter", FILTER_KEYS, List.of("owners", "name"));
        if (f == null) {
            return null;
        }
        // Without an owner, anyone could publish an image whose name matches and be picked.
        List<String> owners = f.has("owners") ? nodes.nonEmpty(f.value("owners"), "source.filter.owners",
                nodes.uniqueStrings(f.value("owners"), "source.filter.owners", this::owner),
                "at least one owner; a name alone would match images anyone can publish") : null;
        String name = f.has("name") ? nodes.nonBlank(f.value("name"), "source.filter.name") : null;
        String architecture = f.has("architecture")
                ? nodes.oneOf(f.value("architecture"), "source.filter.architecture", ARCHITECTURES) : null;
        if (owners == null || name == null || f.has("architecture") && architecture == null) {
            return null;
        }
        return new SourceFilter(owners, name, architecture);
    }

    private String owner(Node node, String path, String owner) {
        if (ACCOUNT_ID.matcher(owner).matches() || OWNER_ALIASES.contains(owner)) {
            return owner;
        }
        nodes.problem(node, path, "expected a 12-digit account id or one of amazon, aws-marketplace, self,"
                + " aws-backup-vault, found '" + owner + "'", Suggestions.didYouMean(owner, OWNER_ALIASES));
        return null;
    }

    private Build build(Node node) {
        Fields f = nodes.fields(node, "build", BUILD_KEYS, List.of("instanceType"));
        if (f == null) {
            return null;
        }
        String instanceType = f.has("instanceType") ? instanceType(f.value("instanceType")) : null;
        String subnet = f.has("subnet") ? nodes.matching(f.value("subnet"), "build.subnet", SUBNET_ID,
                "a subnet id such as subnet-0123456789abcdef0") : null;
        List<String> groups = f.has("securityGroups") ? nodes.uniqueStrings(f.value("securityGroups"),
                "build.securityGroups", (n, p, s) -> nodes.matches(n, p, s, SECURITY_GROUP_ID,
                        "a security group id such as sg-0123456789abcdef0")) : List.of();
        String profile = f.has("instanceProfile") ? nodes.matching(f.value("instanceProfile"), "build.instanceProfile",
                INSTANCE_PROFILE, "an instance profile name or ARN") : null;
        Integer volumeSize = f.has("volumeSize")
                ? nodes.integer(f.value("volumeSize"), "build.volumeSize", 1, MAX_VOLUME_GIB, "GiB") : Integer.valueOf(0);
        OnFailure onFailure = f.has("onFailure") ? onFailure(f.value("onFailure")) : OnFailure.STOP;
        Duration timeout = f.has("timeout")
                ? nodes.duration(f.value("timeout"), "build.timeout", Duration.ofDays(7)) : Build.DEFAULT_TIMEOUT;
        if (instanceType == null || groups == null || volumeSize == null || onFailure == null || timeout == null
                || f.has("subnet") && subnet == null || f.has("instanceProfile") && profile == null) {
            return null;
        }
        return new Build(instanceType, subnet, groups, profile, volumeSize, onFailure, timeout);
    }

    private String instanceType(Node node) {
        String type = nodes.string(node, "build.instanceType");
        if (type != null && !AwsCatalog.instanceTypes().contains(type)) {
            nodes.problem(node, "build.instanceType", "unknown instance type '" + type + "'",
                    Suggestions.didYouMean(type, AwsCatalog.instanceTypes()));
            return null;
        }
        return type;
    }

    private OnFailure onFailure(Node node) {
        String value = nodes.oneOf(node, "build.onFailure", List.of("stop", "terminate", "keep"));
        return value == null ? null : OnFailure.valueOf(value.toUpperCase(Locale.ROOT));
    }

    private Packages packages(Node node) {
        Fields f = nodes.fields(node, "packages", PACKAGES_KEYS, List.of());
        if (f == null) {
            return null;
        }
        String preset = f.has("preset") ? nodes.oneOf(f.value("preset"), "packages.preset", Presets.NAMES) : null;
        List<String> install = f.has("install") ? nodes.uniqueStrings(f.value("install"), "packages.install",
                (n, p, s) -> nodes.matches(n, p, s, PACKAGE, "a package name of letters, digits and . _ + : ~ = @ -"))
                : List.of();
        List<String> enable = f.has("enable") ? services(f.value("enable"), "packages.enable") : List.of();
        if (f.has("preset") && preset == null || install == null || enable == null) {
            return null;
        }
        return new Packages(preset, install, enable);
    }

    private List<ShellStep> steps(Node node, String path) {
        List<Node> items = nodes.sequence(node, path);
        if (items == null) {
            return null;
        }
        List<ShellStep> steps = new ArrayList<>();
        Map<String, Integer> firstLine = new LinkedHashMap<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            String at = path + "[" + i + "]";
            Fields f = nodes.fields(items.get(i), at, STEP_KEYS, List.of("name", "run"));
            if (f == null) {
                ok = false;
                continue;
            }
            String name = f.has("name") ? nodes.matching(f.value("name"), at + ".name", STEP_NAME,
                    "a step name of letters, digits, '.', '_' and '-'") : null;
            if (name != null && firstLine.containsKey(name)) {
                nodes.problem(f.value("name"), at + ".name", "duplicate step name '" + name + "' (first at line "
                        + firstLine.get(name) + "); names key the bake's checkpoints", null);
                name = null;
            } else if (name != null) {
                firstLine.put(name, nodes.line(f.value("name")));
            }
            String run = f.has("run") ? nodes.nonBlank(f.value("run"), at + ".run") : null;
            Duration timeout = f.has("timeout") ? nodes.duration(f.value("timeout"), at + ".timeout", MAX_STEP_TIMEOUT) : null;
            if (name == null || run == null || f.has("timeout") && timeout == null) {
                ok = false;
                continue;
            }
            steps.add(new ShellStep(name, run, timeout));
        }
        return ok ? steps : null;
    }

    private Cleanup cleanup(Node node) {
        Fields f = nodes.fields(node, "cleanup", CLEANUP_KEYS, List.of());
        if (f == null) {
            return null;
        }
        List<String> cleaners = f.has("cleaners") ? nodes.uniqueStrings(f.value("cleaners"), "cleanup.cleaners",
                (n, p, s) -> {
                    if (Cleaners.names().contains(s)) {
                        return s;
                    }
                    nodes.problem(n, p, "unknown cleaner '" + s + "'", Suggestions.closest(s, Cleaners.names())
                            .map(c -> "did you mean '" + c + "'?")
                            .orElse("use one of " + String.join(", ", Cleaners.names())));
                    return null;
                }) : List.of();
        List<String> stop = f.has("stopServices") ? services(f.value("stopServices"), "cleanup.stopServices")
                : List.of();
        if (stop != null && f.has("stopServices")) {
            List<Node> items = ((SequenceNode) f.value("stopServices")).getValue();
            for (int i = 0; i < stop.size(); i++) {
                if (SSM_AGENT.contains(stop.get(i))) {
                    nodes.problem(items.get(i), "cleanup.stopServices[" + i + "]", "cannot stop the SSM agent: the bake"
                            + " sends its commands through it, including the one that would stop it", null);
                }
            }
        }
        List<ShellStep> run = f.has("run") ? steps(f.value("run"), "cleanup.run") : List.of();
        if (cleaners == null || stop == null || run == null) {
            return null;
        }
        return new Cleanup(cleaners, stop, run);
    }

    private ImageSpec image(Node node, String recipeName, String os, Map<String, String> variables) {
        Fields f = nodes.fields(node, "image", IMAGE_KEYS, List.of("name"));
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
        if (name == null || f.has("description") && description == null || tags == null) {
            return null;
        }
        return new ImageSpec(name, description, tags);
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
                    + " fit, as AWS allows 50 per resource and amibake adds 3 of its own", null);
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

    private Regions regions(Node node, Source source, String recipeName, String os, Map<String, String> variables) {
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
        Fields f = nodes.fields(node, "regions", REGIONS_KEYS, List.of());
        if (f == null) {
            return null;
        }
        List<String> targets = f.has("targets") ? regionList(f.value("targets"), "regions.targets") : List.of();
        Boolean encrypted = f.has("encrypted") ? nodes.bool(f.value("encrypted"), "regions.encrypted") : Boolean.FALSE;
        Map<String, String> kmsKeys = f.has("kmsKeys") ? kmsKeys(f, source, targets, encrypted) : Map.of();
        List<String> shareWith = f.has("shareWith") ? shareWith(f.value("shareWith")) : List.of();
        String ssmParameter = f.has("ssmParameter")
                ? template(f.value("ssmParameter"), "regions.ssmParameter", recipeName, os, variables,
                        RecipeReader::ssmParameterRule)
                : null;
        if (targets == null || encrypted == null || kmsKeys == null || shareWith == null
                || f.has("ssmParameter") && ssmParameter == null) {
            return null;
        }
        return new Regions(targets, encrypted, kmsKeys, shareWith, ssmParameter);
    }

    private static String ssmParameterRule(String rendered) {
        if (!rendered.startsWith("/") || !SSM_NAME.matcher(rendered).matches()) {
            return "renders to '" + rendered + "'; expected a path such as /amibake/httpd/latest of letters,"
                    + " digits and _ . - between slashes";
        }
        String lower = rendered.toLowerCase(Locale.ROOT);
        if (lower.startsWith("/aws") || lower.startsWith("/ssm")) {
            return "renders to '" + rendered + "'; names starting with aws or ssm are reserved by AWS";
        }
        if (rendered.length() > MAX_SSM_NAME) {
            return "renders to " + rendered.length() + " characters; SSM allows " + MAX_SSM_NAME;
        }
        if (rendered.chars().filter(c -> c == '/').count() > MAX_SSM_LEVELS) {
            return "renders to '" + rendered + "'; SSM allows at most " + MAX_SSM_LEVELS + " levels";
        }
        return null;
    }

    private List<String> regionList(Node node, String path) {
        return nodes.uniqueStrings(node, path, (n, p, s) -> knownRegion(n, p, s));
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
            if (knownRegion(f.keys.get(region), path, region) == null) {
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

    private String knownRegion(Node node, String path, String region) {
        if (AwsCatalog.regions().contains(region)) {
            return region;
        }
        nodes.problem(node, path, "unknown region '" + region + "'", Suggestions.didYouMean(region, AwsCatalog.regions()));
        return null;
    }

    private String region(Node node, String path) {
        String region = nodes.string(node, path);
        return region == null ? null : knownRegion(node, path, region);
    }

    private List<String> services(Node node, String path) {
        return nodes.uniqueStrings(node, path, (n, p, s) -> nodes.matches(n, p, s, SERVICE,
                "a systemd unit name of letters, digits and @ . _ : -"));
    }

    private String ssmName(Node node, String path) {
        String name = nodes.string(node, path);
        if (name != null && (!SSM_NAME.matcher(name).matches() || name.length() > MAX_SSM_NAME)) {
            nodes.problem(node, path, "expected an SSM parameter name such as"
                    + " /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64, found '" + name + "'",
                    null);
            return null;
        }
        return name;
    }

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
