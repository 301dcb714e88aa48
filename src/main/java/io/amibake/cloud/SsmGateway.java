package io.amibake.cloud;

import static io.amibake.cloud.Ec2Gateway.call;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.ssm.model.CommandFilter;
import software.amazon.awssdk.services.ssm.model.CommandFilterKey;
import software.amazon.awssdk.services.ssm.model.InstanceInformationStringFilter;
import software.amazon.awssdk.services.ssm.model.InvalidInstanceIdException;
import software.amazon.awssdk.services.ssm.model.InvocationDoesNotExistException;
import software.amazon.awssdk.services.ssm.model.ParameterType;
import software.amazon.awssdk.services.ssm.model.PingStatus;

/** SSM, in amibake's terms: parameters and Run Command. */
public final class SsmGateway {

    /** The longest {@code executionTimeout} AWS-RunShellScript accepts (docs/aws.md). */
    private static final long MAX_EXECUTION_TIMEOUT_SECONDS = 172_800;

    private final AwsClients clients;

    public SsmGateway(AwsClients clients) {
        this.clients = clients;
    }

    public String parameter(String region, String name) {
        return call(() -> clients.ssm(region).getParameter(r -> r.name(name))).parameter().value();
    }

    /** The parameter's value, or empty when it does not exist yet. */
    public java.util.Optional<String> findParameter(String region, String name) {
        try {
            return java.util.Optional.of(clients.ssm(region).getParameter(r -> r.name(name)).parameter().value());
        } catch (software.amazon.awssdk.services.ssm.model.ParameterNotFoundException e) {
            return java.util.Optional.empty();
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            throw Ec2Gateway.translate(e);
        }
    }

    public void putParameter(String region, String name, String value) {
        call(() -> clients.ssm(region).putParameter(r -> r.name(name).value(value)
                .type(ParameterType.STRING).overwrite(true)));
    }

    /**
     * Which of the given instances have an SSM agent that is online now. An agent that has not
     * registered yet is either left out of the answer or makes SSM answer InvalidInstanceId (its
     * API reference lists that error for an unregistered agent); both mean not online yet.
     */
    public Set<String> onlineAgents(String region, Collection<String> instanceIds) {
        var filter = InstanceInformationStringFilter.builder().key("InstanceIds").values(instanceIds).build();
        try {
            return clients.ssm(region).describeInstanceInformationPaginator(r -> r.filters(filter))
                    .instanceInformationList().stream()
                    .filter(i -> i.pingStatus() == PingStatus.ONLINE)
                    .map(i -> i.instanceId())
                    .collect(Collectors.toSet());
        } catch (InvalidInstanceIdException e) {
            // One unregistered agent fails the whole call; ask for each alone so the others answer.
            Set<String> online = new HashSet<>();
            if (instanceIds.size() > 1) {
                instanceIds.forEach(id -> online.addAll(onlineAgents(region, List.of(id))));
            }
            return online;
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            throw Ec2Gateway.translate(e);
        }
    }

    /** Sends a shell script as AWS-RunShellScript; returns the command id. */
    public String sendShell(String region, String instanceId, List<String> lines, Duration timeout, String comment) {
        long seconds = Math.min(Math.max(timeout.toSeconds(), 1), MAX_EXECUTION_TIMEOUT_SECONDS);
        return call(() -> clients.ssm(region).sendCommand(r -> r
                .instanceIds(instanceId)
                .documentName("AWS-RunShellScript")
                .comment(comment.length() > 100 ? comment.substring(0, 100) : comment)
                .parameters(Map.of("commands", lines, "executionTimeout", List.of(Long.toString(seconds))))))
                .command().commandId();
    }

    /** The command's invocation on the instance; Pending while SSM has not recorded it yet. */
    public CommandResult invocation(String region, String commandId, String instanceId) {
        try {
            var r = clients.ssm(region).getCommandInvocation(b -> b.commandId(commandId).instanceId(instanceId));
            return new CommandResult(r.statusAsString(), r.responseCode() == null ? -1 : r.responseCode(),
                    nullToEmpty(r.standardOutputContent()), nullToEmpty(r.standardErrorContent()));
        } catch (InvocationDoesNotExistException e) {
            // SSM answers this for a moment right after SendCommand; it is not a failure yet.
            return new CommandResult("Pending", -1, "", "");
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            throw Ec2Gateway.translate(e);
        }
    }

    /**
     * The status of each wanted invocation ({@code commandId@instanceId}) among those invoked in
     * the region since {@code invokedAfter}, from {@code ListCommandInvocations} without details,
     * paged until every wanted one is found or {@code maxPages} pages were read. Invocations not
     * found are left out.
     */
    public Map<String, String> invocationStatuses(String region, Instant invokedAfter, Set<String> wanted,
                                                  int maxPages) {
        Map<String, String> found = new HashMap<>();
        var after = CommandFilter.builder().key(CommandFilterKey.INVOKED_AFTER)
                .value(DateTimeFormatter.ISO_INSTANT.format(invokedAfter.truncatedTo(ChronoUnit.SECONDS))).build();
        String token = null;
        for (int page = 0; page < maxPages && found.size() < wanted.size(); page++) {
            String next = token;
            var answer = call(() -> clients.ssm(region).listCommandInvocations(r -> r.filters(after).details(false)
                    .maxResults(50).nextToken(next)));
            answer.commandInvocations().forEach(i -> {
                String id = i.commandId() + "@" + i.instanceId();
                if (wanted.contains(id)) {
                    found.put(id, i.statusAsString());
                }
            });
            token = answer.nextToken();
            if (token == null || token.isEmpty()) {
                break;
            }
        }
        return found;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
