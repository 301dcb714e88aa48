package io.amibake.engine.read;

import io.amibake.engine.api.BakeLine;
import io.amibake.engine.state.BakeParameters;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.state.StepNames;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A recipe's latest bakes as {@link BakeLine}s, read from Spring Batch's tables with plain JDBC:
 * the same bakes and facts as {@code BakeEngine.history}, for a command that answers without
 * starting Spring ({@code status}). Its queries are Spring Batch's own: the job's newest
 * instances by id, each one's latest execution by id, its parameters, its steps, and its context
 * (a Java-serialized map in Base64, Spring Batch's default serializer).
 */
public final class BakeLines {

    private BakeLines() {
    }

    /** One execution's row. */
    private record Run(long id, long instance, Instant started, Instant ended, String status) {
    }

    /**
     * The latest execution of each bake, newest first, optionally of one recipe only: the instances
     * looked at are as many as {@code BakeEngine.latestExecutions} looks at.
     */
    public static List<BakeLine> read(Connection db, String recipe, int limit) throws SQLException, IOException {
        int looked = limit * 4 + 20;
        if (looked <= 0) {
            return List.of();
        }
        List<Long> instances = new ArrayList<>();
        try (PreparedStatement query = db.prepareStatement(
                "SELECT JOB_INSTANCE_ID FROM BATCH_JOB_INSTANCE WHERE JOB_NAME = ? ORDER BY JOB_INSTANCE_ID DESC")) {
            query.setString(1, StepNames.JOB);
            query.setMaxRows(looked);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    instances.add(rows.getLong(1));
                }
            }
        }
        if (instances.isEmpty()) {
            return List.of();
        }
        Map<Long, List<Run>> runs = new HashMap<>();
        try (PreparedStatement query = db.prepareStatement("SELECT JOB_EXECUTION_ID, JOB_INSTANCE_ID, START_TIME,"
                + " END_TIME, STATUS FROM BATCH_JOB_EXECUTION WHERE JOB_INSTANCE_ID IN (" + marks(instances) + ")")) {
            bind(query, instances);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    Run run = new Run(rows.getLong(1), rows.getLong(2), instant(rows.getObject(3, LocalDateTime.class)),
                            instant(rows.getObject(4, LocalDateTime.class)), rows.getString(5));
                    runs.computeIfAbsent(run.instance(), i -> new ArrayList<>()).add(run);
                }
            }
        }
        Map<Long, Run> latest = new LinkedHashMap<>();
        for (long instance : instances) {
            runs.getOrDefault(instance, List.of()).stream().max(Comparator.comparingLong(Run::id))
                    .ifPresent(run -> latest.put(run.id(), run));
        }
        if (latest.isEmpty()) {
            return List.of();
        }
        Map<Long, Map<String, String>> parameters = parameters(db, latest.keySet());
        List<Run> chosen = new ArrayList<>();
        for (Run run : latest.values()) {
            if (recipe == null || recipe.equals(parameters.getOrDefault(run.id(), Map.of()).get(BakeParameters.RECIPE))) {
                chosen.add(run);
            }
            if (chosen.size() >= limit) {
                break;
            }
        }
        if (chosen.isEmpty()) {
            return List.of();
        }
        List<Long> ids = chosen.stream().map(Run::id).toList();
        Map<Long, String> steps = lastSteps(db, ids);
        Map<Long, String> images = images(db, ids);
        List<BakeLine> lines = new ArrayList<>();
        for (Run run : chosen) {
            Instant started = null;
            Duration took = Duration.ZERO;
            List<Run> all = runs.get(run.instance());
            for (Run each : all) {
                if (each.started() != null && (started == null || each.started().isBefore(started))) {
                    started = each.started();
                }
                if (each.started() != null && each.ended() != null) {
                    took = took.plus(Duration.between(each.started(), each.ended()));
                }
            }
            Map<String, String> given = parameters.getOrDefault(run.id(), Map.of());
            lines.add(new BakeLine(run.id(), given.get(BakeParameters.BAKE), given.get(BakeParameters.RECIPE),
                    given.get(BakeParameters.TARGET), run.status(), steps.get(run.id()), started, run.ended(),
                    run.ended() == null ? null : took, all.size(), images.get(run.id())));
        }
        lines.sort(Comparator.comparingLong(BakeLine::execution).reversed());
        return lines;
    }

    private static Map<Long, Map<String, String>> parameters(Connection db, Collection<Long> executions)
            throws SQLException {
        Map<Long, Map<String, String>> parameters = new HashMap<>();
        try (PreparedStatement query = db.prepareStatement("SELECT JOB_EXECUTION_ID, PARAMETER_NAME, PARAMETER_VALUE"
                + " FROM BATCH_JOB_EXECUTION_PARAMS WHERE JOB_EXECUTION_ID IN (" + marks(executions) + ")")) {
            bind(query, executions);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    parameters.computeIfAbsent(rows.getLong(1), id -> new HashMap<>())
                            .put(rows.getString(2), rows.getString(3));
                }
            }
        }
        return parameters;
    }

    /** The step each execution ran last: its step with the highest id. */
    private static Map<Long, String> lastSteps(Connection db, List<Long> executions) throws SQLException {
        Map<Long, String> steps = new HashMap<>();
        try (PreparedStatement query = db.prepareStatement("SELECT JOB_EXECUTION_ID, STEP_NAME FROM"
                + " BATCH_STEP_EXECUTION WHERE STEP_EXECUTION_ID IN (SELECT MAX(STEP_EXECUTION_ID) FROM"
                + " BATCH_STEP_EXECUTION WHERE JOB_EXECUTION_ID IN (" + marks(executions) + ") GROUP BY JOB_EXECUTION_ID)")) {
            bind(query, executions);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    steps.put(rows.getLong(1), rows.getString(2));
                }
            }
        }
        return steps;
    }

    /** The source region's image each execution's context holds. */
    private static Map<Long, String> images(Connection db, List<Long> executions) throws SQLException, IOException {
        Map<Long, String> images = new HashMap<>();
        try (PreparedStatement query = db.prepareStatement("SELECT JOB_EXECUTION_ID, SHORT_CONTEXT, SERIALIZED_CONTEXT"
                + " FROM BATCH_JOB_EXECUTION_CONTEXT WHERE JOB_EXECUTION_ID IN (" + marks(executions) + ")")) {
            bind(query, executions);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    // As Spring Batch reads it: the whole context when it outgrew the short column.
                    String serialized = rows.getString(3);
                    Object image = context(serialized != null ? serialized : rows.getString(2)).get(BakeState.IMAGE);
                    if (image instanceof String id) {
                        images.put(rows.getLong(1), id);
                    }
                }
            }
        }
        return images;
    }

    private static Map<?, ?> context(String serialized) throws IOException {
        try (ObjectInputStream in = new ObjectInputStream(Base64.getDecoder().wrap(
                new ByteArrayInputStream(serialized.getBytes(StandardCharsets.ISO_8859_1))))) {
            if (in.readObject() instanceof Map<?, ?> map) {
                return map;
            }
            throw new IOException("an execution context that is not a map");
        } catch (ClassNotFoundException e) {
            throw new IOException("an execution context with a class this program lacks: " + e.getMessage(), e);
        }
    }

    private static String marks(Collection<Long> ids) {
        return String.join(",", Collections.nCopies(ids.size(), "?"));
    }

    private static void bind(PreparedStatement query, Collection<Long> ids) throws SQLException {
        int i = 1;
        for (long id : ids) {
            query.setLong(i++, id);
        }
    }

    /** The job repository's local time as an instant, as the engine's readers take it. */
    private static Instant instant(LocalDateTime time) {
        return time == null ? null : time.atZone(ZoneId.systemDefault()).toInstant();
    }
}
