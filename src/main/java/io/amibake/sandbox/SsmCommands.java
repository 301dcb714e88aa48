package io.amibake.sandbox;

import static io.amibake.sandbox.SsmApi.epochSeconds;
import static io.amibake.sandbox.SsmApi.offset;
import static io.amibake.sandbox.SsmApi.text;
import static io.amibake.sandbox.SsmApi.validation;

import io.amibake.sandbox.Cloud.Command;
import io.amibake.sandbox.Cloud.Instance;
import io.amibake.sandbox.Cloud.Invocation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * SSM Run Command: SendCommand, GetCommandInvocation and ListCommandInvocations for
 * {@code AWS-RunShellScript}. Each invocation is planned when sent ({@link CommandSimulation});
 * its status is read from that plan and from what has happened to the instance since.
 */
final class SsmCommands {

    // docs/aws.md, "SSM Run Command": GetCommandInvocation returns at most 24,000 characters of
    // stdout and 8,000 of stderr; ListCommandInvocations' plugin Output at most 2,500.
    static final int STDOUT_LIMIT = 24_000;
    static final int STDERR_LIMIT = 8_000;
    static final int PLUGIN_OUTPUT_LIMIT = 2_500;

    private final Cloud cloud;
    private final JsonMapper json;
    private final SsmAgents agents;
    private final CommandSimulation simulation;

    SsmCommands(Cloud cloud, JsonMapper json, SsmAgents agents, CommandSimulation simulation) {
        this.cloud = cloud;
        this.json = json;
        this.agents = agents;
        this.simulation = simulation;
    }

    ObjectNode sendCommand(Cloud.Region region, JsonNode request) {
        String document = text(request, "DocumentName");
        if (document == null) {
            throw validation("1 validation error detected: Value null at 'documentName' failed to satisfy constraint: "
                    + "Member must not be null");
        }
        if (!document.equals("AWS-RunShellScript")) {
            throw new ApiException("InvalidDocument", "Document " + document + " does not exist in the sandbox; "
                    + "only AWS-RunShellScript is modelled.");
        }
        List<String> instanceIds = new ArrayList<>();
        request.path("InstanceIds").forEach(v -> instanceIds.add(v.asString()));
        if (instanceIds.isEmpty()) {
            throw validation("Either InstanceIds or Targets must be given; the sandbox supports InstanceIds only.");
        }
        if (instanceIds.size() > 50) {
            throw validation("1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: "
                    + "Member must have length less than or equal to 50");
        }
        JsonNode parameters = request.path("Parameters");
        List<String> lines = new ArrayList<>();
        parameters.path("commands").forEach(v -> lines.add(v.asString()));
        if (lines.isEmpty()) {
            throw new ApiException("InvalidParameters", "Parameter \"commands\" is required.");
        }
        int executionTimeout = 3600;
        JsonNode timeoutNode = parameters.path("executionTimeout");
        if (timeoutNode.isArray() && !timeoutNode.isEmpty()) {
            try {
                executionTimeout = Integer.parseInt(timeoutNode.get(0).asString());
            } catch (NumberFormatException e) {
                executionTimeout = -1;
            }
            // docs/aws.md: executionTimeout is seconds as a string, at most 172800.
            if (executionTimeout < 1 || executionTimeout > 172_800) {
                throw new ApiException("InvalidParameters", "Parameter \"executionTimeout\" must be a number of seconds "
                        + "from 1 to 172800.");
            }
        }
        int timeoutSeconds = request.path("TimeoutSeconds").asInt(3600);
        if (timeoutSeconds < 30 || timeoutSeconds > 2_592_000) {
            throw validation("1 validation error detected: Value '" + timeoutSeconds + "' at 'timeoutSeconds' failed "
                    + "to satisfy constraint: Member must have value between 30 and 2592000");
        }
        Instant now = cloud.now();
        List<String> offline = new ArrayList<>();
        for (String id : instanceIds) {
            Instance in = region.instances.get(id);
            if (in == null || !"Online".equals(agents.pingStatus(in, now))) {
                offline.add(id);
            }
        }
        if (!offline.isEmpty()) {
            throw new ApiException("InvalidInstanceId", "Instances [[" + String.join(", ", offline)
                    + "]] not in a valid state for account " + region.account);
        }
        Command c = new Command();
        c.region = region.name;
        c.id = UUID.randomUUID().toString();
        c.documentName = document;
        c.comment = text(request, "Comment");
        c.lines = List.copyOf(lines);
        c.parameters = new LinkedHashMap<>();
        parameters.properties().forEach(e -> {
            List<String> values = new ArrayList<>();
            e.getValue().forEach(v -> values.add(v.asString()));
            c.parameters.put(e.getKey(), values);
        });
        c.timeoutSeconds = timeoutSeconds;
        c.executionTimeoutSeconds = executionTimeout;
        c.sentAt = now;
        for (String id : instanceIds) {
            Invocation inv = simulation.plan(c, id, now);
            c.invocations.put(id, inv);
            if (inv.shutsDown) {
                // The OS shuts itself down when the command ends; InstanceInitiatedShutdownBehavior
                // decides whether that stops or terminates the instance, as in EC2.
                Instance in = region.instances.get(id);
                boolean terminate = "terminate".equals(in.shutdownBehavior);
                Ec2Instances.stop(cloud, in, inv.endAt, terminate ? "shutting-down" : "stopping",
                        terminate ? "terminated" : "stopped", Ec2Instances.INSTANCE_SHUTDOWN);
            }
        }
        region.commands.put(c.id, c);
        cloud.commandLog.add(c);
        ObjectNode out = json.createObjectNode();
        ObjectNode node = out.putObject("Command");
        writeCommand(node, c, now);
        return out;
    }

