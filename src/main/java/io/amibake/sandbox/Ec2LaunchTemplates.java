package io.amibake.sandbox;

import static io.amibake.sandbox.Ec2Api.dryRun;
import static io.amibake.sandbox.Ec2Api.fingerprint;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Launch templates and their numbered versions: CreateLaunchTemplate, CreateLaunchTemplateVersion
 * (with {@code SourceVersion} and {@code ClientToken}), ModifyLaunchTemplate
 * ({@code SetDefaultVersion}), DescribeLaunchTemplates and DescribeLaunchTemplateVersions
 * ({@code $Latest}, {@code $Default}, numbers). A version's data is kept as the flattened
 * {@code LaunchTemplateData.*} parameters it was given; {@code ImageId} and {@code InstanceType}
 * are written back. Callers hold the monitor of the {@link Cloud}.
 */
final class Ec2LaunchTemplates {

    /** AWS's rule for launch template names: 3 to 128 of letters, digits and {@code ( ) . - / _}. */
    static final Pattern NAME = Pattern.compile("[a-zA-Z0-9().\\-/_]{3,128}");
    private static final String DATA = "LaunchTemplateData.";

    private final Cloud cloud;
    /** Region to template id to template. */
    private final Map<String, Map<String, Template>> templates = new HashMap<>();
    /** Region to client token to (fingerprint, template id, version). */
    private final Map<String, Map<String, String[]>> tokens = new HashMap<>();

    Ec2LaunchTemplates(Cloud cloud) {
        this.cloud = cloud;
    }

    private static final class Template {
        String id;
        String name;
        Instant createdAt;
        long defaultVersion = 1;
        final TreeMap<Long, Version> versions = new TreeMap<>();
        final Map<String, String> tags = new LinkedHashMap<>();
    }

    private record Version(long number, String description, Instant createdAt, Map<String, String> data) {
    }

    /** Every template in every region, as views; the caller holds the cloud's lock. */
    java.util.List<SandboxLaunchTemplate> views() {
        java.util.List<SandboxLaunchTemplate> views = new java.util.ArrayList<>();
        templates.forEach((region, byId) -> byId.values().forEach(t -> {
            TreeMap<Long, String> images = new TreeMap<>();
            t.versions.values().forEach(v -> {
                if (v.data().get("ImageId") != null) {
                    images.put(v.number(), v.data().get("ImageId"));
                }
            });
            views.add(new SandboxLaunchTemplate(region, t.name, t.defaultVersion, t.versions.lastKey(), images));
        }));
        return views;
    }

    void createLaunchTemplate(Cloud.Region region, QueryParams p, Xml xml) {
        String name = p.require("LaunchTemplateName");
        if (!NAME.matcher(name).matches()) {
            throw ApiException.invalidParameter("Launch template name must be between 3 and 128 characters, and may "
                    + "contain letters, numbers, and the following characters: - ( ) . / _.'");
        }
        Map<String, Map<String, String>> tagSpecs = Ec2Tags.tagSpecifications(p, Set.of("launch-template"));
        dryRun(p);
        String[] known = knownToken(region, p);
        if (known != null) {
            writeTemplate(xml.open("launchTemplate"), byId(region, known[1])).close();
            return;
        }
        if (find(region, name) != null) {
            throw new ApiException("InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already "
                    + "in use.");
        }
        Instant now = cloud.now();
        Template t = new Template();
        t.id = "lt-0" + Cloud.newId("x").substring(3);
        t.name = name;
        t.createdAt = now;
        t.tags.putAll(tagSpecs.getOrDefault("launch-template", Map.of()));
        t.versions.put(1L, new Version(1, p.get("VersionDescription"), now, data(p)));
        templates.computeIfAbsent(region.name, r -> new LinkedHashMap<>()).put(t.id, t);
        remember(region, p, t.id, 1);
        writeTemplate(xml.open("launchTemplate"), t).close();
    }

    void createLaunchTemplateVersion(Cloud.Region region, QueryParams p, Xml xml) {
        Template t = template(region, p);
        dryRun(p);
        String[] known = knownToken(region, p);
        if (known != null) {
            Template earlier = byId(region, known[1]);
            writeVersion(xml.open("launchTemplateVersion"), earlier, earlier.versions.get(Long.parseLong(known[2])))
                    .close();
            return;
        }
        Map<String, String> data = new TreeMap<>();
        String source = p.get("SourceVersion");
        if (source != null) {
            data.putAll(version(t, source).data());
        }
        data.putAll(data(p));
        long number = t.versions.lastKey() + 1;
        Version v = new Version(number, p.get("VersionDescription"), cloud.now(), data);
        t.versions.put(number, v);
        remember(region, p, t.id, number);
        writeVersion(xml.open("launchTemplateVersion"), t, v).close();
    }

    void modifyLaunchTemplate(Cloud.Region region, QueryParams p, Xml xml) {
        Template t = template(region, p);
        String requested = p.get("SetDefaultVersion");
        dryRun(p);
        if (requested != null) {
            t.defaultVersion = version(t, requested).number();
        }
        writeTemplate(xml.open("launchTemplate"), t).close();
    }

