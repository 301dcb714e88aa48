package io.amibake.recipe;

import io.amibake.recipe.NodeReader.Fields;
import io.amibake.text.TerminalText;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Maps a composed YAML node tree onto a {@link Recipe}, one section at a time: the recipe's
 * schema and its rules (AWS limits, known regions, templates). {@link NodeReader} reads the
 * typed values and records the problems; section readers return {@code null} after a problem,
 * and the recipe is only built when there were none. The {@code image} and {@code regions}
 * sections are read by {@link ImageReader}, {@code deploy} by {@link DeployReader}, and {@code schedule}
 * and {@code notify} by {@link ScheduleReader}.
 */
final class RecipeReader {

    static final List<String> TOP_KEYS = List.of("name", "description", "os", "variables", "source", "build",
            "packages", "provision", "cleanup", "image", "regions", "test",
            "deploy", "notify", "schedule");
    static final List<String> SOURCE_KEYS = List.of("region", "ami", "ssm", "filter");
    static final List<String> FILTER_KEYS = List.of("owners", "name", "architecture");
    static final List<String> BUILD_KEYS = List.of("instanceType", "subnet", "securityGroups", "instanceProfile",
            "volumeSize", "onFailure", "timeout");
    static final List<String> PACKAGES_KEYS = List.of("preset", "install", "enable");
    static final List<String> STEP_KEYS = List.of("name", "run", "timeout");
    static final List<String> CLEANUP_KEYS = List.of("cleaners", "stopServices", "run");
    static final List<String> IMAGE_KEYS = List.of("name", "description", "tags", "retention", "deprecateAfter",
            "deregistrationProtection", "imdsSupport");
    static final List<String> RETENTION_KEYS = List.of("keep", "maxAge", "rollbackVersions");
    static final List<String> TEST_KEYS = List.of("steps", "defaults", "regions");
    static final List<String> DEPLOY_KEYS = List.of("launchTemplate", "regions", "instances");
    static final List<String> INSTANCES_KEYS = List.of("count", "instanceType", "subnet", "securityGroups");
    static final List<String> NOTIFY_KEYS = List.of("url", "command", "succeeded");
    static final List<String> SCHEDULE_KEYS = List.of("cron", "zone", "when", "pauseAfter");
    /** Failed slots in a row before a schedule pauses; more than this is a schedule nobody watches. */
    static final int MAX_PAUSE_AFTER = 100;
    /** AWS's rule for launch template names. */
    static final Pattern LAUNCH_TEMPLATE = Pattern.compile("[a-zA-Z0-9().\\-/_]{3,128}");
    static final List<String> REGIONS_KEYS = List.of("targets", "encrypted", "kmsKeys", "shareWith", "ssmParameter");

