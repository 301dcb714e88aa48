package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.HeldClock;
import io.amibake.SandboxExtension;
import io.amibake.TestRecipes;
import io.amibake.cloud.BakeTags;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code amibake schedule} processes (two "hosts") on one real PostgreSQL repository, racing
 * for the same recipe's slots: every slot is claimed, and runs or is skipped, in one of them only.
 * Skipped without a reachable PostgreSQL, failed instead under CI, as {@link MultiRunnerPostgresIT}.
 */
class ScheduleTwoHostsPostgresIT {

    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final DateTimeFormatter SLOT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");
    private static final Pattern STARTED = Pattern.compile("nightly: slot (.+?): (starting a new bake|resuming)");
    private static final int SLOTS = 100;
    private static final HeldClock CLOUD = new HeldClock(Instant.parse("2026-01-05T10:00:00Z"), 0.02);

    @RegisterExtension
    static final PostgresSchema postgres = new PostgresSchema();

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(CLOUD, options -> options.withThrottling(false));

    @TempDir
    Path scratch;

    @Test
    void twoSchedulersRaceForEachOfAHundredSlotsAndEachIsClaimedOnce() throws Exception {
        // given two schedulers of a recipe due every minute, on a clock the test moves, and a cloud held still
        CLOUD.hold();
        Path recipes = Files.createDirectories(scratch.resolve("recipes"));
        Files.writeString(recipes.resolve("race.yaml"), TestRecipes.oneRegion("race", "echo baked > /etc/marker", """
                schedule:
                  cron: "0 * * * * *"
                  zone: UTC
                """));
        Instant first = Instant.parse("2026-01-05T00:01:00Z");
        ClockFile clock = new ClockFile(scratch, first.minusSeconds(30));
        AmibakeProcess a = AmibakeProcess.start(scratch, racer("a", clock), line -> false, schedule(recipes, "a"));
        AmibakeProcess b = AmibakeProcess.start(scratch, racer("b", clock), line -> false, schedule(recipes, "b"));
        try {
            awaitLooked(first, a, b);

            // when the clock offers them a hundred slots, one at a time, each once both have looked at
            // the one before; the first slot's bake waits at its first command all along, so each later
            // slot is claimed and skipped
            for (int slot = 0; slot < SLOTS; slot++) {
                Instant at = first.plus(Duration.ofMinutes(slot));
                clock.set(at);
                if (slot == 0) {
                    AmibakeProcess.await("the first slot's build instance",
                            () -> sandbox.stats().count("RunInstances") == 1, a, b);
                    CLOUD.advance(Duration.ofMinutes(10));
                }
                awaitLooked(at.plus(Duration.ofMinutes(1)), a, b);
            }
            a.terminate();
            b.terminate();
            a.awaitExit();
            b.awaitExit();
        } finally {
            a.terminate();
            b.terminate();
        }

        // then each slot was claimed by one of them only: it started or skipped there, and nowhere else
        for (int slot = 0; slot < SLOTS; slot++) {
            String at = SLOT.format(first.plus(Duration.ofMinutes(slot)).atZone(UTC));
            assertThat(Stream.of(a, b).filter(s -> s.lines().stream().anyMatch(line -> line.contains("race: slot " + at
                    + ": ")))).as("schedulers that claimed the slot at %s\n%s\n%s", at, a.output(), b.output())
                    .hasSize(1);
        }
        assertThat(postgres.column("SELECT COUNT(*) FROM " + postgres.schema() + ".AMIBAKE_SLOT"))
                .containsExactly(Integer.toString(SLOTS));
        assertThat(sandbox.stats().count("RunInstances")).as("build instances launched").isEqualTo(1);
    }