    private void writeCommand(ObjectNode node, Command c, Instant now) {
        node.put("CommandId", c.id).put("DocumentName", c.documentName).put("DocumentVersion", "$DEFAULT")
                .put("Comment", c.comment == null ? "" : c.comment)
                .put("ExpiresAfter", epochSeconds(c.sentAt.plusSeconds(c.timeoutSeconds + c.executionTimeoutSeconds)));
        ObjectNode params = node.putObject("Parameters");
        c.parameters.forEach((k, v) -> {
            ArrayNode values = params.putArray(k);
            v.forEach(values::add);
        });
        ArrayNode ids = node.putArray("InstanceIds");
        c.invocations.keySet().forEach(ids::add);
        node.putArray("Targets");
        node.put("RequestedDateTime", epochSeconds(c.sentAt)).put("Status", "Pending").put("StatusDetails", "Pending")
                .put("OutputS3Region", c.region).put("OutputS3BucketName", "").put("OutputS3KeyPrefix", "")
                .put("MaxConcurrency", "50").put("MaxErrors", "0").put("TargetCount", c.invocations.size())
                .put("CompletedCount", 0).put("ErrorCount", 0).put("DeliveryTimedOutCount", 0).put("ServiceRole", "")
                .put("TimeoutSeconds", c.timeoutSeconds);
        node.putObject("NotificationConfig").put("NotificationArn", "").putArray("NotificationEvents");
        node.putObject("CloudWatchOutputConfig").put("CloudWatchLogGroupName", "").put("CloudWatchOutputEnabled", false);
    }

