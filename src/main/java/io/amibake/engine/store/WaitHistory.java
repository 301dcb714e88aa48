package io.amibake.engine.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What bakes learned about how long waits take, kept once per recipe and target in its own
 * table: the last {@link #KEEP} observations of each kind of wait, for at most {@link #MAX_KEYS}
 * kinds. A bake starts from it and writes it back when it ends, so it stays the same size
 * however many bakes run; no execution context carries a copy.
 */
@Component
public class WaitHistory {

    /** Observations kept per kind of wait. */
    public static final int KEEP = 10;
    /** Kinds of wait kept per recipe and target; the ones seen least recently go first. */
    public static final int MAX_KEYS = 200;
    /** Longer keys are not kept: the column's width, on every database amibake supports. */
    static final int MAX_KEY_LENGTH = 1000;

    private static final String TABLE = "AMIBAKE_WAIT_HISTORY";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;

    public WaitHistory(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    /**
     * The history of the recipe's bakes against the target, oldest observation first. A recipe
     * not baked there before starts from the recipe baked there most recently: the same cloud
     * has the same tempo.
     */
    public Map<String, List<Observed>> load(String recipe, String target) {
        Map<String, List<Observed>> own = rows("WHERE RECIPE = ? AND TARGET = ?", recipe, key(target));
        if (!own.isEmpty()) {
            return own;
        }
        List<String> latest = jdbc.queryForList("SELECT RECIPE FROM " + TABLE + " WHERE TARGET = ? GROUP BY RECIPE"
                + " ORDER BY MAX(UPDATED_AT) DESC", String.class, key(target));
        return latest.isEmpty() ? Map.of() : rows("WHERE RECIPE = ? AND TARGET = ?", latest.get(0), key(target));
    }

    /** Replaces the recipe's history at the target with what its last bake knew, bounded. */
    public void save(String recipe, String target, Map<String, List<Observed>> observed) {
        long now = System.currentTimeMillis();
        transaction.executeWithoutResult(status -> {
            Map<String, List<Observed>> before = rows("WHERE RECIPE = ? AND TARGET = ?", recipe, key(target));
            Map<String, Long> updated = new HashMap<>();
            jdbc.query("SELECT WAIT_KEY, UPDATED_AT FROM " + TABLE + " WHERE RECIPE = ? AND TARGET = ?",
                    rs -> {
                        updated.put(rs.getString(1), rs.getLong(2));
                    }, recipe, key(target));
            List<Object[]> rows = new ArrayList<>();
            observed.forEach((waitKey, took) -> {
                if (waitKey.length() <= MAX_KEY_LENGTH && !took.isEmpty()) {
                    List<Observed> kept = recent(took);
                    long at = kept.equals(before.get(waitKey)) ? updated.getOrDefault(waitKey, now) : now;
                    rows.add(new Object[] {recipe, key(target), waitKey, encode(kept), at});
                }
            });
            rows.sort(Comparator.comparingLong((Object[] row) -> (Long) row[4]).reversed());
            jdbc.update("DELETE FROM " + TABLE + " WHERE RECIPE = ? AND TARGET = ?", recipe, key(target));
            jdbc.batchUpdate("INSERT INTO " + TABLE + " (RECIPE, TARGET, WAIT_KEY, MILLIS, UPDATED_AT)"
                    + " VALUES (?, ?, ?, ?, ?)", rows.subList(0, Math.min(rows.size(), MAX_KEYS)));
        });
    }

    private Map<String, List<Observed>> rows(String where, Object... args) {
        Map<String, List<Observed>> found = new LinkedHashMap<>();
        jdbc.query("SELECT WAIT_KEY, MILLIS FROM " + TABLE + " " + where, rs -> {
            found.put(rs.getString(1), recent(decode(rs.getString(2))));
        }, args);
        return found;
    }

    private static String key(String target) {
        return Objects.requireNonNullElse(target, "");
    }

    private static List<Observed> recent(List<Observed> took) {
        return List.copyOf(took.subList(Math.max(0, took.size() - KEEP), took.size()));
    }

    /** Each observation as its milliseconds, then {@code ~} and its interval's when it has one: {@code 12000~3000,11500}. */
    static String encode(List<Observed> observed) {
        return observed.stream().map(took -> took.interval() == 0 ? String.valueOf(took.millis())
                : took.millis() + "~" + took.interval()).collect(Collectors.joining(","));
    }

    static List<Observed> decode(String text) {
        return text.isEmpty() ? List.of() : Arrays.stream(text.split(",")).map(WaitHistory::observed).toList();
    }

    private static Observed observed(String text) {
        int tilde = text.indexOf('~');
        return tilde < 0 ? new Observed(Long.parseLong(text), 0)
                : new Observed(Long.parseLong(text.substring(0, tilde)), Long.parseLong(text.substring(tilde + 1)));
    }
}