    void describeLaunchTemplates(Cloud.Region region, QueryParams p, Xml xml) {
        dryRun(p);
        List<String> ids = p.list("LaunchTemplateId");
        List<String> names = p.list("LaunchTemplateName");
        List<Template> found = new ArrayList<>();
        for (String id : ids) {
            found.add(require(byId(region, id), "InvalidLaunchTemplateId.NotFound",
                    "The specified launch template, with template ID " + id + ", does not exist."));
        }
        for (String name : names) {
            found.add(require(find(region, name), "InvalidLaunchTemplateName.NotFoundException",
                    "At least one of the launch templates specified in the request does not exist."));
        }
        if (ids.isEmpty() && names.isEmpty()) {
            found.addAll(templates.getOrDefault(region.name, Map.of()).values());
        }
        xml.open("launchTemplates");
        found.forEach(t -> writeTemplate(xml.open("item"), t).close());
        xml.close();
    }

    void describeLaunchTemplateVersions(Cloud.Region region, QueryParams p, Xml xml) {
        Template t = template(region, p);
        dryRun(p);
        List<String> wanted = p.list("LaunchTemplateVersion");
        List<Version> found = new ArrayList<>();
        if (wanted.isEmpty()) {
            found.addAll(t.versions.descendingMap().values());
        } else {
            wanted.forEach(w -> found.add(version(t, w)));
        }
        xml.open("launchTemplateVersionSet");
        found.forEach(v -> writeVersion(xml.open("item"), t, v).close());
        xml.close();
    }

    // ---- lookups ----

    private Template template(Cloud.Region region, QueryParams p) {
        String id = p.get("LaunchTemplateId");
        String name = p.get("LaunchTemplateName");
        if (id == null && name == null) {
            throw new ApiException("MissingParameter", "The request must contain the parameter LaunchTemplateName "
                    + "or LaunchTemplateId");
        }
        if (id != null) {
            return require(byId(region, id), "InvalidLaunchTemplateId.NotFound",
                    "The specified launch template, with template ID " + id + ", does not exist.");
        }
        return require(find(region, name), "InvalidLaunchTemplateName.NotFoundException",
                "The specified launch template, with template name " + name + ", does not exist.");
    }

    private static Template require(Template t, String code, String message) {
        if (t == null) {
            throw new ApiException(code, message);
        }
        return t;
    }

    private Template byId(Cloud.Region region, String id) {
        return templates.getOrDefault(region.name, Map.of()).get(id);
    }

    private Template find(Cloud.Region region, String name) {
        return templates.getOrDefault(region.name, Map.of()).values().stream()
                .filter(t -> t.name.equals(name)).findFirst().orElse(null);
    }

    private static Version version(Template t, String spec) {
        long number;
        if (spec.equals("$Latest")) {
            number = t.versions.lastKey();
        } else if (spec.equals("$Default")) {
            number = t.defaultVersion;
        } else {
            try {
                number = Long.parseLong(spec);
            } catch (NumberFormatException e) {
                throw new ApiException("InvalidLaunchTemplateId.VersionNotFound", "Could not find launch template "
                        + "version " + spec + " for template " + t.id + ".");
            }
        }
        Version v = t.versions.get(number);
        if (v == null) {
            throw new ApiException("InvalidLaunchTemplateId.VersionNotFound", "Could not find launch template version "
                    + spec + " for template " + t.id + ".");
        }
        return v;
    }

    private String[] knownToken(Cloud.Region region, QueryParams p) {
        String token = p.get("ClientToken");
        if (token == null) {
            return null;
        }
        String[] known = tokens.getOrDefault(region.name, Map.of()).get(token);
        if (known != null && !known[0].equals(fingerprint(p))) {
            throw new ApiException("IdempotentParameterMismatch", "Arguments on this idempotent request are "
                    + "inconsistent with arguments used in previous request(s).");
        }
        return known;
    }

    private void remember(Cloud.Region region, QueryParams p, String id, long version) {
        String token = p.get("ClientToken");
        if (token != null) {
            tokens.computeIfAbsent(region.name, r -> new HashMap<>())
                    .put(token, new String[] {fingerprint(p), id, Long.toString(version)});
        }
    }

    private static Map<String, String> data(QueryParams p) {
        Map<String, String> data = new TreeMap<>();
        p.asMap().forEach((k, v) -> {
            if (k.startsWith(DATA)) {
                data.put(k.substring(DATA.length()), v);
            }
        });
        return data;
    }

    // ---- XML ----

    private static Xml writeTemplate(Xml xml, Template t) {
        return xml.el("launchTemplateId", t.id).el("launchTemplateName", t.name).el("createTime", t.createdAt)
                .el("createdBy", "arn:aws:iam::" + Cloud.ACCOUNT + ":root")
                .el("defaultVersionNumber", t.defaultVersion).el("latestVersionNumber", t.versions.lastKey())
                .tagSet(t.tags);
    }

    private static Xml writeVersion(Xml xml, Template t, Version v) {
        xml.el("launchTemplateId", t.id).el("launchTemplateName", t.name).el("versionNumber", v.number())
                .el("versionDescription", v.description()).el("createTime", v.createdAt())
                .el("createdBy", "arn:aws:iam::" + Cloud.ACCOUNT + ":root")
                .el("defaultVersion", v.number() == t.defaultVersion);
        xml.open("launchTemplateData").el("imageId", v.data().get("ImageId"))
                .el("instanceType", v.data().get("InstanceType"));
        return xml.close();
    }
}
