package io.amibake.sandbox;

import static io.amibake.sandbox.SsmApi.epochSeconds;
import static io.amibake.sandbox.SsmApi.offset;
import static io.amibake.sandbox.SsmApi.text;
import static io.amibake.sandbox.SsmApi.validation;

import io.amibake.sandbox.Cloud.Instance;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * SSM agents: when an instance's agent registers and goes online, and DescribeInstanceInformation,
 * the list of managed instances that Run Command may target.
 */
final class SsmAgents {

    static final String AGENT_VERSION = "3.3.1142.0";

    private final Cloud cloud;
    private final JsonMapper json;

    SsmAgents(Cloud cloud, JsonMapper json) {
        this.cloud = cloud;
        this.json = json;
    }

    /**
     * The SSM agent's ping status: null until it first registers (never, without an instance
     * profile, as in AWS), Online while the instance has been running for the registration delay,
     * ConnectionLost once it stops.
     */
    String pingStatus(Instance in, Instant now) {
        if (in.iamProfileArn == null) {
            return null;
        }
        if (in.agentRegistration == null) {
            in.agentRegistration = cloud.transition(cloud.profile.agentRegistration());
        }
        Duration delay = in.agentRegistration;
        boolean everOnline = false;
        boolean onlineNow = false;
        String state = in.state(now);
        List<Instant[]> spans = in.timeline.spans("running", now);
        for (int i = 0; i < spans.size(); i++) {
            Instant onlineAt = spans.get(i)[0].plus(delay);
            boolean last = i == spans.size() - 1;
            if (!onlineAt.isAfter(spans.get(i)[1]) && (!last || !onlineAt.isAfter(now))) {
                everOnline = true;
                if (last && state.equals("running")) {
                    onlineNow = true;
                }
            }
        }
        if (onlineNow && (in.machine == null || in.machine.ready())) {
            return "Online";
        }
        if (onlineNow) {
            // A real machine's agent registers once the machine has booted; until then it is as
            // if the registration were still under way.
            return everOnlineBefore(spans, delay) ? "ConnectionLost" : null;
        }
        return everOnline && !state.equals("terminated") ? "ConnectionLost" : null;
    }

    /** Whether the agent was online in a running span before the current one. */
    private static boolean everOnlineBefore(List<Instant[]> spans, Duration delay) {
        for (int i = 0; i < spans.size() - 1; i++) {
            if (!spans.get(i)[0].plus(delay).isAfter(spans.get(i)[1])) {
                return true;
            }
        }
        return false;
    }

    ObjectNode describeInstanceInformation(Cloud.Region region, JsonNode request) {
        Instant now = cloud.now();
        List<String> ids = new ArrayList<>();
        List<String> pings = new ArrayList<>();
        Map<String, List<String>> tagFilters = new LinkedHashMap<>();
        for (JsonNode f : request.path("InstanceInformationFilterList")) {
            collect(text(f, "key"), f.path("valueSet"), ids, pings, tagFilters);
        }
        for (JsonNode f : request.path("Filters")) {
            collect(text(f, "Key"), f.path("Values"), ids, pings, tagFilters);
        }
        int max = request.path("MaxResults").asInt(50);
        if (max < 5 || max > 50) {
            throw validation("1 validation error detected: Value '" + max + "' at 'maxResults' failed to satisfy "
                    + "constraint: Member must have value between 5 and 50");
        }
        // SSM's API reference lists InvalidInstanceId for an instance whose agent is not registered
        // (or is not running, or the instance is shutting down or terminated).
        List<String> unknown = ids.stream().filter(id -> region.instances.get(id) == null
                || pingStatus(region.instances.get(id), now) == null).toList();
        if (!unknown.isEmpty()) {
            throw new ApiException("InvalidInstanceId", "Instances " + unknown + " are not registered with Systems "
                    + "Manager, or not in a valid state");
        }
        List<ObjectNode> items = new ArrayList<>();
        for (Instance in : region.instances.values()) {
            String ping = pingStatus(in, now);
            if (ping == null || !ids.isEmpty() && !ids.contains(in.id) || !pings.isEmpty() && !pings.contains(ping)) {
                continue;
            }
            boolean tagsMatch = tagFilters.entrySet().stream()
                    .allMatch(e -> in.tags.containsKey(e.getKey()) && e.getValue().contains(in.tags.get(e.getKey())));
            if (!tagsMatch) {
                continue;
            }
            ObjectNode info = json.createObjectNode();
            Instant lastPing = ping.equals("Online") ? now : in.timeline.enteredAt(now);
            info.put("InstanceId", in.id).put("PingStatus", ping).put("LastPingDateTime", epochSeconds(lastPing))
                    .put("AgentVersion", AGENT_VERSION).put("IsLatestVersion", true).put("PlatformType", "Linux")
                    .put("PlatformName", platformName(region, in)).put("PlatformVersion", platformVersion(region, in))
                    .put("ResourceType", "EC2Instance").put("IPAddress", in.privateIp)
                    .put("ComputerName", "ip-" + in.privateIp.replace('.', '-') + "." + in.region + ".compute.internal")
                    .put("AssociationStatus", "Success")
                    .put("LastAssociationExecutionDate", epochSeconds(in.launchedAt));
            items.add(info);
        }
        int from = offset(request);
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray("InstanceInformationList");
        items.subList(Math.min(from, items.size()), Math.min(items.size(), from + max)).forEach(list::add);
        if (from + max < items.size()) {
            out.put("NextToken", "sandbox-" + (from + max));
        }
        return out;
    }

    private static String platformName(Cloud.Region region, Instance in) {
        Cloud.Image image = region.images.get(in.imageId);
        if (in.machine != null || image != null && Cloud.DEBIAN_OWNER.equals(image.ownerId)) {
            return "Debian GNU/Linux";
        }
        return image != null && image.name.contains("ubuntu") ? "Ubuntu" : "Amazon Linux";
    }

    private static String platformVersion(Cloud.Region region, Instance in) {
        return switch (platformName(region, in)) {
            case "Debian GNU/Linux" -> "12";
            case "Ubuntu" -> "24.04";
            default -> "2023";
        };
    }

    private static void collect(String key, JsonNode values, List<String> ids, List<String> pings,
            Map<String, List<String>> tags) {
        if (key == null) {
            throw validation("A filter needs a key");
        }
        List<String> list = new ArrayList<>();
        values.forEach(v -> list.add(v.asString()));
        switch (key) {
            case "InstanceIds" -> ids.addAll(list);
            case "PingStatus" -> pings.addAll(list);
            case "PlatformTypes", "ResourceType", "AgentVersion" -> {
                // every sandbox instance is a Linux EC2 instance with the same agent
            }
            default -> {
                if (key.startsWith("tag:")) {
                    tags.put(key.substring(4), list);
                } else {
                    throw new ApiException("InvalidInstanceInformationFilterValue", "The filter key " + key
                            + " is not valid");
                }
            }
        }
    }
}
