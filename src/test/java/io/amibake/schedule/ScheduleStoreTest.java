package io.amibake.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.engine.api.Target;
import io.amibake.engine.store.Migrations;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** The slots of schedulers that share one repository, each with its own store. */
class ScheduleStoreTest {

    private final DriverManagerDataSource database = migrated(new DriverManagerDataSource(
            "jdbc:hsqldb:mem:slots-" + UUID.randomUUID(), "SA", ""));
    private final ScheduleStore hostA = new ScheduleStore(database, "aws");
    private final ScheduleStore hostB = new ScheduleStore(database, "aws");

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

    @Test
    void eachTargetKeepsItsOwnScheduleOfARecipe() {
        // given the recipe's slot claimed, and its schedule paused, against one account's profile
        ScheduleStore tools = new ScheduleStore(database, Target.aws("tools").scheduleKey());
        ScheduleStore prod = new ScheduleStore(database, Target.aws("prod").scheduleKey());
        Instant slot = Instant.parse("2026-01-05T02:00:00Z");
        assertThat(tools.claim("nightly", slot, "host a", slot)).isTrue();
        tools.failed("nightly", "boom");
        tools.pause("nightly", "hash", slot);

        // when the scheduler of the other profile comes to the same slot
        boolean claimed = prod.claim("nightly", slot, "host b", slot);

        // then it runs it, unpaused, and neither sees the other's
        assertThat(claimed).isTrue();
        assertThat(prod.state("nightly").paused()).isFalse();
        assertThat(prod.running()).extracting(ScheduleStore.Slot::owner).containsExactly("host b");
        assertThat(tools.running()).extracting(ScheduleStore.Slot::owner).containsExactly("host a");
        assertThat(prod.resume("nightly")).as("nothing of prod's was paused").isFalse();
        assertThat(tools.state("nightly").paused()).isTrue();
    }

    @Test
    void everyInProcessSandboxIsOneScheduleTarget() {
        assertThat(Target.inProcessSandbox(java.net.URI.create("http://127.0.0.1:4000")).scheduleKey())
                .isEqualTo(Target.inProcessSandbox(java.net.URI.create("http://127.0.0.1:5000")).scheduleKey());
    }
}
