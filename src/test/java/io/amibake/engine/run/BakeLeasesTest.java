package io.amibake.engine.run;

import io.amibake.engine.api.Lease;
import io.amibake.engine.api.BakeBusyException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.amibake.MutableClock;
import io.amibake.engine.store.Migrations;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** Leases on one database shared by two runners, each with its own name and clock. */
class BakeLeasesTest {

    private static final Duration TTL = Duration.ofSeconds(30);
    private static final String TARGET = "aws account=123456789012";

    private final MutableClock clock = new MutableClock(Instant.now().toString());
    private BakeLeases runnerA;
    private BakeLeases runnerB;
    private JdbcTemplate jdbc;

    @BeforeEach
    void twoRunnersOnOneDatabase() {
        DriverManagerDataSource database = new DriverManagerDataSource(
                "jdbc:hsqldb:mem:leases-" + UUID.randomUUID(), "SA", "");
        Migrations.apply(database);
        jdbc = new JdbcTemplate(database);
        runnerA = new BakeLeases(jdbc, "runner-a", TTL, clock);
        runnerB = new BakeLeases(jdbc, "runner-b", TTL, clock);
    }

    @Test
    void aLiveLeaseRefusesAnotherRunnerNamingItsOwner() {
        // given
        Lease held = runnerA.acquire(TARGET, "lamp");
        runnerA.describe(held, "lamp-20261128t020000z-ab12", 7);

        // when / then
        assertThatThrownBy(() -> runnerB.acquire(TARGET, "lamp"))
                .isInstanceOf(BakeBusyException.class)
                .hasMessageContaining("another bake of recipe 'lamp' is running (host runner-a, pid "
                        + ProcessHandle.current().pid() + ", bake lamp-20261128t020000z-ab12, execution 7");
    }

    @Test
    void anotherRecipeIsNotHeldByIt() {
        // given
        runnerA.acquire(TARGET, "lamp");

        // when
        Lease other = runnerB.acquire(TARGET, "httpd");

        // then
        assertThat(other.host()).isEqualTo("runner-b");
    }

    @Test
    void anExpiredLeaseIsTakenOverAndItsFormerHolderCannotRenewIt() {
        // given
        Lease stale = runnerA.acquire(TARGET, "lamp");
        clock.advance(TTL.plusSeconds(1));

        // when
        Lease taken = runnerB.acquire(TARGET, "lamp");

        // then
        assertThat(runnerB.live("lamp")).map(Lease::host).contains("runner-b");
        assertThat(runnerA.renew(stale)).isFalse();
        assertThat(runnerB.renew(taken)).isTrue();
    }

    @Test
    void aRenewedLeaseStaysLivePastItsFirstExpiry() {
        // given
        Lease held = runnerA.acquire(TARGET, "lamp");
        clock.advance(TTL.dividedBy(2));
        runnerA.renew(held);
        clock.advance(TTL.dividedBy(2).plusSeconds(1));

        // when / then
        assertThatThrownBy(() -> runnerB.acquire(TARGET, "lamp")).isInstanceOf(BakeBusyException.class);
    }

    @Test
    void itsHolderCountsALeaseLostOnceItsLastRenewalExpiredOnItsOwnClock() {
        // given
        Lease held = runnerA.acquire(TARGET, "lamp");
        clock.advance(TTL.dividedBy(2));
        runnerA.renew(held);

        // when the holder is paused past the renewal's expiry, and nobody takes the lease
        clock.advance(TTL.minusSeconds(1));
        boolean beforeExpiry = runnerA.lost(TARGET, "lamp");
        clock.advance(Duration.ofSeconds(1));

        // then it is lost from that moment, and never lost for a recipe this runner does not hold
        assertThat(beforeExpiry).isFalse();
        assertThat(runnerA.lost(TARGET, "lamp")).isTrue();
        assertThat(runnerB.lost(TARGET, "lamp")).isFalse();
    }

    @Test
    void aLeaseTakenOverStaysLostToItsFormerHolderUntilReleased() {
        // given A's lease expired and was taken by B
        Lease stale = runnerA.acquire(TARGET, "lamp");
        clock.advance(TTL.plusSeconds(1));
        Lease taken = runnerB.acquire(TARGET, "lamp");

        // when A tries to renew it
        runnerA.renew(stale);

        // then A counts it lost, B holds it, and A's release leaves B's lease alone
        assertThat(runnerA.lost(TARGET, "lamp")).isTrue();
        assertThat(runnerB.lost(TARGET, "lamp")).isFalse();
        runnerA.release(stale);
        assertThat(runnerA.lost(TARGET, "lamp")).isFalse();
        assertThat(runnerB.live("lamp")).map(Lease::token).contains(taken.token());
    }

    @Test
    void onItsOwnHostALeaseWhoseProcessIsGoneIsTakenAtOnce() {
        // given a live lease of this runner name held by a pid that no longer runs
        long now = clock.millis();
        jdbc.update("INSERT INTO AMIBAKE_BAKE_LEASE (TARGET, RECIPE, TOKEN, OWNER_HOST, OWNER_PID, STARTED_AT,"
                + " EXPIRES_AT) VALUES (?, 'lamp', 'dead', 'runner-a', ?, ?, ?)", TARGET, deadPid(), now,
                now + TTL.toMillis());

        // when
        Lease taken = runnerA.acquire(TARGET, "lamp");

        // then: on this runner name it is taken; another runner name must wait for expiry
        assertThat(taken.pid()).isEqualTo(ProcessHandle.current().pid());
        runnerA.release(taken);
        jdbc.update("INSERT INTO AMIBAKE_BAKE_LEASE (TARGET, RECIPE, TOKEN, OWNER_HOST, OWNER_PID, STARTED_AT,"
                + " EXPIRES_AT) VALUES (?, 'lamp', 'dead', 'runner-a', ?, ?, ?)", TARGET, deadPid(), now,
                now + TTL.toMillis());
        assertThatThrownBy(() -> runnerB.acquire(TARGET, "lamp")).isInstanceOf(BakeBusyException.class);
    }

    /** A pid no process has now. */
    private static long deadPid() {
        long pid = 4_000_000;
        while (ProcessHandle.of(pid).isPresent()) {
            pid++;
        }
        return pid;
    }
}