    ObjectNode getCommandInvocation(Cloud.Region region, JsonNode request) {
        String commandId = text(request, "CommandId");
        String instanceId = text(request, "InstanceId");
        if (commandId == null || instanceId == null) {
            throw validation("1 validation error detected: Value null at '" + (commandId == null ? "commandId"
                    : "instanceId") + "' failed to satisfy constraint: Member must not be null");
        }
        String plugin = text(request, "PluginName");
        if (plugin != null && !plugin.equals("aws:runShellScript")) {
            throw new ApiException("InvalidPluginName", "The plugin name " + plugin + " is not valid.");
        }
        Instant now = cloud.now();
        Command c = region.commands.get(commandId);
        Invocation inv = c == null ? null : c.invocations.get(instanceId);
        // Right after SendCommand the invocation is not visible yet: SSM is eventually consistent
        // (the SDK's CommandExecuted waiter retries on this very error).
        if (inv == null || now.isBefore(inv.visibleAt)) {
            throw new ApiException("InvocationDoesNotExist", null);
        }
        String[] status = status(c, inv, now);
        boolean ended = !open(status);
        boolean started = started(status);
        Instant end = ended ? earliest(inv.endAt, lostAt(c, inv, now)) : now;
        ObjectNode out = json.createObjectNode();
        out.put("CommandId", c.id).put("InstanceId", inv.instanceId).put("Comment", c.comment == null ? "" : c.comment)
                .put("DocumentName", c.documentName).put("DocumentVersion", "$DEFAULT")
                .put("PluginName", "aws:runShellScript");
        Integer code = responseCode(c, inv, now);
        out.put("ResponseCode", code == null ? -1 : code);
        out.put("ExecutionStartDateTime", started ? inv.startAt.toString() : "");
        out.put("ExecutionElapsedTime", started ? Duration.between(inv.startAt, end).toString() : "");
        out.put("ExecutionEndDateTime", ended && started ? end.toString() : "");
        out.put("Status", status[0]).put("StatusDetails", status[1]);
        String stdout = started ? (ended ? inv.stdout : partial(inv.stdout, inv, now)) : "";
        String stderr = ended ? stderrOf(status, inv) : "";
        out.put("StandardOutputContent", truncate(stdout, STDOUT_LIMIT)).put("StandardOutputUrl", "")
                .put("StandardErrorContent", truncate(stderr, STDERR_LIMIT)).put("StandardErrorUrl", "");
        out.putObject("CloudWatchOutputConfig").put("CloudWatchLogGroupName", "").put("CloudWatchOutputEnabled", false);
        return out;
    }

    ObjectNode listCommandInvocations(Cloud.Region region, JsonNode request) {
        String commandId = text(request, "CommandId");
        String instanceId = text(request, "InstanceId");
        boolean details = request.path("Details").asBoolean(false);
        int max = request.path("MaxResults").asInt(50);
        if (max < 1 || max > 50) {
            throw validation("1 validation error detected: Value '" + max + "' at 'maxResults' failed to satisfy "
                    + "constraint: Member must have value between 1 and 50");
        }
        List<Predicate<Listed>> filters = filters(request);
        Instant now = cloud.now();
        List<ObjectNode> items = new ArrayList<>();
        List<Command> commands = new ArrayList<>(region.commands.values());
        Collections.reverse(commands);
        for (Command c : commands) {
            if (commandId != null && !commandId.equals(c.id)) {
                continue;
            }
            for (Invocation inv : c.invocations.values()) {
                if (instanceId != null && !instanceId.equals(inv.instanceId) || now.isBefore(inv.visibleAt)) {
                    continue;
                }
                String[] status = status(c, inv, now);
                Listed listed = new Listed(c, status);
                if (!filters.stream().allMatch(f -> f.test(listed))) {
                    continue;
                }
                ObjectNode item = json.createObjectNode();
                item.put("CommandId", c.id).put("InstanceId", inv.instanceId).put("InstanceName", "")
                        .put("Comment", c.comment == null ? "" : c.comment).put("DocumentName", c.documentName)
                        .put("DocumentVersion", "$DEFAULT").put("RequestedDateTime", epochSeconds(c.sentAt))
                        .put("Status", status[0]).put("StatusDetails", status[1]).put("TraceOutput", "")
                        .put("StandardOutputUrl", "").put("StandardErrorUrl", "").put("ServiceRole", "");
                ArrayNode plugins = item.putArray("CommandPlugins");
                if (details) {
                    boolean ended = !open(status);
                    ObjectNode plugin = plugins.addObject();
                    Integer code = responseCode(c, inv, now);
                    plugin.put("Name", "aws:runShellScript").put("Status", status[0]).put("StatusDetails", status[1])
                            .put("ResponseCode", code == null ? -1 : code);
                    if (started(status)) {
                        plugin.put("ResponseStartDateTime", epochSeconds(inv.startAt));
                    }
                    if (ended) {
                        plugin.put("ResponseFinishDateTime", epochSeconds(earliest(inv.endAt, lostAt(c, inv, now))));
                        String stderr = stderrOf(status, inv);
                        String output = inv.stdout + (stderr.isEmpty() ? "" : "\n\n----------ERROR-------\n" + stderr);
                        plugin.put("Output", truncate(output, PLUGIN_OUTPUT_LIMIT));
                    } else {
                        plugin.put("Output", "");
                    }
                    plugin.put("StandardOutputUrl", "").put("StandardErrorUrl", "").put("OutputS3Region", c.region)
                            .put("OutputS3BucketName", "").put("OutputS3KeyPrefix", "");
                }
                item.putObject("CloudWatchOutputConfig").put("CloudWatchLogGroupName", "")
                        .put("CloudWatchOutputEnabled", false);
                items.add(item);
            }
        }
        int from = offset(request);
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray("CommandInvocations");
        items.subList(Math.min(from, items.size()), Math.min(items.size(), from + max)).forEach(list::add);
        if (from + max < items.size()) {
            out.put("NextToken", "sandbox-" + (from + max));
        }
        return out;
    }

