package io.amibake.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.engine.store.Migrations;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** The slots of schedulers that share one repository, each with its own store. */
class ScheduleStoreTest {

    private final DriverManagerDataSource database = migrated(new DriverManagerDataSource(
            "jdbc:hsqldb:mem:slots-" + UUID.randomUUID(), "SA", ""));
    private final ScheduleStore hostA = new ScheduleStore(database);
    private final ScheduleStore hostB = new ScheduleStore(database);

    private static DriverManagerDataSource migrated(DriverManagerDataSource database) {
        Migrations.apply(database);
        return database;
    }

    @Test
    void aSlotIsClaimedOnceAndStaysItsFirstClaimers() {
        // given
        Instant slot = Instant.parse("2026-01-05T02:00:00Z");
        Instant now = slot.plusMillis(10);

        // when both claim it, the other one second
        boolean first = hostA.claim("nightly", slot, "host a", now);
        boolean second = hostB.claim("nightly", slot, "host b", now);

        // then only the first has it
        assertThat(first).isTrue();
        assertThat(second).isFalse();
        assertThat(hostB.latest("nightly")).map(ScheduleStore.Slot::owner).contains("host a");
        assertThat(hostA.claim("nightly", slot.plusSeconds(60), "host a", now)).as("the next slot").isTrue();
    }
}
