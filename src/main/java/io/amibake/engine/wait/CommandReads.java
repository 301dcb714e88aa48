package io.amibake.engine.wait;

import io.amibake.cloud.CommandResult;
import io.amibake.cloud.SsmGateway;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One look at the Run Command invocations pending in a region, for the region's shared
 * {@link SharedPoller}: with one pending, {@code GetCommandInvocation}; with several sent by this
 * process, one {@code ListCommandInvocations} over everything invoked since the earliest of them
 * (paged, without details) tells each one's status, and only those that ended are read whole
 * with {@code GetCommandInvocation}, for their output (a listing carries at most 2,500
 * characters of it, docs/aws.md). Invocations the listing does not show (sent by an earlier run,
 * or outside the window by a clock's skew) are read on their own.
 *
 * <p>Ids are {@code commandId@instanceId}.
 */
final class CommandReads implements Function<Set<String>, Map<String, CommandResult>> {

    /** How far before a command's send time the listing starts: the local clock may run ahead of AWS's. */
    static final Duration SKEW = Duration.ofMinutes(5);

    private final SsmGateway ssm;
    private final String region;
    private final Map<String, Instant> sentAt;

    /**
     * @param sentAt when each command sent by this process was sent, by command id (shared with
     *               the other bakes of the process)
     */
    CommandReads(SsmGateway ssm, String region, Map<String, Instant> sentAt) {
        this.ssm = ssm;
        this.region = region;
        this.sentAt = sentAt;
    }

    @Override
    public Map<String, CommandResult> apply(Set<String> ids) {
        Map<String, CommandResult> results = new HashMap<>();
        Set<String> alone = new HashSet<>(ids);
        Instant earliest = ids.stream().map(id -> sentAt.get(commandId(id))).filter(java.util.Objects::nonNull)
                .min(Instant::compareTo).orElse(null);
        long listable = ids.stream().filter(id -> sentAt.containsKey(commandId(id))).count();
        if (listable >= 2) {
            Set<String> wanted = new HashSet<>(ids);
            wanted.removeIf(id -> !sentAt.containsKey(commandId(id)));
            // Paging further than there are commands to read would cost more than reading each.
            Map<String, String> statuses = ssm.invocationStatuses(region, earliest.minus(SKEW), wanted,
                    (int) listable - 1);
            statuses.forEach((id, status) -> {
                if (!new CommandResult(status, -1, "", "").isDone()) {
                    results.put(id, new CommandResult(status, -1, "", ""));
                    alone.remove(id);
                }
            });
        }
        alone.forEach(id -> results.put(id, ssm.invocation(region, commandId(id), id.substring(id.indexOf('@') + 1))));
        return results;
    }

    private static String commandId(String id) {
        return id.substring(0, id.indexOf('@'));
    }
}
