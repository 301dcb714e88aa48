package io.amibake.sandbox;

import static io.amibake.sandbox.Ec2Api.dryRun;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * EC2 tags: CreateTags and DeleteTags on instances, images and snapshots, and the
 * {@code TagSpecification.N} that tags a resource as an action creates it.
 */
final class Ec2Tags {

    private final Cloud cloud;

    Ec2Tags(Cloud cloud) {
        this.cloud = cloud;
    }

    void createTags(Cloud.Region region, QueryParams p, Xml xml) {
        List<String> ids = p.list("ResourceId");
        if (ids.isEmpty()) {
            throw ApiException.missingParameter("ResourceId");
        }
        Map<String, String> tags = tags(p.members("Tag"), true);
        List<Map<String, String>> targets = ids.stream().map(id -> tagsOf(region, id)).toList();
        for (Map<String, String> target : targets) {
            Map<String, String> merged = new LinkedHashMap<>(target);
            merged.putAll(tags);
            if (merged.size() > 50) {
                throw new ApiException("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.");
            }
        }
        dryRun(p);
        targets.forEach(t -> t.putAll(tags));
        xml.el("return", true);
    }

    void deleteTags(Cloud.Region region, QueryParams p, Xml xml) {
        List<String> ids = p.list("ResourceId");
        if (ids.isEmpty()) {
            throw ApiException.missingParameter("ResourceId");
        }
        List<QueryParams> tagParams = p.members("Tag");
        List<Map<String, String>> targets = ids.stream().map(id -> tagsOf(region, id)).toList();
        dryRun(p);
        for (Map<String, String> target : targets) {
            if (tagParams.isEmpty()) {
                target.keySet().removeIf(k -> !k.startsWith("aws:"));
            }
            for (QueryParams t : tagParams) {
                String key = t.get("Key");
                String value = t.get("Value");
                if (key != null && (value == null || value.equals(target.get(key)))) {
                    target.remove(key);
                }
            }
        }
        xml.el("return", true);
    }

    private Map<String, String> tagsOf(Cloud.Region region, String id) {
        Instant now = cloud.now();
        if (id.startsWith("i-")) {
            return Ec2Instances.instancesByIds(region, List.of(id), now).get(0).tags;
        }
        if (id.startsWith("ami-")) {
            // Tags go on the account's own images only: a shared image's tags are its owner's.
            return Ec2Images.byId(region, id, now).tags;
        }
        if (id.startsWith("snap-")) {
            return Ec2Snapshots.liveSnapshot(region, id).tags;
        }
        throw new ApiException("InvalidID", "The ID '" + id + "' is not valid");
    }

    /** TagSpecification.N: tags by resource type, each type checked against those the action accepts. */
    static Map<String, Map<String, String>> tagSpecifications(QueryParams p, Set<String> allowed) {
        Map<String, Map<String, String>> byType = new LinkedHashMap<>();
        for (QueryParams spec : p.members("TagSpecification")) {
            String type = spec.get("ResourceType");
            if (type == null) {
                throw ApiException.missingParameter("TagSpecification.ResourceType");
            }
            if (!allowed.contains(type)) {
                throw ApiException.invalidParameter("'" + type + "' is not a valid taggable resource type for this "
                        + "operation.");
            }
            byType.computeIfAbsent(type, t -> new LinkedHashMap<>()).putAll(tags(spec.members("Tag"), true));
        }
        return byType;
    }

    private static Map<String, String> tags(List<QueryParams> members, boolean requireValue) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (QueryParams t : members) {
            String key = t.get("Key");
            String value = t.get("Value", "");
            if (key == null || key.isEmpty()) {
                throw ApiException.invalidParameter("Tag key must not be empty");
            }
            if (key.length() > 128) {
                throw ApiException.invalidParameter("Tag key exceeds the maximum length of 128 characters");
            }
            if (value.length() > 256) {
                throw ApiException.invalidParameter("Tag value exceeds the maximum length of 256 characters");
            }
            if (key.toLowerCase().startsWith("aws:")) {
                throw ApiException.invalidParameter("Tag keys starting with 'aws:' are reserved for internal use");
            }
            tags.put(key, value);
        }
        if (tags.size() > 50) {
            throw new ApiException("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.");
        }
        return tags;
    }
}
