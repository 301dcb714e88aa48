package io.amibake.schedule;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The scheduler's memory in the job repository, shared by every {@code schedule} process that
 * uses it: one row per slot of each target's recipe, claimed by inserting it (the key on target,
 * recipe and slot time lets exactly one process run a slot), and one row per target's recipe with
 * its failures in a row and whether its schedule is paused; and one row per running scheduler, its
 * heartbeat.
 */
public final class ScheduleStore {

    static final String SLOTS = "AMIBAKE_SLOT";
    static final String STATES = "AMIBAKE_RECIPE_SCHEDULE";
    static final String SCHEDULERS = "AMIBAKE_SCHEDULER";

    /** Outcomes of a slot besides the bake statuses COMPLETED, FAILED and STOPPED. */
    public static final String RUNNING = "RUNNING";
    public static final String SKIPPED = "SKIPPED";
    /** A bake that {@code build.timeout} stopped: resumable like STOPPED, but a failure of the schedule. */
    public static final String TIMED_OUT = "TIMED_OUT";

    private static final int MAX_TEXT = 2000;

    private final JdbcTemplate jdbc;
    private final String target;

    /**
     * The schedules of one target ({@code Target.scheduleKey()}): its slots, failures and pauses,
     * apart from those of the same recipes baked into another account or endpoint.
     */
    public ScheduleStore(DataSource dataSource, String target) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.target = target;
        // The tables are the job repository's migrations' (db/migration).
    }

    /**
     * Says that the scheduler {@code owner} is alive at {@code now}: its heartbeat, which lets the
     * others tell a slot it still runs from one it left behind when it was killed.
     */
    public void alive(String owner, String host, long pid, Instant startedAt, Instant now) {
        // All of it: a restarted scheduler may have the name, but not the process, of an earlier one.
        if (jdbc.update("UPDATE " + SCHEDULERS + " SET HOST = ?, PID = ?, STARTED_AT = ?, ALIVE_AT = ? WHERE OWNER = ?",
                host, pid, startedAt.toEpochMilli(), now.toEpochMilli(), owner) == 1) {
            return;
        }
        try {
            jdbc.update("INSERT INTO " + SCHEDULERS + " (OWNER, HOST, PID, STARTED_AT, ALIVE_AT)"
                    + " VALUES (?, ?, ?, ?, ?)", owner, host, pid, startedAt.toEpochMilli(), now.toEpochMilli());
        } catch (DuplicateKeyException raced) {
            // Its own other heartbeat thread wrote it in between.
        }
    }

    /** The scheduler stopped cleanly: its slots are all closed. */
    public void gone(String owner) {
        jdbc.update("DELETE FROM " + SCHEDULERS + " WHERE OWNER = ?", owner);
    }

    /** The last heartbeat of a scheduler; empty when it stopped cleanly or never beat (an older version). */
    public Optional<Heartbeat> heartbeat(String owner) {
        return jdbc.query("SELECT HOST, PID, STARTED_AT, ALIVE_AT FROM " + SCHEDULERS + " WHERE OWNER = ?",
                (rs, row) -> new Heartbeat(rs.getString(1), rs.getLong(2), Instant.ofEpochMilli(rs.getLong(3)),
                        Instant.ofEpochMilli(rs.getLong(4))), owner).stream().findFirst();
    }

    /** Every slot of every recipe that is {@link #RUNNING}, oldest first. */
    public List<Slot> running() {
        return jdbc.query("SELECT RECIPE, SLOT_AT, OWNER, OUTCOME, RESUMED, DETAIL, BAKE_ID, EXECUTION_ID, IMAGE_ID"
                + " FROM " + SLOTS + " WHERE TARGET = ? AND OUTCOME = ? ORDER BY SLOT_AT", ScheduleStore::slot,
                target, RUNNING);
    }

    /** Takes the slot for this process; false when another process took it first. */
    public boolean claim(String recipe, Instant slot, String owner, Instant now) {
        try {
            jdbc.update("INSERT INTO " + SLOTS + " (TARGET, RECIPE, SLOT_AT, OWNER, OUTCOME, CLAIMED_AT)"
                    + " VALUES (?, ?, ?, ?, ?, ?)", target, recipe, slot.toEpochMilli(), owner, RUNNING,
                    now.toEpochMilli());
            return true;
        } catch (DuplicateKeyException taken) {
            return false;
        }
    }

    /**
     * Takes a slot whose bake was stopped over again, to resume it; false when another process
     * did first.
     */
    public boolean reclaimStopped(String recipe, Instant slot, String owner) {
        return jdbc.update("UPDATE " + SLOTS + " SET OUTCOME = ?, OWNER = ?, RESUMED = TRUE, FINISHED_AT = NULL"
                        + " WHERE TARGET = ? AND RECIPE = ? AND SLOT_AT = ? AND OUTCOME = 'STOPPED'",
                RUNNING, owner, target, recipe, slot.toEpochMilli()) == 1;
    }

    /** Names the bake and execution a slot runs, once it has begun: a slot left running is then traced to it. */
    public void bakeStarted(String recipe, Instant slot, String bakeId, long executionId) {
        jdbc.update("UPDATE " + SLOTS + " SET BAKE_ID = ?, EXECUTION_ID = ?"
                        + " WHERE TARGET = ? AND RECIPE = ? AND SLOT_AT = ?",
                bakeId, executionId, target, recipe, slot.toEpochMilli());
    }

    /**
     * Closes a slot that a dead scheduler left {@link #RUNNING}, as {@link #finish} would have;
     * false when it is no longer running under that owner (another scheduler closed it first).
     */
    public boolean closeLeftRunning(String recipe, Instant slot, String owner, String outcome, String detail,
                                    String bakeId, Long executionId, String imageId, Instant now) {
        return jdbc.update("UPDATE " + SLOTS + " SET OUTCOME = ?, DETAIL = ?, BAKE_ID = ?, EXECUTION_ID = ?,"
                        + " IMAGE_ID = ?, FINISHED_AT = ? WHERE TARGET = ? AND RECIPE = ? AND SLOT_AT = ?"
                        + " AND OUTCOME = ? AND OWNER = ?", outcome, clip(detail), bakeId, executionId, imageId,
                now.toEpochMilli(), target, recipe, slot.toEpochMilli(), RUNNING, owner) == 1;
    }

    /** Names the bake a slot runs, and whether it resumes one. */
    public void started(String recipe, Instant slot, boolean resumed) {
        jdbc.update("UPDATE " + SLOTS + " SET RESUMED = ? WHERE TARGET = ? AND RECIPE = ? AND SLOT_AT = ?",
                resumed, target, recipe, slot.toEpochMilli());
    }

    /** Records how the slot ended: a bake status, {@link #TIMED_OUT} or {@link #SKIPPED}, with why. */
    public void finish(String recipe, Instant slot, String outcome, String detail, String bakeId, Long executionId,
                       String imageId, Instant now) {
        jdbc.update("UPDATE " + SLOTS + " SET OUTCOME = ?, DETAIL = ?, BAKE_ID = ?, EXECUTION_ID = ?, IMAGE_ID = ?,"
                        + " FINISHED_AT = ? WHERE TARGET = ? AND RECIPE = ? AND SLOT_AT = ?",
                outcome, clip(detail), bakeId, executionId, imageId, now.toEpochMilli(), target, recipe,
                slot.toEpochMilli());
    }

    /** The recipe's slots, newest first. */
    public List<Slot> slots(String recipe, int limit) {
        return jdbc.query("SELECT RECIPE, SLOT_AT, OWNER, OUTCOME, RESUMED, DETAIL, BAKE_ID, EXECUTION_ID, IMAGE_ID"
                        + " FROM " + SLOTS + " WHERE TARGET = ? AND RECIPE = ? ORDER BY SLOT_AT DESC"
                        + " FETCH FIRST " + limit + " ROWS ONLY",
                ScheduleStore::slot, target, recipe);
    }

    private static Slot slot(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
        return new Slot(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3), rs.getString(4),
                rs.getBoolean(5), rs.getString(6), rs.getString(7), rs.getObject(8) == null ? null : rs.getLong(8),
                rs.getString(9));
    }

    public Optional<Slot> latest(String recipe) {
        return slots(recipe, 1).stream().findFirst();
    }

    public State state(String recipe) {
        List<State> found = jdbc.query("SELECT FAILURES, PAUSED_AT, PAUSED_RECIPE, LAST_ERROR FROM " + STATES
                        + " WHERE TARGET = ? AND RECIPE = ?",
                (rs, row) -> new State(rs.getInt(1), rs.getObject(2) == null ? null
                        : Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3), rs.getString(4)),
                target, recipe);
        return found.isEmpty() ? State.FRESH : found.get(0);
    }

    /** Counts one more failure in a row and returns the count; slots of a recipe never overlap. */
    public int failed(String recipe, String error) {
        ensureState(recipe);
        jdbc.update("UPDATE " + STATES + " SET FAILURES = FAILURES + 1, LAST_ERROR = ? WHERE TARGET = ? AND RECIPE = ?",
                clip(error), target, recipe);
        return state(recipe).failuresInARow();
    }

    public void succeeded(String recipe) {
        jdbc.update("UPDATE " + STATES + " SET FAILURES = 0, LAST_ERROR = NULL WHERE TARGET = ? AND RECIPE = ?",
                target, recipe);
    }

    /** Pauses the schedule of the recipe as it reads now ({@code recipeHash}); an edit of it resumes it. */
    public void pause(String recipe, String recipeHash, Instant now) {
        ensureState(recipe);
        jdbc.update("UPDATE " + STATES + " SET PAUSED_AT = ?, PAUSED_RECIPE = ? WHERE TARGET = ? AND RECIPE = ?",
                now.toEpochMilli(), recipeHash, target, recipe);
    }

    /** Whether a scheduler ever ran, skipped or counted a slot of the recipe here, or paused it. */
    public boolean known(String recipe) {
        Integer states = jdbc.queryForObject("SELECT COUNT(*) FROM " + STATES + " WHERE TARGET = ? AND RECIPE = ?",
                Integer.class, target, recipe);
        return states != null && states > 0 || latest(recipe).isPresent();
    }

    /** Lifts a pause and forgets the failures; false when the schedule was not paused. */
    public boolean resume(String recipe) {
        return jdbc.update("UPDATE " + STATES + " SET PAUSED_AT = NULL, PAUSED_RECIPE = NULL, FAILURES = 0"
                + " WHERE TARGET = ? AND RECIPE = ? AND PAUSED_AT IS NOT NULL", target, recipe) == 1;
    }

    private void ensureState(String recipe) {
        try {
            jdbc.update("INSERT INTO " + STATES + " (TARGET, RECIPE, FAILURES) VALUES (?, ?, 0)", target, recipe);
        } catch (DuplicateKeyException exists) {
            // Another slot or process made it first.
        }
    }

    private static String clip(String text) {
        return text == null || text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT - 1) + "…";
    }

    /**
     * One slot of a recipe's schedule.
     *
     * @param outcome {@link #RUNNING}, {@link #SKIPPED}, {@link #TIMED_OUT}, or the bake's status: COMPLETED,
     *                FAILED, STOPPED
     * @param detail  why it was skipped, or the bake's error
     */
    public record Slot(String recipe, Instant at, String owner, String outcome, boolean resumed, String detail,
                       String bakeId, Long executionId, String imageId) {
    }

    /** A scheduler's last sign of life. */
    public record Heartbeat(String host, long pid, Instant startedAt, Instant aliveAt) {
    }

    /**
     * A recipe's schedule as the slots left it.
     *
     * @param pausedRecipe the hash of the recipe's text when the schedule paused; null when not paused
     */
    public record State(int failuresInARow, Instant pausedAt, String pausedRecipe, String lastError) {

        static final State FRESH = new State(0, null, null, null);

        public boolean paused() {
            return pausedAt != null;
        }
    }
}
