package io.amibake.engine.run;

import io.amibake.engine.api.BakeBusyException;
import io.amibake.engine.store.BakeSettings;
import io.amibake.engine.api.Lease;
import io.amibake.engine.api.TestClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Leases in the job repository: a running bake holds its target's and recipe's row, naming its host and pid,
 * and renews it on a heartbeat. Another process, on this host or another sharing the database,
 * takes the row only once it has expired, or, on this host, once its owner's process is gone.
 * A database row rather than a file lock, so "one recipe runs at most once at a time" holds on
 * every host that shares the repository. The holder counts its lease as lost once the expiry of
 * its last renewal has passed on its own clock: a process that was paused (SIGSTOP, a long
 * collection, a frozen VM) or cut off from the database may have been taken over meanwhile, so
 * it stops before it sends the cloud anything more ({@link #lost}).
 */
@Component
public class BakeLeases {

    static final String TABLE = "AMIBAKE_BAKE_LEASE";

    private final JdbcTemplate jdbc;
    private final String host;
    private final long pid = ProcessHandle.current().pid();
    private final Duration ttl;
    private final Clock clock;
    /** The expiry of each lease this process holds, by target and recipe, as its last renewal set it; 0 if taken. */
    private final Map<String, Long> heldUntil = new ConcurrentHashMap<>();

    @Autowired
    public BakeLeases(DataSource dataSource, BakeSettings settings) {
        this(new JdbcTemplate(dataSource), settings.host(), settings.leaseTtl(), TestClock.orSystem(ZoneOffset.UTC));
    }

    BakeLeases(JdbcTemplate jdbc, String host, Duration ttl, Clock clock) {
        this.jdbc = jdbc;
        this.host = host;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** How long a lease lives without a heartbeat. */
    public Duration ttl() {
        return ttl;
    }

    /** Takes the recipe's lease on the target, or throws {@link BakeBusyException} naming who holds it. */
    public Lease acquire(String target, String recipe) {
        String token = UUID.randomUUID().toString();
        long now = clock.millis();
        // When this process took the lease, as the owner-gone check compares it with a process's
        // start: on the wall clock, which is what the system tells process starts on.
        long started = System.currentTimeMillis();
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                jdbc.update("INSERT INTO " + TABLE + " (TARGET, RECIPE, TOKEN, OWNER_HOST, OWNER_PID, STARTED_AT,"
                        + " EXPIRES_AT) VALUES (?, ?, ?, ?, ?, ?, ?)", target, recipe, token, host, pid, started,
                        now + ttl.toMillis());
                return held(new Lease(target, recipe, token, host, pid, null, null, started, now + ttl.toMillis()));
            } catch (DuplicateKeyException held) {
                Optional<Lease> holder = holder(target, recipe);
                if (holder.isEmpty()) {
                    continue;
                }
                Lease current = holder.get();
                if (current.expiresAt() > now && !ownerGone(current)) {
                    throw busy(recipe, current);
                }
                // Expired or orphaned: take it over only if nobody else did in between.
                int taken = jdbc.update("UPDATE " + TABLE + " SET TOKEN = ?, OWNER_HOST = ?, OWNER_PID = ?,"
                                + " BAKE_ID = NULL, EXECUTION_ID = NULL, STARTED_AT = ?, EXPIRES_AT = ?"
                                + " WHERE TARGET = ? AND RECIPE = ? AND TOKEN = ?",
                        token, host, pid, started, now + ttl.toMillis(), target, recipe, current.token());
                if (taken == 1) {
                    return held(new Lease(target, recipe, token, host, pid, null, null, started, now + ttl.toMillis()));
                }
            }
        }
        throw busy(recipe, holder(target, recipe).orElse(null));
    }

    private static BakeBusyException busy(String recipe, Lease holder) {
        return holder == null ? new BakeBusyException(recipe, null, null)
                : new BakeBusyException(recipe, holder.owner(), Instant.ofEpochMilli(holder.expiresAt()));
    }

    private Lease held(Lease lease) {
        heldUntil.put(key(lease.target(), lease.recipe()), lease.expiresAt());
        return lease;
    }

    private static String key(String target, String recipe) {
        return target + "\n" + recipe;
    }

    /** Extends the lease; false when it is no longer this holder's (it expired and was taken). */
    public boolean renew(Lease lease) {
        long until = clock.millis() + ttl.toMillis();
        boolean renewed = jdbc.update("UPDATE " + TABLE + " SET EXPIRES_AT = ? WHERE TARGET = ? AND RECIPE = ?"
                + " AND TOKEN = ?", until, lease.target(), lease.recipe(), lease.token()) == 1;
        heldUntil.computeIfPresent(key(lease.target(), lease.recipe()),
                (key, before) -> renewed && before > 0 ? until : 0L);
        return renewed;
    }

    /**
     * Whether this process's lease on the target's recipe is lost, or may be: it was taken, or its
     * last renewal has expired by this process's clock. False when this process holds none.
     */
    public boolean lost(String target, String recipe) {
        Long until = heldUntil.get(key(target, recipe));
        return until != null && clock.millis() >= until;
    }

    /** Names the bake and execution the lease covers, for whoever finds it taken. */
    public void describe(Lease lease, String bakeId, long executionId) {
        jdbc.update("UPDATE " + TABLE + " SET BAKE_ID = ?, EXECUTION_ID = ? WHERE TARGET = ? AND RECIPE = ? AND TOKEN = ?",
                bakeId, executionId, lease.target(), lease.recipe(), lease.token());
    }

    /**
     * Whether a stop was asked for the execution (its status is STOPPING): one small query, as the
     * owner asks every few seconds; the execution with its steps and contexts is far larger.
     */
    public boolean stopAsked(long executionId) {
        return jdbc.queryForList("SELECT STATUS FROM BATCH_JOB_EXECUTION WHERE JOB_EXECUTION_ID = ?", String.class,
                executionId).contains("STOPPING");
    }

    public void release(Lease lease) {
        heldUntil.remove(key(lease.target(), lease.recipe()));
        jdbc.update("DELETE FROM " + TABLE + " WHERE TARGET = ? AND RECIPE = ? AND TOKEN = ?", lease.target(),
                lease.recipe(), lease.token());
    }

    /** Who holds the recipe's lease on the target, expired or not. */
    public Optional<Lease> holder(String target, String recipe) {
        return leases(" WHERE TARGET = ? AND RECIPE = ?", target, recipe).stream().findFirst();
    }

    /** The live lease on the recipe, on whichever target, if one is held. */
    public Optional<Lease> live(String recipe) {
        return leases(" WHERE RECIPE = ?", recipe).stream()
                .filter(l -> l.expiresAt() > clock.millis() && !ownerGone(l)).findFirst();
    }

    private List<Lease> leases(String where, Object... args) {
        return jdbc.query("SELECT TARGET, RECIPE, TOKEN, OWNER_HOST, OWNER_PID, BAKE_ID, EXECUTION_ID,"
                        + " STARTED_AT, EXPIRES_AT FROM " + TABLE + where,
                (rs, row) -> new Lease(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getLong(5), rs.getString(6), rs.getObject(7) == null ? null : rs.getLong(7),
                        rs.getLong(8), rs.getLong(9)),
                args);
    }

    /**
     * On this host the owner's death is seen at once: its pid is gone, or belongs to a process
     * started after the lease was taken. Another host's owner is judged by expiry alone.
     */
    private boolean ownerGone(Lease lease) {
        if (!host.equals(lease.host())) {
            return false;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(lease.pid());
        if (process.isEmpty() || !process.get().isAlive()) {
            return true;
        }
        return process.get().info().startInstant()
                .map(started -> started.isAfter(Instant.ofEpochMilli(lease.startedAt())))
                .orElse(false);
    }
}
