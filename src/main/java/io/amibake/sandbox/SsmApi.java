package io.amibake.sandbox;

import io.amibake.sandbox.Cloud.Command;
import io.amibake.sandbox.Cloud.Invocation;
import java.time.Instant;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * SSM's JSON 1.1 protocol ({@code X-Amz-Target: AmazonSSM.<Operation>}): dispatches each operation
 * to parameters ({@link SsmParameters}), agent registration ({@link SsmAgents}) or Run Command
 * ({@link SsmCommands}). The sandbox never runs a command: it records it, plans how long it takes,
 * and answers with plausible output. Callers hold the monitor of the {@link Cloud}.
 */
final class SsmApi {

    private final SsmParameters parameters;
    private final SsmAgents agents;
    private final SsmCommands commands;

    SsmApi(Cloud cloud, Faults faults, JsonMapper json) {
        this.parameters = new SsmParameters(cloud, json);
        this.agents = new SsmAgents(cloud, json);
        this.commands = new SsmCommands(cloud, json, agents, new CommandSimulation(cloud, faults));
    }

    ObjectNode handle(String operation, Cloud.Region region, JsonNode request) {
        return switch (operation) {
            case "GetParameter" -> parameters.getParameter(region, request);
            case "PutParameter" -> parameters.putParameter(region, request);
            case "DescribeInstanceInformation" -> agents.describeInstanceInformation(region, request);
            case "SendCommand" -> commands.sendCommand(region, request);
            case "GetCommandInvocation" -> commands.getCommandInvocation(region, request);
            case "ListCommandInvocations" -> commands.listCommandInvocations(region, request);
            default -> throw new ApiException("InvalidAction", "Operation " + operation + " is not supported by the sandbox");
        };
    }

    /** One invocation as the sandbox's admin view shows it. */
    SandboxCommand view(Command c, Invocation inv, Instant now) {
        return commands.view(c, inv, now);
    }

    static int offset(JsonNode request) {
        String token = text(request, "NextToken");
        if (token == null) {
            return 0;
        }
        try {
            return Integer.parseInt(token.replace("sandbox-", ""));
        } catch (NumberFormatException e) {
            throw new ApiException("InvalidNextToken", "The specified token is not valid.");
        }
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? null : value.asString();
    }

    /** SSM's JSON timestamps: epoch seconds with a fraction. */
    static double epochSeconds(Instant instant) {
        return instant.getEpochSecond() + instant.getNano() / 1e9;
    }

    static ApiException validation(String message) {
        return new ApiException("ValidationException", message);
    }
}