    static final Pattern RECIPE_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    static final Pattern OS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");
    static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    static final Pattern AMI_ID = Pattern.compile("ami-([0-9a-f]{8}|[0-9a-f]{17})");
    static final Pattern SUBNET_ID = Pattern.compile("subnet-([0-9a-f]{8}|[0-9a-f]{17})");
    static final Pattern SECURITY_GROUP_ID = Pattern.compile("sg-([0-9a-f]{8}|[0-9a-f]{17})");
    static final Pattern INSTANCE_PROFILE = Pattern.compile(
            "[\\w+=,.@-]{1,128}|arn:aws:iam::\\d{12}:instance-profile/[\\w+=,.@/-]{1,128}");
    /** SSM parameter names: letters, digits, {@code _ . -}, levels separated by {@code /}. */
    static final Pattern SSM_NAME = Pattern.compile("(/[A-Za-z0-9_.-]+)+|[A-Za-z0-9_.-]+");
    static final Set<String> OWNER_ALIASES = Set.of("amazon", "aws-marketplace", "self", "aws-backup-vault");
    static final List<String> ARCHITECTURES = List.of("x86_64", "arm64", "i386", "x86_64_mac", "arm64_mac");
    static final Pattern STEP_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** Package names go into shell: no spaces or metacharacters, and no leading dash (an option). */
    static final Pattern PACKAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+:~=@-]{0,127}");
    static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9@._:\\\\-]{0,127}");
    /** Stopping the agent would kill the very command that stops it, and every later one. */
    static final Set<String> SSM_AGENT = Set.of("amazon-ssm-agent", "amazon-ssm-agent.service",
            "snap.amazon-ssm-agent.amazon-ssm-agent", "snap.amazon-ssm-agent.amazon-ssm-agent.service");

    /** SSM Run Command's {@code executionTimeout} maximum (docs/aws.md). */
    static final Duration MAX_STEP_TIMEOUT = Duration.ofSeconds(172_800);
    /** The largest EBS volume, in GiB. */
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
        Set<String> secrets = new java.util.LinkedHashSet<>();
        Map<String, String> variables = variables(top, secrets);
        Source source = top.has("source") ? source(top.value("source")) : null;
        Build build = top.has("build") ? build(top.value("build")) : null;
        Packages packages = top.has("packages") ? packages(top.value("packages")) : Packages.NONE;
        List<ShellStep> provision = top.has("provision") ? steps(top.value("provision"), "provision") : List.of();
        Cleanup cleanup = top.has("cleanup") ? cleanup(top.value("cleanup")) : Cleanup.NONE;
        ImageReader images = new ImageReader(nodes, sampleTime);
        ImageSpec image = top.has("image") ? images.image(top.value("image"), name, os, variables) : null;
        Regions regions = top.has("regions")
                ? images.regions(top.value("regions"), source, name, os, variables)
                : Regions.sourceOnly();
        Tests test = top.has("test") ? test(top.value("test")) : Tests.DEFAULT;
        Deploy deploy = top.has("deploy") && source != null && regions != null
                ? new DeployReader(nodes).deploy(top.value("deploy"), regions.including(source.region())) : Deploy.NONE;
        ScheduleReader schedules = new ScheduleReader(nodes);
        Notify notify = top.has("notify") ? schedules.notify(top.value("notify")) : Notify.NONE;
        Schedule schedule = top.has("schedule") ? schedules.schedule(top.value("schedule")) : null;
        if (!nodes.problems().isEmpty()) {
            throw new RecipeException(nodes.problems());
        }
        return new Recipe(name, description, os, source, build, packages, provision, cleanup, image, regions,
                variables, secrets, test, deploy, notify, schedule);
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

    private Map<String, String> variables(Fields top, Set<String> secrets) {
        Map<String, String> declared = new LinkedHashMap<>();
        Map<String, Node> secretKeys = new LinkedHashMap<>();
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
                    if (value instanceof MappingNode) {
                        if (secret(value, path, key)) {
                            secrets.add(key);
                            secretKeys.put(key, vars.keys.get(key));
                        }
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
            if (secrets.contains(key)) {
                merged.put(key, value);
            } else if (!declared.containsKey(key)) {
                Node at = top.has("variables") ? top.keys.get("variables") : top.node;
                nodes.problem(at, "variables." + key, "--var sets '" + key + "', which the recipe does not declare",
                        declared.isEmpty() ? "declare it under 'variables' with a default"
                                : Suggestions.closest(key, declared.keySet()).map(v -> "did you mean '" + v + "'?")
                                        .orElse("declare it under 'variables' with a default"));
            } else {
                merged.put(key, value);
            }
        });
        if (top.has("variables")) {
            for (String secret : secrets) {
                if (!merged.containsKey(secret)) {
                    nodes.problem(secretKeys.get(secret), "variables." + secret, "the secret variable '" + secret + "' has no value",
                            "give it on the command line: --var " + secret + "=VALUE");
                    // A stand-in, so the templates that use it are still checked, without a second problem.
                    merged.put(secret, "secret");
                }
            }
        }
        return merged;
    }

    /** {@code NAME: {secret: true}}: a variable whose value comes from --var only and is never printed. */
    private boolean secret(Node node, String path, String name) {
        Fields f = nodes.fields(node, path, List.of("secret"), List.of("secret"));
        if (f == null || !f.has("secret")) {
            return false;
        }
        Boolean secret = nodes.bool(f.value("secret"), path + ".secret");
        if (Boolean.FALSE.equals(secret)) {
            nodes.problem(f.value("secret"), path + ".secret", "expected 'true'; a variable that is not secret"
                    + " is written with its default value", "write '" + name + ": VALUE'");
        }
        return Boolean.TRUE.equals(secret);
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
        if (ImageReader.ACCOUNT_ID.matcher(owner).matches() || OWNER_ALIASES.contains(owner)) {
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
        return nodes.knownInstanceType(node, "build.instanceType");
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
            String run = f.has("run") ? script(f.value("run"), at + ".run") : null;
            Duration timeout = f.has("timeout") ? nodes.duration(f.value("timeout"), at + ".timeout", MAX_STEP_TIMEOUT) : null;
            if (name == null || run == null || f.has("timeout") && timeout == null) {
                ok = false;
                continue;
            }
            steps.add(new ShellStep(name, run, timeout));
        }
        return ok ? steps : null;
    }

    /**
     * A shell script: bash cannot carry a NUL, and other control characters are almost always a
     * stray escape ({@code "\0"}, {@code "\e"}) that would reach the instance and the console.
     */
    private String script(Node node, String path) {
        String run = nodes.nonBlank(node, path);
        int at = run == null ? -1 : TerminalText.firstControl(run);
        if (at < 0) {
            return run;
        }
        int line = (int) run.substring(0, at).chars().filter(c -> c == '\n').count() + 1;
        nodes.problem(node, path, "the script contains the control character "
                + TerminalText.describe(run.charAt(at)) + " on its line " + line,
                "remove it; to produce such a byte, have the script print it (printf '\\000')");
        return null;
    }

    private Tests test(Node node) {
        Fields f = nodes.fields(node, "test", TEST_KEYS, List.of());
        if (f == null) {
            return null;
        }
        List<ShellStep> steps = f.has("steps") ? steps(f.value("steps"), "test.steps") : List.of();
        Boolean defaults = f.has("defaults") ? nodes.bool(f.value("defaults"), "test.defaults") : Boolean.TRUE;
        String regions = f.has("regions") ? nodes.oneOf(f.value("regions"), "test.regions", Tests.REGION_CHOICES)
                : Tests.SOURCE;
        if (steps == null || defaults == null || regions == null) {
            return null;
        }
        return new Tests(steps, defaults, regions);
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

    private String region(Node node, String path) {
        String region = nodes.string(node, path);
        return region == null ? null : nodes.knownRegion(node, path, region);
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

}
