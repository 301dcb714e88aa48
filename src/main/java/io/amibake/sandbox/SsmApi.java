package io.amibake.sandbox;

import io.amibake.sandbox.Cloud.Command;
import io.amibake.sandbox.Cloud.Instance;
import io.amibake.sandbox.Cloud.Invocation;
import io.amibake.sandbox.Cloud.Parameter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * SSM's JSON 1.1 protocol ({@code X-Amz-Target: AmazonSSM.<Operation>}): parameters, agent
 * registration and Run Command. The sandbox never runs a command: it records it, plans how long it
 * takes, and answers with plausible output. Callers hold the monitor of the {@link Cloud}.
 */
final class SsmApi {

    // aws-facts.md, "SSM Run Command": GetCommandInvocation returns at most 24,000 characters of
    // stdout and 8,000 of stderr; ListCommandInvocations' plugin Output at most 2,500.
    static final int STDOUT_LIMIT = 24_000;
    static final int STDERR_LIMIT = 8_000;
    static final int PLUGIN_OUTPUT_LIMIT = 2_500;
    static final String AGENT_VERSION = "3.3.1142.0";

    private static final Pattern INSTALL = Pattern.compile(
            "\\b(?:dnf|yum|apt-get|apt|zypper|apk)\\s+(?:-\\S+\\s+)*(?:install|add)\\b(.*)");
    private static final Pattern SHUTDOWN = Pattern.compile("^\\s*(?:sudo\\s+)?(?:shutdown|poweroff|halt)\\b");
    private static final Pattern EXIT = Pattern.compile("^\\s*exit\\s+(\\d+)\\s*$");
    private static final Pattern SEQ = Pattern.compile("^\\s*seq\\s+(\\d+)(?:\\s+(\\d+))?\\s*$");
    private static final Pattern ECHO = Pattern.compile("^\\s*echo\\s+(.*)$");
    private static final Pattern PARAMETER_NAME = Pattern.compile("[a-zA-Z0-9_.\\-/]{1,2048}");

    private final Cloud cloud;
    private final Faults faults;
    private final JsonMapper json;

    SsmApi(Cloud cloud, Faults faults, JsonMapper json) {
        this.cloud = cloud;
        this.faults = faults;
        this.json = json;
    }

    ObjectNode handle(String operation, Cloud.Region region, JsonNode request) {
        return switch (operation) {
            case "GetParameter" -> getParameter(region, request);
            case "PutParameter" -> putParameter(region, request);
            case "DescribeInstanceInformation" -> describeInstanceInformation(region, request);
            case "SendCommand" -> sendCommand(region, request);
            case "GetCommandInvocation" -> getCommandInvocation(region, request);
            case "ListCommandInvocations" -> listCommandInvocations(region, request);
            default -> throw new ApiException("InvalidAction", "Operation " + operation + " is not supported by the sandbox");
        };
    }

    // ---- parameters

    private ObjectNode getParameter(Cloud.Region region, JsonNode request) {
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
                .put("LastModifiedDate", epochSeconds(p.lastModified)).put("ARN", arn(region.name, p.name))
                .put("DataType", p.dataType);
        return out;
    }

