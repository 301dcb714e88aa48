package io.amibake.cloud;

import static io.amibake.cloud.Ec2Gateway.call;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateVersion;

/**
 * Launch templates, for the deploy: what a template's default version launches, a new version
 * that launches another image (idempotent by client token), and making it the default.
 */
public final class LaunchTemplates {

    private final AwsClients clients;

    public LaunchTemplates(AwsClients clients) {
        this.clients = clients;
    }

    /** A launch template version: its number and the image it launches (null when it names none). */
    public record Version(long number, String imageId) {
    }

    /** The template's default version, or empty when no template has this name in the region. */
    public Optional<Version> defaultVersion(String region, String name) {
        try {
            var response = call(() -> clients.ec2(region).describeLaunchTemplateVersions(r -> r
                    .launchTemplateName(name).versions("$Default")));
            return response.launchTemplateVersions().stream().findFirst().map(LaunchTemplates::version);
        } catch (CloudException e) {
            if ("InvalidLaunchTemplateName.NotFoundException".equals(e.code())
                    || "InvalidLaunchTemplateId.NotFound".equals(e.code())) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * A launch template as retention sees it: its default and latest version numbers and the
     * image each version launches (versions that name no image are left out).
     */
    public record Template(String name, long defaultVersion, long latestVersion, SortedMap<Long, String> images) {

        public Template {
            images = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(images));
        }
    }

    /** Every launch template in the region, with every version's image. */
    public List<Template> all(String region) {
        List<Template> all = new ArrayList<>();
        var templates = call(() -> clients.ec2(region).describeLaunchTemplatesPaginator(r -> { })
                .launchTemplates().stream().toList());
        for (var template : templates) {
            SortedMap<Long, String> images = new TreeMap<>();
            call(() -> clients.ec2(region).describeLaunchTemplateVersionsPaginator(r -> r
                    .launchTemplateId(template.launchTemplateId())).launchTemplateVersions().stream().toList())
                    .forEach(v -> {
                        if (v.launchTemplateData() != null && v.launchTemplateData().imageId() != null) {
                            images.put(v.versionNumber(), v.launchTemplateData().imageId());
                        }
                    });
            all.add(new Template(template.launchTemplateName(), template.defaultVersionNumber(),
                    template.latestVersionNumber(), images));
        }
        return all;
    }

    /** A new template whose first (default) version launches {@code imageId}; idempotent by client token. */
    public Version create(String region, String name, String imageId, String instanceType, Map<String, String> tags,
                          String clientToken) {
        call(() -> clients.ec2(region).createLaunchTemplate(r -> r.launchTemplateName(name)
                .versionDescription("created by amibake").clientToken(clientToken)
                .launchTemplateData(d -> d.imageId(imageId).instanceType(instanceType))
                .tagSpecifications(t -> t.resourceType(ResourceType.LAUNCH_TEMPLATE).tags(Ec2Gateway.tags(tags)))));
        return new Version(1, imageId);
    }

    /** A new version copied from the default one, with {@code imageId}; the same token returns the same version. */
    public Version createVersion(String region, String name, String imageId, String description, String clientToken) {
        var response = call(() -> clients.ec2(region).createLaunchTemplateVersion(r -> r
                .launchTemplateName(name).sourceVersion("$Default").versionDescription(description)
                .clientToken(clientToken).launchTemplateData(d -> d.imageId(imageId))));
        return version(response.launchTemplateVersion());
    }

    public void makeDefault(String region, String name, long version) {
        call(() -> clients.ec2(region).modifyLaunchTemplate(r -> r.launchTemplateName(name)
                .defaultVersion(Long.toString(version))));
    }

    private static Version version(LaunchTemplateVersion v) {
        return new Version(v.versionNumber(), v.launchTemplateData() == null ? null : v.launchTemplateData().imageId());
    }
}
