package io.amibake.recipe;

import io.amibake.recipe.NodeReader.Fields;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads the {@code deploy} section: the launch template and the instances kept in each deploy
 * region, whose network settings belong to one region each. A part of {@link RecipeReader},
 * sharing its {@link NodeReader}.
 */
final class DeployReader {

    private final NodeReader nodes;

    DeployReader(NodeReader nodes) {
        this.nodes = nodes;
    }

    Deploy deploy(Node node, List<String> imageRegions) {
        Fields f = nodes.fields(node, "deploy", RecipeReader.DEPLOY_KEYS, List.of());
        if (f == null) {
            return null;
        }
        if (!f.has("launchTemplate") && !f.has("instances")) {
            nodes.problem(node, "deploy", "nothing to deploy", "add launchTemplate, instances or both");
            return null;
        }
        String template = f.has("launchTemplate") ? nodes.matching(f.value("launchTemplate"), "deploy.launchTemplate",
                RecipeReader.LAUNCH_TEMPLATE, "a launch template name of 3 to 128 letters, digits and ( ) . - / _") : null;
        List<String> regions = f.has("regions") ? nodes.uniqueStrings(f.value("regions"), "deploy.regions",
                (n, p, s) -> {
                    String known = nodes.knownRegion(n, p, s);
                    if (known != null && !imageRegions.contains(known)) {
                        nodes.problem(n, p, "'" + known + "' is not a region the image goes to",
                                "add it to regions.targets, or deploy to one of " + String.join(", ", imageRegions));
                        return null;
                    }
                    return known;
                }) : List.of();
        DeployInstances instances = f.has("instances")
                ? instances(f.value("instances"), regions == null || regions.isEmpty() ? imageRegions : regions) : null;
        if (f.has("launchTemplate") && template == null || regions == null || f.has("instances") && instances == null) {
            return null;
        }
        return new Deploy(template, regions, instances);
    }

    private DeployInstances instances(Node node, List<String> deployRegions) {
        Fields f = nodes.fields(node, "deploy.instances", RecipeReader.INSTANCES_KEYS, List.of("count"));
        if (f == null) {
            return null;
        }
        Integer count = f.has("count") ? nodes.integer(f.value("count"), "deploy.instances.count", 0,
                DeployInstances.MAX_COUNT, "instances per region") : null;
        String type = f.has("instanceType") ? nodes.knownInstanceType(f.value("instanceType"), "deploy.instances.instanceType")
                : null;
        Map<String, String> subnets = new LinkedHashMap<>();
        Map<String, List<String>> groups = new LinkedHashMap<>();
        boolean ok = !f.has("subnet") || perRegion(f.value("subnet"), "deploy.instances.subnet", deployRegions,
                (n, p) -> nodes.matching(n, p, RecipeReader.SUBNET_ID, "a subnet id such as subnet-0123456789abcdef0"), subnets);
        ok &= !f.has("securityGroups") || perRegion(f.value("securityGroups"), "deploy.instances.securityGroups",
                deployRegions, (n, p) -> nodes.uniqueStrings(n, p, (e, at, s) -> nodes.matches(e, at, s,
                        RecipeReader.SECURITY_GROUP_ID, "a security group id such as sg-0123456789abcdef0")), groups);
        if (count == null || f.has("instanceType") && type == null || !ok) {
            return null;
        }
        return new DeployInstances(count, type, subnets, groups);
    }

    /**
     * A network setting, which belongs to one region: either one value, when the deploy covers one
     * region, or a mapping of deploy region to value.
     */
    private <T> boolean perRegion(Node node, String path, List<String> deployRegions,
                                  java.util.function.BiFunction<Node, String, T> value, Map<String, T> into) {
        if (!(node instanceof MappingNode)) {
            if (deployRegions.size() != 1) {
                nodes.problem(node, path, "a subnet or security group belongs to one region, and the deploy covers "
                        + deployRegions.size() + " (" + String.join(", ", deployRegions) + ")",
                        "give one per region, such as {" + deployRegions.get(0) + ": ...}");
                return false;
            }
            T one = value.apply(node, path);
            if (one != null) {
                into.put(deployRegions.get(0), one);
            }
            return one != null;
        }
        Fields f = nodes.fields(node, path, null, List.of());
        if (f == null) {
            return false;
        }
        boolean ok = true;
        for (String region : f.keyOrder()) {
            String at = path + "." + region;
            Node keyNode = f.keys.get(region);
            if (nodes.knownRegion(keyNode, at, region) == null) {
                ok = false;
                continue;
            }
            if (!deployRegions.contains(region)) {
                nodes.problem(keyNode, at, "'" + region + "' is not a deploy region",
                        "use one of " + String.join(", ", deployRegions));
                ok = false;
                continue;
            }
            T one = value.apply(f.value(region), at);
            if (one == null) {
                ok = false;
            } else {
                into.put(region, one);
            }
        }
        return ok;
    }
}