    /** An invocation as a filter of ListCommandInvocations sees it. */
    private record Listed(Command command, String[] status) {
    }

    /** The statuses a Status filter of ListCommandInvocations accepts (docs/aws.md). */
    private static final Set<String> FILTER_STATUSES = Set.of("Pending", "InProgress", "Delayed", "Success",
            "Cancelled", "Failed", "TimedOut", "AccessDenied", "DeliveryTimedOut", "ExecutionTimedOut",
            "Undeliverable", "InvalidPlatform", "Terminated");

    /**
     * ListCommandInvocations' {@code Filters}, as AWS documents CommandFilter: one to five, all
     * of which must hold; {@code InvokedAfter} (at or after) and {@code InvokedBefore} (before) a
     * timestamp such as {@code 2026-07-07T00:00:00Z}, {@code Status} (the status or its detail:
     * {@code TimedOut} covers both time-outs) and {@code DocumentName}. {@code ExecutionStage}
     * belongs to ListCommands only.
     */
    private static List<Predicate<Listed>> filters(JsonNode request) {
        JsonNode given = request.path("Filters");
        List<Predicate<Listed>> filters = new ArrayList<>();
        if (given.isMissingNode() || given.isNull()) {
            return filters;
        }
        if (!given.isArray() || given.isEmpty() || given.size() > 5) {
            throw validation("1 validation error detected: Value at 'filters' failed to satisfy constraint: "
                    + "Member must have length less than or equal to 5 and greater than or equal to 1");
        }
        for (JsonNode filter : given) {
            String key = text(filter, "key");
            String value = text(filter, "value");
            if (key == null || value == null || value.isEmpty() || value.length() > 256) {
                throw validation("1 validation error detected: a filter needs a key and a value of 1 to 256 "
                        + "characters");
            }
            filters.add(switch (key) {
                case "InvokedAfter" -> {
                    Instant after = timestamp(key, value);
                    yield l -> !l.command().sentAt.isBefore(after);
                }
                case "InvokedBefore" -> {
                    Instant before = timestamp(key, value);
                    yield l -> l.command().sentAt.isBefore(before);
                }
                case "Status" -> {
                    if (!FILTER_STATUSES.contains(value)) {
                        throw new ApiException("InvalidFilterValue", "The filter value " + value
                                + " is not valid for the Status key.");
                    }
                    yield l -> value.equals(l.status()[0]) || value.equals(l.status()[1]);
                }
                case "DocumentName" -> l -> value.equals(l.command().documentName);
                case "ExecutionStage" -> throw new ApiException("InvalidFilterKey",
                        "The ExecutionStage filter can't be used with ListCommandInvocations, only with ListCommands.");
                default -> throw validation("1 validation error detected: Value '" + key + "' at 'filters.member.key' "
                        + "failed to satisfy constraint: Member must satisfy enum value set: [InvokedAfter, "
                        + "InvokedBefore, Status, ExecutionStage, DocumentName]");
            });
        }
        return filters;
    }

    private static Instant timestamp(String key, String value) {
        try {
            return Instant.parse(value);
        } catch (java.time.format.DateTimeParseException e) {
            throw new ApiException("InvalidFilterValue", "The " + key + " filter value " + value
                    + " is not a timestamp such as 2026-07-07T00:00:00Z.");
        }
    }

