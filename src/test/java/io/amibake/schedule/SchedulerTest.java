package io.amibake.schedule;

import io.amibake.engine.api.Target;
import io.amibake.engine.api.Lease;
import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.MutableClock;
import io.amibake.SandboxExtension;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.SsmGateway;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.run.BakeLeases;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.state.BakeState;
import io.amibake.cloud.BakeTags;
import io.amibake.notify.Notifier;
import io.amibake.notify.NotifySettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The scheduler against the sandbox over HTTP, on a clock the test moves: nights pass in
 * milliseconds, and each slot's bake is a real bake through the launcher.
 */
@SpringBootTest(classes = {AmibakeConfiguration.class, SchedulerTest.TimeoutTime.class}, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:scheduler",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        // As the command line's context: several bakes create their job metadata at once.
        "spring.batch.jdbc.isolation-level-for-create=read-committed",
        "amibake.poll-min-delay=10ms"})
class SchedulerTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.0005);

    private static final Path HOME = temporaryHome();

    /** 02:00 in Berlin in March (winter time) is 01:00 UTC. */
    private static final String NIGHT_1 = "2026-03-02T01:00:01Z";
    private static final String NIGHT_2 = "2026-03-03T01:00:01Z";
    private static final String NIGHT_3 = "2026-03-04T01:00:01Z";
    private static final String NIGHT_4 = "2026-03-05T01:00:01Z";
    private static final String BASE_PARAMETER = "/amibake-test/base-image";

    @DynamicPropertySource
    static void home(DynamicPropertyRegistry registry) {
        registry.add("amibake.home", HOME::toString);
    }

    /** The clock {@code build.timeout} reads; a test moves it past a run's timeout. */
    private static final WatchedClock TIMEOUTS = new WatchedClock();

    /** Not annotated: BakeConfiguration's component scan would pick it up for other tests' contexts. */
    static class TimeoutTime {

        @Bean
        Clock timeoutClock() {
            return TIMEOUTS;
        }
    }

    @Autowired
    private BakeService launcher;

    @Autowired
    private NotifySettings notifySettings;

    @Autowired
    private JobRepository repository;

    @Autowired
    private BakeService runner;

    @Autowired
    private BakeLeases leases;

    @Autowired
    private io.amibake.engine.run.Accounts accounts;

    /** The key of the target the scheduler's bakes hold their leases on. */
    private String targetKey() {
        return accounts.resolve(Target.endpoint(sandbox.endpoint())).key();
    }

    @Autowired
    private DataSource dataSource;

    private static final String SECRET = "s3cr3t-0042";
    private static final Duration ALIVE_FOR = Duration.ofSeconds(60);

    private final MutableClock clock = new MutableClock("2026-03-01T12:00:00Z");
    private ScheduleVariables variables = ScheduleVariables.NONE;
    private final List<String> told = new CopyOnWriteArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<Scheduler> schedulers = new CopyOnWriteArrayList<>();
    private Path recipes;

    @BeforeEach
    void freshDirectory() throws IOException {
        sandbox.faults().clear();
        recipes = Files.createTempDirectory(HOME, "recipes");
    }

    @AfterEach
    void closeSchedulers() {
        schedulers.forEach(s -> s.close(Duration.ofSeconds(30)));
    }

    @Test
    void aSlotResumesTheFailedBakeInsteadOfStartingANewOne() throws Exception {
        // given a nightly recipe whose command fails once
        recipe("resumer", "always", 3);
        sandbox.faults().failCommand("marker-resumer", 1, "disk full", 1);
        Scheduler scheduler = scheduler();
        assertThat(scheduler.look()).as("no slot before 02:00").isEmpty();

        // when the first night fails, and the second comes after the fault was cleared
        clock.set(NIGHT_1);
        awaitAll(scheduler.look());
        ScheduleStore.Slot failed = store().latest("resumer").orElseThrow();
        sandbox.faults().clear();
        clock.set(NIGHT_2);
        awaitAll(scheduler.look());

        // then the second night resumed the first night's bake on its instance
        ScheduleStore.Slot resumed = store().latest("resumer").orElseThrow();
        assertThat(failed.outcome()).isEqualTo("FAILED");
        assertThat(failed.detail()).contains("disk full");
        assertThat(resumed.outcome()).as(resumed.detail()).isEqualTo("COMPLETED");
        assertThat(resumed.resumed()).isTrue();
        assertThat(resumed.bakeId()).isEqualTo(failed.bakeId());
        assertThat(buildInstances("resumer")).isEqualTo(1);
        assertThat(told).contains("started resumer 2026-03-02T02:00+01:00[Europe/Berlin] new",
                "started resumer 2026-03-03T02:00+01:00[Europe/Berlin] resumed",
                "finished resumer FAILED", "finished resumer COMPLETED");
    }

    @Test
    void sourceChangedSkipsWhileTheSourceImageStaysAndBakesWhenTheParameterMoves() throws Exception {
        // given a recipe whose source parameter names the public Amazon Linux 2023 image
        String al2023 = ssm().parameter("us-east-1", "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
        String newer = ssm().parameter("us-east-1", "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2");
        ssm().putParameter("us-east-1", BASE_PARAMETER, al2023);
        recipe("changes", "sourceChanged", 3);
        Scheduler scheduler = scheduler();
        scheduler.look();

        // when three nights pass, the parameter moving to a newer image before the third
        clock.set(NIGHT_1);
        awaitAll(scheduler.look());
        clock.set(NIGHT_2);
        awaitAll(scheduler.look());
        ssm().putParameter("us-east-1", BASE_PARAMETER, newer);
        clock.set(NIGHT_3);
        awaitAll(scheduler.look());

        // then the second night was skipped and said why, and the third baked from the newer image
        List<ScheduleStore.Slot> slots = store().slots("changes", 10);
        assertThat(slots).as(slots + "\n" + told).extracting(ScheduleStore.Slot::outcome).containsExactly("COMPLETED", "SKIPPED", "COMPLETED");
        assertThat(slots.get(1).detail()).startsWith("source unchanged: image " + al2023);
        assertThat(slots.get(0).bakeId()).isNotEqualTo(slots.get(2).bakeId());
        assertThat(buildInstances("changes")).isEqualTo(2);
        assertThat(sandbox.instances()).filteredOn(i -> "changes".equals(i.tags().get(BakeTags.RECIPE)))
                .extracting(i -> i.imageId()).containsExactlyInAnyOrder(al2023, newer);
        assertThat(told).anyMatch(t -> t.startsWith("skipped changes 2026-03-03T02:00+01:00[Europe/Berlin] source"));
    }

    @Test
    void aSlotWhosePreviousBakeStillRunsElsewhereIsSkippedAndRecorded() throws Exception {
        // given another process holds the recipe's lease: its bake still runs
        recipe("overlap", "always", 3);
        Scheduler scheduler = scheduler();
        scheduler.look();
        Lease elsewhere = leases.acquire(targetKey(), "overlap");

        // when the slot comes
        clock.set(NIGHT_1);
        List<Future<?>> started;
        try {
            started = scheduler.look();
        } finally {
            leases.release(elsewhere);
        }

        // then no bake started, and the slot says why
        assertThat(started).isEmpty();
        ScheduleStore.Slot slot = store().latest("overlap").orElseThrow();
        assertThat(slot.outcome()).isEqualTo("SKIPPED");
        assertThat(slot.detail()).startsWith("the previous bake still runs (host ");
        assertThat(buildInstances("overlap")).isZero();
    }

    @Test
    void afterTwoFailuresInARowTheSchedulePausesUntilResumedOrEdited() throws Exception {
        // given a recipe whose command keeps failing, pausing after 2 failures
        recipe("pauser", "always", 2);
        sandbox.faults().failCommand("marker-pauser", 1, "broken mirror", 100);
        Scheduler scheduler = scheduler();
        scheduler.look();

        // when two nights fail
        clock.set(NIGHT_1);
        awaitAll(scheduler.look());
        clock.set(NIGHT_2);
        awaitAll(scheduler.look());

        // then the schedule paused and said so; the third night runs nothing
        assertThat(told).contains("paused pauser 2");
        assertThat(store().state("pauser").paused()).isTrue();
        clock.set(NIGHT_3);
        assertThat(scheduler.look()).isEmpty();
        assertThat(store().slots("pauser", 10)).hasSize(2);
        assertThat(told).contains("next pauser null");

        // when the schedule is resumed and the cause is gone, the next night completes the bake
        sandbox.faults().clear();
        assertThat(store().resume("pauser")).isTrue();
        assertThat(scheduler.look()).as("the nights missed while paused stay missed").isEmpty();
        clock.set(NIGHT_4);
        awaitAll(scheduler.look());
        ScheduleStore.Slot last = store().latest("pauser").orElseThrow();
        assertThat(last.outcome()).as(last.detail()).isEqualTo("COMPLETED");
        assertThat(last.resumed()).isTrue();
        assertThat(store().state("pauser").failuresInARow()).isZero();
    }

    @Test
    void anEditOfAPausedRecipeResumesItsSchedule() throws Exception {
        // given a schedule paused after one failure
        Path file = recipe("edited", "always", 1);
        sandbox.faults().failCommand("marker-edited", 1, "typo in the script", 1);
        Scheduler scheduler = scheduler();
        scheduler.look();
        clock.set(NIGHT_1);
        awaitAll(scheduler.look());
        assertThat(store().state("edited").paused()).isTrue();

        // when the recipe is edited
        Files.writeString(file, Files.readString(file) + "# fixed the script\n");
        clock.set(NIGHT_2);
        awaitAll(scheduler.look());

        // then the next slot runs again, with the edit
        assertThat(store().state("edited").paused()).isFalse();
        assertThat(store().latest("edited").orElseThrow().outcome()).isEqualTo("COMPLETED");
        assertThat(log).anyMatch(line -> line.equals("edited: the recipe was edited; its schedule resumes"));
    }

    @Test
    void anInvalidEditIsReportedWithItsLocationAndThePreviousVersionStaysScheduled() throws Exception {
        // given a scheduled recipe
        Path file = recipe("steady", "always", 3);
        Scheduler scheduler = scheduler();
        scheduler.look();

        // when its cron is broken on disk
        Files.writeString(file, Files.readString(file).replace("cron: \"0 2 * * *\"", "cron: \"0 26 * * *\""));
        clock.set(NIGHT_1);
        awaitAll(scheduler.look());
        awaitAll(scheduler.look());

        // then the problem is reported once, with file, line and column, and the night still ran
        assertThat(log).filteredOn(line -> line.contains("stays scheduled")).singleElement()
                .satisfies(line -> assertThat(line).contains(file + ":21:9: schedule.cron: ")
                        .contains("the edit is invalid and the previous version of steady stays scheduled"));
        assertThat(store().latest("steady").orElseThrow().outcome()).isEqualTo("COMPLETED");
    }

    @Test
    void aSlotInTheSpringGapRunsOnceAtTheShiftedTimeAndOneInTheRepeatedHourOnce() throws Exception {
        // given a recipe due at 02:30 Berlin time, the night before summer time starts
        Path file = recipe("dst", "always", 3);
        Files.writeString(file, Files.readString(file).replace("cron: \"0 2 * * *\"", "cron: \"30 2 * * *\""));
        clock.set("2026-03-28T12:00:00Z");
        Scheduler scheduler = scheduler();
        scheduler.look();

        // when 02:30 never comes on the clock (02:00 became 03:00), nor on the night back (02:30 comes twice)
        for (String at : List.of("2026-03-29T01:30:01Z", "2026-03-29T02:30:01Z", "2026-10-24T12:00:00Z",
                "2026-10-25T00:30:01Z", "2026-10-25T01:30:01Z", "2026-10-25T02:30:01Z")) {
            clock.set(at);
            awaitAll(scheduler.look());
        }

        // then the spring night ran once, at 03:30, and the autumn night once, at the first 02:30
        assertThat(store().slots("dst", 10)).extracting(s -> s.at().toString())
                .containsExactly("2026-10-25T00:30:00Z", "2026-10-24T00:30:00Z", "2026-03-29T01:30:00Z");
    }

    @Test
    void afterDowntimeTheMissedSlotsRunOnceAndTwoSchedulersRunEachSlotOnce() throws Exception {
        // given two schedulers sharing one repository, a slot of the recipe already run
        recipe("shared", "always", 3);
        Scheduler first = scheduler();
        Scheduler second = scheduler();
        first.look();
        second.look();
        clock.set(NIGHT_1);
        awaitAll(first.look());
        awaitAll(second.look());

        // when both come back three nights later
        clock.set(NIGHT_4);
        List<Future<?>> started = new java.util.ArrayList<>(first.look());
        started.addAll(second.look());
        awaitAll(started);

        // then each of the two slots ran once, the missed nights folded into the latest one
        assertThat(started).hasSize(1);
        assertThat(store().slots("shared", 10)).extracting(s -> s.at().toString())
                .containsExactly("2026-03-05T01:00:00Z", "2026-03-02T01:00:00Z");
        assertThat(buildInstances("shared")).isEqualTo(2);
    }

    @Test
    void aBakeStoppedWithTheSchedulerResumesWhenTheNextOneStarts() throws Exception {
        // given a bake that is stopped (as SIGTERM does) once its commands are running
        recipe("interrupted", "always", 3);
        Scheduler scheduler = scheduler(recipe -> new StopAt("provision", runner::stop));
        scheduler.look();
        clock.set(NIGHT_1);
        awaitAll(scheduler.look());
        scheduler.close(Duration.ofSeconds(30));
        ScheduleStore.Slot stopped = store().latest("interrupted").orElseThrow();
        assertThat(stopped.outcome()).as(stopped.detail()).isEqualTo("STOPPED");

        // when a new scheduler starts, before the next slot
        Scheduler next = scheduler();
        awaitAll(next.look());

        // then it resumed the stopped bake at once and completed it
        ScheduleStore.Slot resumed = store().latest("interrupted").orElseThrow();
        assertThat(resumed.at()).isEqualTo(stopped.at());
        assertThat(resumed.outcome()).as(resumed.detail()).isEqualTo("COMPLETED");
        assertThat(resumed.bakeId()).isEqualTo(stopped.bakeId());
        assertThat(store().state("interrupted").failuresInARow()).isZero();
        assertThat(buildInstances("interrupted")).isEqualTo(1);
    }

    @Test
    void fourRecipesDueAtTheSameSlotBakeAtOnceInOneScheduler() throws Exception {
        // given four recipes due at the same time
        List<String> names = List.of("north", "east", "south", "west");
        for (String name : names) {
            recipe(name, "always", 3);
        }
        Scheduler scheduler = scheduler();
        scheduler.look();

        // when their slot comes
        clock.set(NIGHT_1);
        List<Future<?>> started = scheduler.look();
        awaitAll(started);

        // then all four started in the same look, and all completed
        assertThat(started).hasSize(4);
        for (String name : names) {
            ScheduleStore.Slot slot = store().latest(name).orElseThrow();
            assertThat(slot.outcome()).as("%s: %s", name, slot.detail()).isEqualTo("COMPLETED");
        }
    }

    @Test
    void aStopOfOneRecipesBakeLeavesTheOtherBakesOfTheProcessRunning() throws Exception {
        // given two recipes baking at once, one of them asked to stop (as its lease's heartbeat does)
        recipe("halted", "always", 3);
        recipe("kept", "always", 3);
        Scheduler scheduler = scheduler(recipe -> recipe.equals("halted")
                ? new StopAt("provision", runner::stop) : BakeEvents.NONE);
        scheduler.look();

        // when their slot comes
        clock.set(NIGHT_1);
        awaitAll(scheduler.look());

        // then only that one stopped
        assertThat(store().latest("halted").orElseThrow().outcome()).isEqualTo("STOPPED");
        ScheduleStore.Slot kept = store().latest("kept").orElseThrow();
        assertThat(kept.outcome()).as(kept.detail()).isEqualTo("COMPLETED");
    }

    @Test
    void aBakeStoppedByItsTimeoutCountsAsAFailureIsToldAndPausesTheSchedule() throws Exception {
        // given a recipe pausing after 2 failures, told to a command, whose every run outlasts build.timeout
        Path file = recipe("hurried", "always", 2);
        Path notified = recipes.resolve("notified.jsonl");
        Files.writeString(file, Files.readString(file) + "notify:\n  command: '{ cat; echo; } >> " + notified + "'\n");
        Notifier notifier = Notifier.create(launcher, notifySettings, log::add);
        Scheduler scheduler = scheduler(recipe -> new OnFirstStep(() -> TIMEOUTS.passAndAwaitLook(Duration.ofDays(8))),
                notifier);
        scheduler.look();

        // when two nights pass
        clock.set(NIGHT_1);
        awaitAll(scheduler.look());
        ScheduleStore.Slot first = store().latest("hurried").orElseThrow();
        clock.set(NIGHT_2);
        awaitAll(scheduler.look());
        notifier.close();

        // then each run timed out, was recorded so and counted, and the schedule paused
        assertThat(first.outcome()).as(first.detail()).isEqualTo(ScheduleStore.TIMED_OUT);
        assertThat(first.detail()).startsWith("the run took longer than build.timeout (2h00m) and was stopped");
        ScheduleStore.Slot second = store().latest("hurried").orElseThrow();
        assertThat(second.outcome()).as(second.detail()).isEqualTo(ScheduleStore.TIMED_OUT);
        assertThat(second.resumed()).isTrue();
        assertThat(second.bakeId()).isEqualTo(first.bakeId());
        assertThat(store().state("hurried").paused()).isTrue();
        assertThat(told).contains("paused hurried 2");
        assertThat(Files.readAllLines(notified)).filteredOn(line -> line.contains("\"event\":\"failed\""))
                .hasSize(2).allSatisfy(line -> assertThat(line).contains("\"timedOut\":true"));

        // when the schedule is resumed and the next night is quick enough
        assertThat(store().resume("hurried")).isTrue();
        Notifier next = Notifier.create(launcher, notifySettings, log::add);
        Scheduler quick = scheduler(recipe -> BakeEvents.NONE, next);
        quick.look();
        clock.set(NIGHT_4);
        awaitAll(quick.look());
        next.close();

        // then the bake completed, and its recovery from the timeouts was told
        assertThat(store().latest("hurried").orElseThrow().outcome()).isEqualTo("COMPLETED");
        assertThat(Files.readAllLines(notified)).filteredOn(line -> line.contains("\"event\":\"recovered\""))
                .singleElement().satisfies(line -> assertThat(line).contains(first.bakeId()));
    }

    @Test
    void aRecipeWithASecretBakesAndResumesWithTheValueGivenAndNeverStoresIt() throws Exception {
        // given a recipe whose image name holds a secret given to the scheduler, and a command that
        // fails once with the secret in its error output
        secretRecipe("licensed");
        variables = ScheduleVariables.of(null, List.of("licenseKey=" + SECRET), log::add);
        sandbox.faults().failCommand("marker-licensed", 1, "mirror refused token " + SECRET, 1);
        Scheduler scheduler = scheduler();
        scheduler.look();

        // when the first night fails and the second resumes the bake
        clock.set(NIGHT_1);
        awaitAll(scheduler.look());
        clock.set(NIGHT_2);
        awaitAll(scheduler.look());

        // then the resume had the secret again and completed, with the secret in the image's name
        List<ScheduleStore.Slot> slots = store().slots("licensed", 10);
        assertThat(slots).extracting(ScheduleStore.Slot::outcome).as(slots.toString())
                .containsExactly("COMPLETED", "FAILED");
        assertThat(slots.get(0).resumed()).isTrue();
        assertThat(slots.get(1).detail()).contains("token [secret licenseKey]");
        assertThat(sandbox.images()).anySatisfy(image -> assertThat(image.name()).contains("-" + SECRET + "-"));
        assertThat(buildInstances("licensed")).isEqualTo(1);

        // and the value is nowhere at rest: no table of the repository, no file of the home, no line told
        assertThat(repositoryValuesHolding(SECRET)).isEmpty();
        assertThat(filesHolding(HOME, SECRET)).isEmpty();
        assertThat(log).noneMatch(line -> line.contains(SECRET));
        assertThat(told).noneMatch(line -> line.contains(SECRET));
    }

    @Test
    void aRecipeAddedWithASecretNobodyGaveIsReportedOnceNamingItAndNeverRuns() throws Exception {
        // given a scheduler of one recipe, given no variables
        recipe("plain", "always", 3);
        Scheduler scheduler = scheduler();
        scheduler.look();

        // when a recipe that needs a secret is added to the directory, and its slot comes
        Path added = secretRecipe("needy");
        scheduler.look();
        clock.set(NIGHT_1);
        awaitAll(scheduler.look());

        // then one line names the file, the variable and how to give it, and nothing of it ran
        assertThat(log).filteredOn(line -> line.contains("needy")).singleElement()
                .satisfies(line -> assertThat(line).startsWith(added + ": not scheduled: " + added + ":")
                        .contains("variables.licenseKey: the secret variable 'licenseKey' has no value")
                        .contains("--var-file"));
        assertThat(store().slots("needy", 10)).isEmpty();
        assertThat(buildInstances("needy")).isZero();
        assertThat(store().latest("plain").orElseThrow().outcome()).isEqualTo("COMPLETED");
    }

    @Test
    void aSlotLeftRunningByAKilledSchedulerIsClosedWithItsBakesOutcomeOnceNothingRunsItAndTheNextSlotResumes()
            throws Exception {
        // given scheduler A's first night, whose bake failed; then the traces a SIGKILL of A in the
        // middle of that bake leaves: the slot row RUNNING naming the bake, the execution STARTED,
        // nothing counted, and the recipe's lease unrenewed since, held by A's host
        recipe("orphan", "always", 3);
        sandbox.faults().failCommand("marker-orphan", 1, "disk full", 1);
        AtomicReference<ScheduleStore.Slot> midBake = new AtomicReference<>();
        Scheduler killed = scheduler(recipe -> new OnFirstStep(() -> midBake.set(store().latest(recipe)
                .orElseThrow())));
        killed.look();
        clock.set(NIGHT_1);
        awaitAll(killed.look());
        ScheduleStore.Slot ran = store().latest("orphan").orElseThrow();
        leftAsKilled(midBake.get());

        // when another scheduler looks while A's heartbeat is fresh
        Scheduler next = scheduler();
        next.look();

        // then the slot is left alone: A may still be about to start its bake
        assertThat(store().latest("orphan").orElseThrow().outcome()).isEqualTo(ScheduleStore.RUNNING);

        // when A's heartbeat has gone stale, but the recipe's bake runs somewhere (a live lease)
        clock.advance(ALIVE_FOR.plusSeconds(1));
        Lease elsewhere = leases.acquire(targetKey(), "orphan");
        try {
            next.look();
        } finally {
            leases.release(elsewhere);
        }

        // then it is still left alone
        assertThat(store().latest("orphan").orElseThrow().outcome()).isEqualTo(ScheduleStore.RUNNING);

        // when nothing runs the bake any more
        clock.advance(ALIVE_FOR);
        next.look();

        // then the slot is closed FAILED, counted and told, and its bake was recovered
        ScheduleStore.Slot closed = store().latest("orphan").orElseThrow();
        assertThat(closed.outcome()).isEqualTo("FAILED");
        assertThat(closed.detail()).isEqualTo("the scheduler that ran the slot (test 0) died while bake "
                + ran.bakeId() + " ran; the next slot resumes it");
        assertThat(store().state("orphan").failuresInARow()).isEqualTo(1);
        assertThat(told).containsSubsequence("finished orphan FAILED", "finished orphan FAILED");
        assertThat(launcher.execution(ran.executionId()).orElseThrow().getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(log).anyMatch(line -> line.startsWith("orphan: the slot at 2026-03-02T02:00+01:00[Europe/Berlin]"
                + " was left running by test 0, which is gone; closed as failed"));

        // when the next night comes
        clock.set(NIGHT_2);
        awaitAll(next.look());

        // then it resumed that bake on its instance and completed it
        ScheduleStore.Slot resumed = store().latest("orphan").orElseThrow();
        assertThat(resumed.outcome()).as(resumed.detail()).isEqualTo("COMPLETED");
        assertThat(resumed.bakeId()).isEqualTo(ran.bakeId());
        assertThat(buildInstances("orphan")).isEqualTo(1);
        assertThat(store().state("orphan").failuresInARow()).isZero();
    }

    @Test
    void aSlotWhoseSchedulerDiedBeforeItsBakeBeganIsClosedAsFailedEvenUnderTheSameName() throws Exception {
        // given a slot claimed by a scheduler that never beat (it died at once, or ran an older
        // version), and one claimed by an earlier process of the name the next scheduler gets (in a
        // container, a restart often gets the same pid)
        recipe("unborn", "always", 3);
        recipe("reborn", "always", 3);
        Instant lastNight = Instant.parse("2026-03-01T01:00:00Z");
        store().claim("unborn", lastNight, "host gone, pid 1", lastNight);
        store().claim("reborn", lastNight, "test " + schedulers.size(), lastNight);

        // when a scheduler looks
        scheduler().look();

        // then both slots are closed as failed and counted
        ScheduleStore.Slot closed = store().latest("unborn").orElseThrow();
        assertThat(closed.outcome()).isEqualTo("FAILED");
        assertThat(closed.detail()).isEqualTo("the scheduler that ran the slot (host gone, pid 1) died before its"
                + " bake began");
        assertThat(store().state("unborn").failuresInARow()).isEqualTo(1);
        assertThat(store().latest("reborn").orElseThrow().outcome()).isEqualTo("FAILED");
        assertThat(store().state("reborn").failuresInARow()).isEqualTo(1);
    }

    // ---- helpers ----

    private Path recipe(String name, String when, int pauseAfter) throws IOException {
        Path file = recipes.resolve(name + ".yaml");
        Files.writeString(file, """
                # A nightly recipe: one command, the image in the source region only.
                name: %s
                os: al2023
                source:
                  region: us-east-1
                  ssm: %s
                build:
                  instanceType: t3.micro
                  instanceProfile: AmazonSSMRoleForInstancesQuickSetup
                provision:
                  - name: marker
                    run: echo marker-%s > /etc/nightly-marker
                image:
                  name: "{{recipe}}-{{date:yyyyMMdd-HHmmssSSS}}"
                cleanup:
                  cleaners: [tmp]
                regions: [us-east-1]
                test:
                  defaults: false
                schedule:
                  cron: "0 2 * * *"
                  zone: Europe/Berlin
                  when: %s
                  pauseAfter: %d
                """.formatted(name, "sourceChanged".equals(when) ? BASE_PARAMETER
                : "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", name, when, pauseAfter));
        return file;
    }

    /** A nightly recipe whose image name holds the secret variable {@code licenseKey}. */
    private Path secretRecipe(String name) throws IOException {
        Path file = recipe(name, "always", 3);
        Files.writeString(file, Files.readString(file)
                .replace("os: al2023\n", "os: al2023\nvariables:\n  licenseKey: {secret: true}\n")
                .replace("\"{{recipe}}-{{date", "\"{{recipe}}-{{var.licenseKey}}-{{date"));
        return file;
    }

    private Scheduler scheduler() throws Exception {
        return scheduler(recipe -> BakeEvents.NONE);
    }

    private Scheduler scheduler(java.util.function.Function<String, BakeEvents> bakeEvents) throws Exception {
        return scheduler(bakeEvents, ScheduleEvents.NONE);
    }

    private Scheduler scheduler(java.util.function.Function<String, BakeEvents> bakeEvents, ScheduleEvents also)
            throws Exception {
        RecipeFiles files = new RecipeFiles(List.of(recipes), variables, false);
        List<RecipeFiles.Version> initial = new java.util.ArrayList<>();
        for (Path file : files.list()) {
            initial.add(files.load(file));
        }
        Scheduler scheduler = new Scheduler(launcher, store(), files, initial, Target.endpoint(sandbox.endpoint()), new ScheduleEventsList(List.of(new Told(told), also), log::add), bakeEvents,
                log::add, clock, "test " + schedulers.size(), "test-host", ALIVE_FOR);
        schedulers.add(scheduler);
        return scheduler;
    }

    /** Every value in every table of the repository that holds the text, plainly or Base64-encoded. */
    private List<String> repositoryValuesHolding(String text) {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        List<String> found = new java.util.ArrayList<>();
        List<String> tables = jdbc.queryForList("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES"
                + " WHERE TABLE_SCHEMA = 'PUBLIC' AND TABLE_TYPE = 'BASE TABLE'", String.class);
        assertThat(tables).contains("BATCH_JOB_EXECUTION_CONTEXT", "AMIBAKE_COMMAND_OUTPUT", ScheduleStore.SLOTS,
                ScheduleStore.STATES);
        for (String table : tables) {
            jdbc.query("SELECT * FROM " + table, rows -> {
                for (int c = 1; c <= rows.getMetaData().getColumnCount(); c++) {
                    String value = rows.getString(c);
                    if (value != null && holds(value.getBytes(StandardCharsets.UTF_8), text)) {
                        found.add(table + "." + rows.getMetaData().getColumnName(c) + ": " + value);
                    }
                }
            });
        }
        return found;
    }

    private static List<Path> filesHolding(Path home, String text) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(home)) {
            return files.filter(Files::isRegularFile).filter(f -> {
                try {
                    return holds(Files.readAllBytes(f), text);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }

    private static boolean holds(byte[] bytes, String text) {
        String latin = new String(bytes, StandardCharsets.ISO_8859_1);
        if (latin.contains(text)) {
            return true;
        }
        Matcher encoded = Pattern.compile("[A-Za-z0-9+/]{16,}={0,2}").matcher(latin);
        while (encoded.find()) {
            String token = encoded.group();
            try {
                byte[] decoded = Base64.getDecoder().decode(token.substring(0, token.length() / 4 * 4));
                if (new String(decoded, StandardCharsets.ISO_8859_1).contains(text)) {
                    return true;
                }
            } catch (IllegalArgumentException notBase64) {
                // a word that only looked like Base64
            }
        }
        return false;
    }

    /**
     * Puts back what a SIGKILL of the scheduler during the slot's bake leaves: the row as it was
     * while the bake ran, the execution STARTED, no failure counted, and the recipe's lease held by
     * the dead process's host and expired.
     */
    private void leftAsKilled(ScheduleStore.Slot midBake) {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        jdbc.update("UPDATE " + ScheduleStore.SLOTS + " SET OUTCOME = ?, DETAIL = ?, BAKE_ID = ?, EXECUTION_ID = ?,"
                + " IMAGE_ID = ?, FINISHED_AT = NULL WHERE RECIPE = ? AND SLOT_AT = ?", midBake.outcome(),
                midBake.detail(), midBake.bakeId(), midBake.executionId(), midBake.imageId(), midBake.recipe(),
                midBake.at().toEpochMilli());
        ScheduleStore.Slot slot = store().latest(midBake.recipe()).orElseThrow();
        JobExecution execution = launcher.latestExecutions(slot.recipe(), 1).get(0);
        store().succeeded(slot.recipe());
        execution.setStatus(BatchStatus.STARTED);
        execution.setExitStatus(ExitStatus.UNKNOWN);
        execution.setEndTime(null);
        repository.update(execution);
        jdbc.update("INSERT INTO AMIBAKE_BAKE_LEASE (TARGET, RECIPE, TOKEN, OWNER_HOST, OWNER_PID, BAKE_ID,"
                + " EXECUTION_ID, STARTED_AT, EXPIRES_AT) VALUES (?, ?, 'killed', 'builder-a', 1, ?, ?, 0, 1)",
                targetKey(), slot.recipe(),
                BakeState.of(execution).bakeId(), execution.getId());
    }

    private ScheduleStore store() {
        return new ScheduleStore(dataSource, Target.endpoint(sandbox.endpoint()).scheduleKey());
    }

    private static SsmGateway ssm() {
        return new SsmGateway(new AwsClients(AwsSettings.sandbox(sandbox.endpoint())));
    }

    private static long buildInstances(String recipe) {
        return sandbox.instances().stream().filter(i -> recipe.equals(i.tags().get(BakeTags.RECIPE))).count();
    }

    private static void awaitAll(List<Future<?>> slots) throws Exception {
        for (Future<?> slot : slots) {
            slot.get(2, java.util.concurrent.TimeUnit.MINUTES);
        }
    }

    private static Path temporaryHome() {
        try {
            return Files.createTempDirectory("amibake-schedule-test");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The schedule's events as short lines. */
    private record Told(List<String> lines) implements ScheduleEvents {

        @Override
        public void slotStarted(String recipe, ZonedDateTime slot, boolean resumed) {
            lines.add("started " + recipe + " " + slot + " " + (resumed ? "resumed" : "new"));
        }

        @Override
        public void slotSkipped(String recipe, ZonedDateTime slot, Skip why, String reason) {
            lines.add("skipped " + recipe + " " + slot + " " + reason);
        }

        @Override
        public void bakeFinished(String recipe, BakeResult result, Duration took) {
            lines.add("finished " + recipe + " " + result.status());
        }

        @Override
        public void paused(String recipe, int failuresInARow, String lastError) {
            lines.add("paused " + recipe + " " + failuresInARow);
        }

        @Override
        public void nextRun(String recipe, ZonedDateTime next) {
            lines.add("next " + recipe + " " + next);
        }
    }

    /** Does something when the run's first step starts: once per run, as each run gets its own events. */
    private static final class OnFirstStep implements BakeEvents {

        private final Runnable action;
        private boolean done;

        OnFirstStep(Runnable action) {
            this.action = action;
        }

        @Override
        public void stepStarted(String step) {
            if (!done) {
                done = true;
                action.run();
            }
        }

        @Override
        public void stepFinished(String step, String status, Duration took, String detail) {
        }

        @Override
        public void note(String step, String message) {
        }

        @Override
        public void bakeFinished(long execution, String status, Map<String, Object> summary) {
        }
    }

    /**
     * A clock moved by the test, which can wait until the timeout's watchdog has seen a move: its
     * look reads the clock, raises the stop and goes back to sleep, so once the watchdog's thread
     * sleeps again after reading the moved time, the stop is raised.
     */
    static final class WatchedClock extends Clock {

        private Instant now = Instant.parse("2026-01-01T00:00:00Z");
        private Thread watchdogAfterMove;

        void passAndAwaitLook(Duration by) {
            Thread watchdog;
            long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            synchronized (this) {
                now = now.plus(by);
                watchdogAfterMove = null;
                try {
                    while (watchdogAfterMove == null && System.nanoTime() < giveUp) {
                        wait(1000);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                watchdog = watchdogAfterMove;
            }
            while (watchdog != null && watchdog.getState() != Thread.State.TIMED_WAITING
                    && System.nanoTime() < giveUp) {
                Thread.onSpinWait();
            }
        }

        @Override
        public synchronized Instant instant() {
            if (Thread.currentThread().getName().equals("amibake-timeout")) {
                watchdogAfterMove = Thread.currentThread();
                notifyAll();
            }
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** Asks for a stop, as SIGTERM's hook or a heartbeat does, when a step starts. */
    /** Asks the bake service to stop this bake's execution when the step starts, as {@code amibake stop} does. */
    private static final class StopAt implements BakeEvents {

        private final String step;
        private final java.util.function.LongConsumer stop;
        private volatile long execution = -1;

        StopAt(String step, java.util.function.LongConsumer stop) {
            this.step = step;
            this.stop = stop;
        }

        @Override
        public void bakeStarted(long started, String bakeId) {
            execution = started;
        }

        @Override
        public void stepStarted(String started) {
            if (started.startsWith(step)) {
                stop.accept(execution);
            }
        }

        @Override
        public void stepFinished(String step, String status, Duration took, String detail) {
        }

        @Override
        public void note(String step, String message) {
        }

        @Override
        public void bakeFinished(long execution, String status, Map<String, Object> summary) {
        }
    }
}
