package io.amibake.engine.run;

import io.amibake.engine.api.BakeBusyException;
import io.amibake.engine.store.BakeSettings;
import io.amibake.engine.api.Lease;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
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
 * every host that shares the repository.
 */
@Component
public class BakeLeases {

    static final String TABLE = "AMIBAKE_BAKE_LEASE";

    private final JdbcTemplate jdbc;
    private final String host;
    private final long pid = ProcessHandle.current().pid();
    private final Duration ttl;
    private final Clock clock;

    @Autowired
    public BakeLeases(DataSource dataSource, BakeSettings settings) {
        this(new JdbcTemplate(dataSource), settings.host(), settings.leaseTtl(), Clock.systemUTC());
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
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                jdbc.update("INSERT INTO " + TABLE + " (TARGET, RECIPE, TOKEN, OWNER_HOST, OWNER_PID, STARTED_AT,"
                        + " EXPIRES_AT) VALUES (?, ?, ?, ?, ?, ?, ?)", target, recipe, token, host, pid, now,
                        now + ttl.toMillis());
                return new Lease(target, recipe, token, host, pid, null, null, now, now + ttl.toMillis());
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
                        token, host, pid, now, now + ttl.toMillis(), target, recipe, current.token());
                if (taken == 1) {
                    return new Lease(target, recipe, token, host, pid, null, null, now, now + ttl.toMillis());
                }
            }
        }
        throw busy(recipe, holder(target, recipe).orElse(null));
    }

    private static BakeBusyException busy(String recipe, Lease holder) {
        return holder == null ? new BakeBusyException(recipe, null, null)
                : new BakeBusyException(recipe, holder.owner(), Instant.ofEpochMilli(holder.expiresAt()));
    }

    /** Extends the lease; false when it is no longer this holder's (it expired and was taken). */
    public boolean renew(Lease lease) {
        return jdbc.update("UPDATE " + TABLE + " SET EXPIRES_AT = ? WHERE TARGET = ? AND RECIPE = ? AND TOKEN = ?",
                clock.millis() + ttl.toMillis(), lease.target(), lease.recipe(), lease.token()) == 1;
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