    SandboxCommand view(Command c, Invocation inv, Instant now) {
        return new SandboxCommand(c.region, c.id, inv.instanceId, c.documentName, c.lines, status(c, inv, now)[0],
                responseCode(c, inv, now), c.sentAt);
    }

    /**
     * The invocation's status as of {@code now}: [Status, StatusDetails], with the instance's fate
     * applied. An instance that stops before the command reaches it makes the command Delayed
     * (SSM retries delivery, "Understanding command statuses") until the delivery timeout; one
     * that terminates makes it Undeliverable. An agent that dies mid-command never reports: the
     * invocation stays InProgress until its executionTimeout, then ends TimedOut (an assumption:
     * AWS documents no status for it).
     */
    private String[] status(Command c, Invocation inv, Instant now) {
        Instance in = cloud.region(c.region).instances.get(inv.instanceId);
        Instant lost = in == null ? null : in.timeline.firstLeaving("running", c.sentAt, now);
        if (lost != null && lost.isBefore(inv.endAt)) {
            if (lost.isBefore(inv.startAt)) {
                if (Set.of("shutting-down", "terminated").contains(in.state(now))) {
                    return new String[] {"Failed", "Undeliverable"};
                }
                return now.isBefore(c.sentAt.plusSeconds(c.timeoutSeconds)) ? new String[] {"Delayed", "Delayed"}
                        : new String[] {"TimedOut", "DeliveryTimedOut"};
            }
            return now.isBefore(inv.startAt.plusSeconds(c.executionTimeoutSeconds))
                    ? new String[] {"InProgress", "InProgress"} : new String[] {"TimedOut", "ExecutionTimedOut"};
        }
        if (now.isBefore(inv.startAt)) {
            return new String[] {"Pending", "Pending"};
        }
        if (now.isBefore(inv.endAt)) {
            return new String[] {"InProgress", "InProgress"};
        }
        return new String[] {inv.finalStatus, inv.finalDetails};
    }

    /** The response code as of now: -1 until the invocation ends, as SSM reports it. */
    private Integer responseCode(Command c, Invocation inv, Instant now) {
        String[] status = status(c, inv, now);
        if (open(status)) {
            return null;
        }
        return status[1].equals(inv.finalDetails) ? inv.responseCode : -1;
    }

    /** Not yet in a terminal state. */
    private static boolean open(String[] status) {
        return Set.of("Pending", "InProgress", "Delayed").contains(status[0]);
    }

    /** The command reached the agent. */
    private static boolean started(String[] status) {
        return !Set.of("Pending", "Delayed").contains(status[0])
                && !Set.of("Undeliverable", "DeliveryTimedOut").contains(status[1]);
    }

    private Instant lostAt(Command c, Invocation inv, Instant now) {
        Instance in = cloud.region(c.region).instances.get(inv.instanceId);
        return in == null ? null : in.timeline.firstLeaving("running", c.sentAt, now);
    }

    private static Instant earliest(Instant a, Instant b) {
        return b != null && b.isBefore(a) ? b : a;
    }

    private static String stderrOf(String[] status, Invocation inv) {
        if (status[1].equals("Undeliverable") || status[1].equals("DeliveryTimedOut")) {
            return "";
        }
        if (!status[1].equals(inv.finalDetails)) {
            return "The instance stopped before the command completed.";
        }
        return inv.stderr;
    }

    /** While a command runs, its output grows in proportion to the time it has run. */
    private static String partial(String stdout, Invocation inv, Instant now) {
        long total = Math.max(1, Duration.between(inv.startAt, inv.endAt).toMillis());
        long done = Math.max(0, Duration.between(inv.startAt, now).toMillis());
        int cut = (int) Math.min(stdout.length(), stdout.length() * done / total);
        int newline = stdout.lastIndexOf('\n', cut - 1);
        return newline < 0 ? "" : stdout.substring(0, newline + 1);
    }

    static String truncate(String text, int limit) {
        return text.length() <= limit ? text : text.substring(0, limit);
    }
}
