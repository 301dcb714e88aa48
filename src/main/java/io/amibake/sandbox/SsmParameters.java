package io.amibake.sandbox;

import static io.amibake.sandbox.SsmApi.epochSeconds;
import static io.amibake.sandbox.SsmApi.text;
import static io.amibake.sandbox.SsmApi.validation;

import io.amibake.sandbox.Cloud.Parameter;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * SSM Parameter Store: GetParameter and PutParameter, standard tier only. The public parameters
 * under {@code /aws/service/} are seeded with each region ({@link PublicImages}).
 */
final class SsmParameters {

    private static final Pattern PARAMETER_NAME = Pattern.compile("[a-zA-Z0-9_.\\-/]{1,2048}");

    private final Cloud cloud;
    private final JsonMapper json;

    SsmParameters(Cloud cloud, JsonMapper json) {
        this.cloud = cloud;
        this.json = json;
    }

    ObjectNode getParameter(Cloud.Region region, JsonNode request) {
        String name = text(request, "Name");
        if (name == null) {
            throw validation("1 validation error detected: Value null at 'name' failed to satisfy constraint: "
                    + "Member must not be null");
        }
        Parameter p = region.parameters.get(name);
        if (p == null) {
            throw new ApiException("ParameterNotFound", "Parameter " + name + " not found.");
        }
        ObjectNode out = json.createObjectNode();
        ObjectNode node = out.putObject("Parameter");
        node.put("Name", p.name).put("Type", p.type).put("Value", p.value).put("Version", p.version)
                .put("LastModifiedDate", epochSeconds(p.lastModified)).put("ARN", arn(region, p.name))
                .put("DataType", p.dataType);
        return out;
    }

    ObjectNode putParameter(Cloud.Region region, JsonNode request) {
        String name = text(request, "Name");
        String value = text(request, "Value");
        if (name == null || value == null) {
            throw validation("1 validation error detected: Value null at '" + (name == null ? "name" : "value")
                    + "' failed to satisfy constraint: Member must not be null");
        }
        if (!PARAMETER_NAME.matcher(name).matches() || name.contains("//")) {
            throw validation("Parameter name must be a fully qualified name made of a-zA-Z0-9_.-/");
        }
        String bare = name.startsWith("/") ? name.substring(1) : name;
        if (bare.toLowerCase().startsWith("aws") || bare.toLowerCase().startsWith("ssm")) {
            throw validation("Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). "
                    + "If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be "
                    + "formed as a mix of letters, numbers and the following 3 symbols .-_");
        }
        if (value.length() > 4096) {
            throw validation("Standard tier parameters support a maximum parameter value of 4096 characters.");
        }
        boolean overwrite = request.path("Overwrite").asBoolean(false);
        JsonNode tags = request.path("Tags");
        boolean hasTags = tags.isArray() && !tags.isEmpty();
        if (overwrite && hasTags) {
            throw validation("Invalid request: tags and overwrite can't be used together. To create a parameter with "
                    + "tags, please remove overwrite flag. To update tags for an existing parameter, please use "
                    + "AddTagsToResource or RemoveTagsFromResource.");
        }
        Parameter existing = region.parameters.get(name);
        String type = text(request, "Type");
        if (type != null && !Set.of("String", "StringList", "SecureString").contains(type)) {
            throw validation("1 validation error detected: Value '" + type + "' at 'type' failed to satisfy "
                    + "constraint: Member must satisfy enum value set: [SecureString, StringList, String]");
        }
        String dataType = text(request, "DataType");
        if (dataType != null && !Set.of("text", "aws:ec2:image", "aws:ssm:integration").contains(dataType)) {
            throw validation("The following data type is not supported: " + dataType
                    + " (Data type names are all lowercase.)");
        }
        if (existing != null && !overwrite) {
            throw new ApiException("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, "
                    + "set the overwrite option in the request to true.");
        }
        if (existing == null && type == null) {
            throw validation("A parameter type is required when you create a parameter.");
        }
        Parameter p = existing != null ? existing : new Parameter();
        p.name = name;
        p.type = type != null ? type : p.type;
        p.value = value;
        p.dataType = dataType != null ? dataType : p.dataType != null ? p.dataType : "text";
        p.description = text(request, "Description") != null ? text(request, "Description") : p.description;
        p.version = p.version + 1;
        p.lastModified = cloud.now();
        if (hasTags) {
            for (JsonNode t : tags) {
                p.tags.put(text(t, "Key"), text(t, "Value"));
            }
        }
        region.parameters.put(name, p);
        ObjectNode out = json.createObjectNode();
        out.put("Version", p.version).put("Tier", "Standard");
        return out;
    }

    private static String arn(Cloud.Region region, String name) {
        String account = name.startsWith("/aws/") ? "" : region.account;
        return "arn:aws:ssm:" + region.name + ":" + account + ":parameter" + (name.startsWith("/") ? name : "/" + name);
    }
}
