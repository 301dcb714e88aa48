package io.amibake.sandbox;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A snapshot of what the sandbox has served: requests by operation, region and outcome
 * ({@code ok}, an error code, or {@code dropped}), and the live resources, so tests and benchmarks
 * can count calls and find leaks.
 *
 * @param requests      one row per (operation, region, outcome)
 * @param liveInstances instances not terminated (pending, running, stopping, stopped, shutting-down)
 * @param liveImages    own images not deregistered (pending, available or failed)
 * @param liveSnapshots own snapshots not deleted
 */
public record SandboxStats(List<Row> requests, int liveInstances, int liveImages, int liveSnapshots) {

    /** How many requests of one operation in one region of one account had one outcome. */
    public record Row(String operation, String region, String outcome, long count, String account) {

        /** A row of the default account. */
        public Row(String operation, String region, String outcome, long count) {
            this(operation, region, outcome, count, Cloud.ACCOUNT);
        }
    }

    /** Requests made as {@code account} in {@code region} (null: all regions), whatever their operation and outcome. */
    public long countIn(String account, String region) {
        return requests.stream().filter(r -> r.account().equals(account) && (region == null || r.region().equals(region)))
                .mapToLong(Row::count).sum();
    }

    /** Requests of {@code operation} made as {@code account}, in every region. */
    public long countIn(String account, String region, String operation) {
        return requests.stream().filter(r -> r.account().equals(account) && r.operation().equals(operation)
                && (region == null || r.region().equals(region))).mapToLong(Row::count).sum();
    }

    public SandboxStats {
        requests = List.copyOf(requests);
    }

    /** Requests of {@code operation} in every region, whatever their outcome. */
    public long count(String operation) {
        return requests.stream().filter(r -> r.operation().equals(operation)).mapToLong(Row::count).sum();
    }

    /** Requests of {@code operation} in {@code region}, whatever their outcome. */
    public long count(String operation, String region) {
        return requests.stream().filter(r -> r.operation().equals(operation) && r.region().equals(region))
                .mapToLong(Row::count).sum();
    }

    /** Requests of {@code operation} in {@code region} (null: all regions) with {@code outcome}. */
    public long count(String operation, String region, String outcome) {
        return requests.stream().filter(r -> r.operation().equals(operation)
                        && (region == null || r.region().equals(region)) && r.outcome().equals(outcome))
                .mapToLong(Row::count).sum();
    }

    /** Request counts by operation. */
    public Map<String, Long> byOperation() {
        return sum(Row::operation);
    }

    /** Request counts by region. */
    public Map<String, Long> byRegion() {
        return sum(Row::region);
    }

    /** Request counts by outcome: {@code ok}, an error code, or {@code dropped}. */
    public Map<String, Long> byOutcome() {
        return sum(Row::outcome);
    }

    private Map<String, Long> sum(java.util.function.Function<Row, String> key) {
        Map<String, Long> map = new TreeMap<>();
        requests.forEach(r -> map.merge(key.apply(r), r.count(), Long::sum));
        return map;
    }

    /** The stats as served by {@code GET /_sandbox/stats}. */
    public String toJson() {
        JsonMapper mapper = JsonMapper.builder().build();
        ObjectNode root = mapper.createObjectNode();
        ObjectNode live = root.putObject("live");
        live.put("instances", liveInstances);
        live.put("images", liveImages);
        live.put("snapshots", liveSnapshots);
        ObjectNode ops = root.putObject("byOperation");
        byOperation().forEach(ops::put);
        ObjectNode regions = root.putObject("byRegion");
        byRegion().forEach(regions::put);
        ObjectNode outcomes = root.putObject("byOutcome");
        byOutcome().forEach(outcomes::put);
        ArrayNode rows = root.putArray("requests");
        for (Row r : requests) {
            rows.addObject().put("operation", r.operation()).put("region", r.region()).put("outcome", r.outcome())
                    .put("count", r.count()).put("account", r.account());
        }
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }
}