    @Test
    void eachSlotRunsOnceAcrossTwoSchedulers() throws Exception {
        // given two schedulers of the same recipes on one repository
        CLOUD.release();
        Path recipes = Files.createDirectories(scratch.resolve("recipes"));
        Files.writeString(recipes.resolve("nightly.yaml"), """
                name: nightly
                source:
                  region: us-east-1
                  ssm: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
                build:
                  instanceType: t3.micro
                image:
                  name: "{{recipe}}-{{date:yyyyMMdd-HHmmss}}-{{timestamp}}"
                test:
                  defaults: false
                schedule:
                  cron: "*/4 * * * * *"
                """);
        AmibakeProcess a = AmibakeProcess.start(scratch, host("a"), line -> false, schedule(recipes, "a"));
        AmibakeProcess b = AmibakeProcess.start(scratch, host("b"), line -> false, schedule(recipes, "b"));

        // when they run until two bakes have completed between them
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (count(a, " completed in ") + count(b, " completed in ") < 2) {
            assertThat(System.nanoTime()).as("two completed bakes\n%s\n%s", a.output(), b.output())
                    .isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        a.terminate();
        b.terminate();
        a.awaitExit();
        b.awaitExit();

        // then no slot ran in both, and every bake the slots name launched one build instance
        Set<String> onA = startedSlots(a);
        Set<String> onB = startedSlots(b);
        assertThat(onA).as("%s\n%s", a.output(), b.output()).filteredOn(onB::contains).isEmpty();
        List<String> owners = postgres.column("SELECT OWNER FROM " + postgres.schema() + ".AMIBAKE_SLOT");
        assertThat(owners).allMatch(o -> o.startsWith("host host-a,") || o.startsWith("host host-b,"));
        List<String> bakes = postgres.column("SELECT DISTINCT BAKE_ID FROM " + postgres.schema()
                + ".AMIBAKE_SLOT WHERE BAKE_ID IS NOT NULL");
        assertThat(bakes).hasSizeGreaterThanOrEqualTo(2);
        assertThat(sandbox.instances()).filteredOn(i -> "nightly".equals(i.tags().get(BakeTags.RECIPE)))
                .extracting(i -> i.tags().get(BakeTags.BAKE))
                .as("one build instance per bake").containsExactlyInAnyOrderElementsOf(bakes);
        assertThat(postgres.column("SELECT COUNT(*) FROM " + postgres.schema() + ".BATCH_JOB_INSTANCE"))
                .containsExactly(Integer.toString(bakes.size()));
    }

    private String[] schedule(Path recipes, String host) {
        return new String[] {"schedule", recipes.toString(), "--endpoint-url", sandbox.endpoint().toString(),
                "--home", scratch.resolve(host).toString()};
    }

    /** Waits until both schedulers have looked at the time that makes {@code next} their next slot. */
    private static void awaitLooked(Instant next, AmibakeProcess... schedulers) {
        String line = "race: next run " + SLOT.format(next.atZone(UTC));
        AmibakeProcess.await("both schedulers to say '" + line + "'", () -> Stream.of(schedulers)
                .allMatch(s -> s.lines().stream().anyMatch(l -> l.endsWith(line))), schedulers);
    }

    /** A scheduler on the test's clock, whose bake's lease outlives every minute the clock moves. */
    private Map<String, String> racer(String name, ClockFile clock) {
        Map<String, String> environment = host(name);
        environment.putAll(clock.environment());
        environment.put("AMIBAKE_LEASE_TTL", "1d");
        return environment;
    }

    private Map<String, String> host(String name) {
        Map<String, String> environment = new java.util.HashMap<>(postgres.repositoryEnvironment());
        environment.put("AMIBAKE_HOST", "host-" + name);
        environment.put("AMIBAKE_LEASE_TTL", "20s");
        return environment;
    }

    private static long count(AmibakeProcess process, String fragment) {
        return process.lines().stream().filter(line -> line.contains(fragment)).count();
    }

    private static Set<String> startedSlots(AmibakeProcess process) {
        Set<String> slots = new HashSet<>();
        for (String line : process.lines()) {
            Matcher started = STARTED.matcher(line);
            if (started.find()) {
                slots.add(started.group(1));
            }
        }
        return slots;
    }



}