    private ObjectNode putParameter(Cloud.Region region, JsonNode request) {
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

    private static String arn(String region, String name) {
        String account = name.startsWith("/aws/") ? "" : Cloud.ACCOUNT;
        return "arn:aws:ssm:" + region + ":" + account + ":parameter" + (name.startsWith("/") ? name : "/" + name);
    }

    // ---- agents

    /**
     * The SSM agent's ping status: null until it first registers (never, without an instance
     * profile, as in AWS), Online while the instance has been running for the registration delay,
     * ConnectionLost once it stops.
     */
    String pingStatus(Instance in, Instant now) {
        if (in.iamProfileArn == null) {
            return null;
        }
        Duration delay = cloud.profile.agentRegistration();
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
        if (onlineNow) {
            return "Online";
        }
        return everOnline && !state.equals("terminated") ? "ConnectionLost" : null;
    }

    private ObjectNode describeInstanceInformation(Cloud.Region region, JsonNode request) {
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
                    .put("PlatformName", platformName(region, in)).put("PlatformVersion", "2023")
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
        return image != null && image.name.contains("ubuntu") ? "Ubuntu" : "Amazon Linux";
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

    // ---- run command

    private ObjectNode sendCommand(Cloud.Region region, JsonNode request) {
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
            // aws-facts.md: executionTimeout is seconds as a string, at most 172800.
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
            if (in == null || !"Online".equals(pingStatus(in, now))) {
                offline.add(id);
            }
        }
        if (!offline.isEmpty()) {
            throw new ApiException("InvalidInstanceId", "Instances [[" + String.join(", ", offline)
                    + "]] not in a valid state for account " + Cloud.ACCOUNT);
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
            Invocation inv = plan(c, id, now);
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

    private Invocation plan(Command c, String instanceId, Instant now) {
        LatencyProfile profile = cloud.profile;
        Invocation inv = new Invocation();
        inv.instanceId = instanceId;
        inv.visibleAt = now.plus(profile.consistencyDelay());
        inv.startAt = now.plus(profile.commandDelivery());
        Simulation sim = simulate(c.lines);
        Duration run = profile.commandBase().plus(profile.commandPerPackage().multipliedBy(sim.packages));
        Optional<Faults.CommandFault> fault = faults.takeCommandFault(c.lines);
        inv.stdout = sim.stdout;
        inv.shutsDown = sim.shutsDown && fault.isEmpty();
        inv.stderr = sim.stderr;
        if (fault.isPresent()) {
            inv.finalStatus = "Failed";
            inv.finalDetails = "Failed";
            inv.responseCode = fault.get().exitCode();
            inv.stderr = inv.stderr + fault.get().stderr();
        } else if (sim.exitCode != 0) {
            inv.finalStatus = "Failed";
            inv.finalDetails = "Failed";
            inv.responseCode = sim.exitCode;
        } else {
            inv.finalStatus = "Success";
            inv.finalDetails = "Success";
            inv.responseCode = 0;
        }
        Duration limit = Duration.ofSeconds(c.executionTimeoutSeconds);
        if (run.compareTo(limit) > 0) {
            run = limit;
            inv.finalStatus = "TimedOut";
            inv.finalDetails = "ExecutionTimedOut";
            inv.responseCode = -1;
            inv.stderr = inv.stderr + "\nfailed to run commands: exit status -1: execution timed out after "
                    + c.executionTimeoutSeconds + " seconds";
        }
        inv.endAt = inv.startAt.plus(run);
        return inv;
    }

    /** What a shell would plausibly print for these lines; the lines are never run. */
    record Simulation(int packages, String stdout, String stderr, int exitCode, boolean shutsDown) {
    }

    static Simulation simulate(List<String> lines) {
        StringBuilder out = new StringBuilder();
        int packages = 0;
        boolean shutsDown = false;
        for (String raw : lines) {
            for (String line : raw.split("\n")) {
                if (SHUTDOWN.matcher(line).find()) {
                    shutsDown = true;
                }
                Matcher exit = EXIT.matcher(line);
                if (exit.matches() && !exit.group(1).equals("0")) {
                    return new Simulation(packages, out.toString(), "", Integer.parseInt(exit.group(1)), false);
                }
                Matcher install = INSTALL.matcher(line);
                if (install.find()) {
                    List<String> names = new ArrayList<>();
                    for (String word : install.group(1).trim().split("\\s+")) {
                        if (!word.isEmpty() && !word.startsWith("-") && !word.matches("[;&|].*")) {
                            names.add(word);
                        }
                    }
                    packages += names.size();
                    boolean apt = line.contains("apt");
                    for (String name : names) {
                        out.append(apt ? "Setting up " + name + " ...\n" : "  Installing       : " + name + "\n");
                    }
                    out.append(apt ? "" : "Complete!\n");
                    continue;
                }
                Matcher seq = SEQ.matcher(line);
                if (seq.matches()) {
                    long from = seq.group(2) == null ? 1 : Long.parseLong(seq.group(1));
                    long to = Math.min(Long.parseLong(seq.group(2) == null ? seq.group(1) : seq.group(2)), 1_000_000);
                    for (long i = from; i <= to; i++) {
                        out.append(i).append('\n');
                    }
                    continue;
                }
                Matcher echo = ECHO.matcher(line);
                if (echo.matches()) {
                    out.append(echo.group(1).replaceAll("^[\"']|[\"']$", "")).append('\n');
                }
            }
        }
        return new Simulation(packages, out.toString(), "", 0, shutsDown);
    }

    /** The invocation's status as of {@code now}: [Status, StatusDetails], with the instance's fate applied. */
    private String[] status(Command c, Invocation inv, Instant now) {
        Instance in = cloud.region(c.region).instances.get(inv.instanceId);
        Instant lost = in == null ? null : in.timeline.firstLeaving("running", c.sentAt, now);
        if (lost != null && lost.isBefore(inv.endAt)) {
            return lost.isBefore(inv.startAt) ? new String[] {"Failed", "Undeliverable"}
                    : new String[] {"Failed", "Failed"};
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
        if (status[0].equals("Pending") || status[0].equals("InProgress")) {
            return null;
        }
        return status[1].equals(inv.finalDetails) ? inv.responseCode : -1;
    }

    SandboxCommand view(Command c, Invocation inv, Instant now) {
        return new SandboxCommand(c.region, c.id, inv.instanceId, c.documentName, c.lines, status(c, inv, now)[0],
                responseCode(c, inv, now), c.sentAt);
    }

    private ObjectNode getCommandInvocation(Cloud.Region region, JsonNode request) {
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
        boolean ended = !status[0].equals("Pending") && !status[0].equals("InProgress");
        boolean started = !status[0].equals("Pending") && !status[1].equals("Undeliverable");
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

    private Instant lostAt(Command c, Invocation inv, Instant now) {
        Instance in = cloud.region(c.region).instances.get(inv.instanceId);
        return in == null ? null : in.timeline.firstLeaving("running", c.sentAt, now);
    }

    private static Instant earliest(Instant a, Instant b) {
        return b != null && b.isBefore(a) ? b : a;
    }

    private static String stderrOf(String[] status, Invocation inv) {
        if (status[1].equals("Undeliverable")) {
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

    private ObjectNode listCommandInvocations(Cloud.Region region, JsonNode request) {
        String commandId = text(request, "CommandId");
        String instanceId = text(request, "InstanceId");
        boolean details = request.path("Details").asBoolean(false);
        int max = request.path("MaxResults").asInt(50);
        if (max < 1 || max > 50) {
            throw validation("1 validation error detected: Value '" + max + "' at 'maxResults' failed to satisfy "
                    + "constraint: Member must have value between 1 and 50");
        }
        Instant now = cloud.now();
        List<ObjectNode> items = new ArrayList<>();
        List<Command> commands = new ArrayList<>(region.commands.values());
        java.util.Collections.reverse(commands);
        for (Command c : commands) {
            if (commandId != null && !commandId.equals(c.id)) {
                continue;
            }
            for (Invocation inv : c.invocations.values()) {
                if (instanceId != null && !instanceId.equals(inv.instanceId) || now.isBefore(inv.visibleAt)) {
                    continue;
                }
                String[] status = status(c, inv, now);
                ObjectNode item = json.createObjectNode();
                item.put("CommandId", c.id).put("InstanceId", inv.instanceId).put("InstanceName", "")
                        .put("Comment", c.comment == null ? "" : c.comment).put("DocumentName", c.documentName)
                        .put("DocumentVersion", "$DEFAULT").put("RequestedDateTime", epochSeconds(c.sentAt))
                        .put("Status", status[0]).put("StatusDetails", status[1]).put("TraceOutput", "")
                        .put("StandardOutputUrl", "").put("StandardErrorUrl", "").put("ServiceRole", "");
                ArrayNode plugins = item.putArray("CommandPlugins");
                if (details) {
                    boolean ended = !status[0].equals("Pending") && !status[0].equals("InProgress");
                    ObjectNode plugin = plugins.addObject();
                    Integer code = responseCode(c, inv, now);
                    plugin.put("Name", "aws:runShellScript").put("Status", status[0]).put("StatusDetails", status[1])
                            .put("ResponseCode", code == null ? -1 : code);
                    if (!status[0].equals("Pending") && !status[1].equals("Undeliverable")) {
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

    // ---- helpers

    private static int offset(JsonNode request) {
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

    private static ApiException validation(String message) {
        return new ApiException("ValidationException", message);
    }
}
