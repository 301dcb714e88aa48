package io.amibake.recipe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Writes a recipe back as YAML with every default spelled out, for {@code validate --print}.
 * The text loads back into an equal recipe.
 */
public final class RecipePrinter {

    private RecipePrinter() {
    }

    /** The normalized recipe: keys in documented order, defaults filled in, durations short. */
    public static String toYaml(Recipe recipe) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", recipe.name());
        out.put("description", recipe.description());
        putIfSet(out, "os", recipe.os());
        if (!recipe.variables().isEmpty()) {
            Map<String, Object> variables = new TreeMap<>(recipe.variables());
            recipe.secrets().forEach(name -> variables.put(name, Map.of("secret", true)));
            out.put("variables", variables);
        }
        out.put("source", source(recipe.source()));
        out.put("build", build(recipe.build()));
        if (!recipe.packages().isEmpty()) {
            Map<String, Object> packages = new LinkedHashMap<>();
            putIfSet(packages, "preset", recipe.packages().preset());
            packages.put("install", recipe.packages().install());
            packages.put("enable", recipe.packages().enable());
            out.put("packages", packages);
        }
        out.put("provision", steps(recipe.provision(), CommandPlan.STEP_TIMEOUT));
        Map<String, Object> cleanup = new LinkedHashMap<>();
        cleanup.put("run", steps(recipe.cleanup().run(), CommandPlan.STEP_TIMEOUT));
        cleanup.put("stopServices", recipe.cleanup().stopServices());
        cleanup.put("cleaners", recipe.cleanup().cleaners());
        out.put("cleanup", cleanup);
        Map<String, Object> image = new LinkedHashMap<>();
        image.put("name", recipe.image().name());
        image.put("description", recipe.image().description());
        image.put("tags", new TreeMap<>(recipe.image().tags()));
        Retention retention = recipe.image().retention();
        if (retention != null) {
            Map<String, Object> keep = new LinkedHashMap<>();
            keep.put("keep", retention.keep());
            putIfSet(keep, "maxAge", retention.maxAge() == null ? null : Durations.format(retention.maxAge()));
            keep.put("rollbackVersions", retention.rollbackVersions());
            image.put("retention", keep);
        }
        ImageSettings settings = recipe.image().settings();
        putIfSet(image, "deprecateAfter", settings.deprecateAfter() == null ? null
                : Durations.format(settings.deprecateAfter()));
        if (settings.deregistrationProtection()) {
            image.put("deregistrationProtection", true);
        }
        putIfSet(image, "imdsSupport", settings.imdsSupport());
        out.put("image", image);
        Map<String, Object> regions = new LinkedHashMap<>();
        regions.put("targets", recipe.regions().targets());
        regions.put("encrypted", recipe.regions().encrypted());
        if (!recipe.regions().kmsKeys().isEmpty()) {
            regions.put("kmsKeys", new TreeMap<>(recipe.regions().kmsKeys()));
        }
        regions.put("shareWith", recipe.regions().shareWith());
        putIfSet(regions, "ssmParameter", recipe.regions().ssmParameter());
        out.put("regions", regions);
        Map<String, Object> test = new LinkedHashMap<>();
        test.put("steps", steps(recipe.test().steps(), CommandPlan.STEP_TIMEOUT));
        test.put("defaults", recipe.test().defaults());
        test.put("regions", recipe.test().regions());
        out.put("test", test);
        if (recipe.deploy().launchTemplate() != null || recipe.deploy().instances() != null) {
            Map<String, Object> deploy = new LinkedHashMap<>();
            putIfSet(deploy, "launchTemplate", recipe.deploy().launchTemplate());
            deploy.put("regions", recipe.deploy().regions());
            DeployInstances instances = recipe.deploy().instances();
            if (instances != null) {
                Map<String, Object> fleet = new LinkedHashMap<>();
                fleet.put("count", instances.count());
                putIfSet(fleet, "instanceType", instances.instanceType());
                if (!instances.subnets().isEmpty()) {
                    fleet.put("subnet", new TreeMap<>(instances.subnets()));
                }
                if (!instances.securityGroups().isEmpty()) {
                    fleet.put("securityGroups", new TreeMap<>(instances.securityGroups()));
                }
                deploy.put("instances", fleet);
            }
            out.put("deploy", deploy);
        }
        Notify notify = recipe.notifications();
        if (!notify.equals(Notify.NONE)) {
            Map<String, Object> section = new LinkedHashMap<>();
            putIfSet(section, "url", notify.url() == null ? null : notify.url().toString());
            putIfSet(section, "command", notify.command());
            putIfSet(section, "succeeded", notify.succeeded());
            out.put("notify", section);
        }
        if (recipe.schedule() != null) {
            Map<String, Object> schedule = new LinkedHashMap<>();
            schedule.put("cron", recipe.schedule().cron());
            schedule.put("zone", recipe.schedule().zone().getId());
            schedule.put("when", recipe.schedule().when());
            schedule.put("pauseAfter", recipe.schedule().pauseAfter());
            out.put("schedule", schedule);
        }
        return yaml().dump(out);
    }

    private static Map<String, Object> source(Source source) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("region", source.region());
        putIfSet(out, "ami", source.ami());
        putIfSet(out, "ssm", source.ssmParameter());
        if (source.filter() != null) {
            Map<String, Object> filter = new LinkedHashMap<>();
            filter.put("owners", source.filter().owners());
            filter.put("name", source.filter().name());
            filter.put("architecture", source.filter().architecture());
            out.put("filter", filter);
        }
        return out;
    }

    private static Map<String, Object> build(Build build) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("instanceType", build.instanceType());
        putIfSet(out, "subnet", build.subnet());
        out.put("securityGroups", build.securityGroups());
        putIfSet(out, "instanceProfile", build.instanceProfile());
        if (build.volumeSize() > 0) {
            out.put("volumeSize", build.volumeSize());
        }
        out.put("onFailure", build.onFailure().name().toLowerCase(Locale.ROOT));
        out.put("timeout", Durations.format(build.timeout()));
        return out;
    }

    private static List<Object> steps(List<ShellStep> steps, Duration defaultTimeout) {
        List<Object> out = new ArrayList<>();
        for (ShellStep step : steps) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("name", step.name());
            item.put("timeout", Durations.format(step.timeout() == null ? defaultTimeout : step.timeout()));
            item.put("run", step.run());
            out.add(item);
        }
        return out;
    }

    private static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    private static Yaml yaml() {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndicatorIndent(2);
        options.setIndentWithIndicator(true);
        options.setWidth(120);
        options.setSplitLines(false);
        // Equal empty lists would otherwise come out as one anchor and its aliases.
        options.setDereferenceAliases(true);
        return new Yaml(options);
    }
}
