package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.cloud.BakeTags;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code amibake schedule} processes (two "hosts") on one real PostgreSQL repository, the same
 * recipe due every four seconds: every slot runs in one of them only. Skipped without a reachable
 * PostgreSQL, failed instead under {@code CI=true}, as {@link MultiRunnerPostgresIT}.
 */
class ScheduleTwoHostsPostgresIT {

    private static final Pattern STARTED = Pattern.compile("nightly: slot (.+?): (starting a new bake|resuming)");

    @RegisterExtension
    static final PostgresSchema postgres = new PostgresSchema();

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.02);

    @TempDir
    Path scratch;

    @Test
    void eachSlotRunsOnceAcrossTwoSchedulers() throws Exception {
        // given two schedulers of the same recipes on one repository
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
        List<String> owners = postgres.column("SELECT OWNER FROM " + postgres.schema() + ".AMIBAKE_SCHEDULE_SLOT");
        assertThat(owners).allMatch(o -> o.startsWith("host host-a,") || o.startsWith("host host-b,"));
        List<String> bakes = postgres.column("SELECT DISTINCT BAKE_ID FROM " + postgres.schema()
                + ".AMIBAKE_SCHEDULE_SLOT WHERE BAKE_ID IS NOT NULL");
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
