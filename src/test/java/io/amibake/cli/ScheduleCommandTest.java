package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.cloud.BakeTags;
import io.amibake.sandbox.SandboxImage;
import io.amibake.schedule.ScheduleStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code amibake schedule}'s start-up checks, {@code --list} and {@code schedule resume}. */
class ScheduleCommandTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.0005);

    private static final String NIGHTLY = """
            name: %s
            source:
              region: us-east-1
              ssm: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
            build:
              instanceType: t3.micro
            image:
              name: "{{recipe}}-{{date:yyyyMMdd-HHmmss}}"
            test:
              defaults: false
            schedule:
              cron: "%s"
              zone: %s
            """;

    @TempDir
    Path home;

    @TempDir
    Path recipes;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int amibake(String... args) {
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private Path recipe(String name, String cron, String zone) throws Exception {
        Path file = recipes.resolve(name + ".yaml");
        Files.writeString(file, NIGHTLY.formatted(name, cron, zone));
        return file;
    }

    /** A nightly recipe whose image name holds the secret variable {@code licenseKey}. */
    private Path secretRecipe(String name) throws Exception {
        Path file = recipe(name, "0 2 * * *", "UTC");
        Files.writeString(file, Files.readString(file).replaceFirst("\n", "\nvariables:\n  licenseKey: {secret: true}\n"
                        + "  other: default\n")
                .replace("\"{{recipe}}-{{date", "\"{{recipe}}-{{var.licenseKey}}-{{date"));
        return file;
    }

    @Test
    void aBadCronIsOneLineWithItsLocationAndExit2BeforeAnyCloudCall() throws Exception {
        // given
        Path file = recipe("broken", "0 2 * *", "Europe/Berlin");
        long before = sandbox.requests();

        // when
        int exit = amibake("schedule", recipes.toString(), "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).isEqualTo(file + ":12:9: schedule.cron: expected a cron expression such as"
                + " '0 2 * * *' (02:00 every day) or '*/30 * * * * *' (seconds first), found '0 2 * *': expected 5"
                + " fields (minute hour day month weekday) or 6 (seconds first), found 4" + System.lineSeparator());
        assertThat(sandbox.requests()).isEqualTo(before);
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // refused, else it would run on
    void aTakenHttpPortIsRefusedAtStartWithExit2() throws Exception {
        // given
        Path file = recipe("served", "0 2 * * *", "UTC");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0)) {
            // when
            int exit = amibake("schedule", file.toString(), "--endpoint-url", sandbox.endpoint().toString(),
                    "--http-port", Integer.toString(taken.getLocalPort()), "--home", home.toString());

            // then
            assertThat(exit).isEqualTo(2);
            assertThat(err.toString()).startsWith("amibake: cannot serve the console: ")
                    .contains(Integer.toString(taken.getLocalPort())).hasLineCount(1);
        }
    }

    @Test
    void anUnknownZoneIsNamedWithASuggestion() throws Exception {
        // given
        Path file = recipe("zoned", "0 2 * * *", "Europe/Paaris");

        // when
        int exit = amibake("schedule", file.toString(), "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).startsWith(file + ":13:9: schedule.zone: unknown time zone 'Europe/Paaris';"
                + " did you mean 'Europe/Paris'?");
    }

    @Test
    void aMissingDirectoryIsOneLineAndExit2() {
        // when
        int exit = amibake("schedule", recipes.resolve("nowhere").toString(), "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("amibake: " + recipes.resolve("nowhere")
                + ": no such file or directory" + System.lineSeparator());
    }

    @Test
    void aRecipeNamedOnItsOwnMustHaveASchedule() throws Exception {
        // when
        int exit = amibake("schedule", "recipes/httpd.yaml", "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).startsWith("recipes/httpd.yaml: no schedule section;");
    }

    @Test
    void theListShowsTheNextRunAndTheLastImage() throws Exception {
        // given a scheduled recipe baked once by hand
        Path file = recipe("listed", "30 4 * * *", "UTC");
        recipe("other", "*/2 * * * * *", "UTC");
        assertThat(amibake("bake", file.toString(), "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString())).as(err.toString()).isZero();
        String image = sandbox.images().stream().filter(i -> "listed".equals(i.tags().get(BakeTags.RECIPE)))
                .map(SandboxImage::imageId).findFirst().orElseThrow();
        out.getBuffer().setLength(0);

        // when
        int exit = amibake("schedule", "--list", recipes.toString(), "--home", home.toString());

        // then
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString().lines()).anySatisfy(line -> assertThat(line).startsWith("listed ")
                .contains("04:30:00 UTC").contains("none").contains(image + " (bake listed-"));
        assertThat(out.toString().lines()).anySatisfy(line -> assertThat(line).startsWith("other ")
                .endsWith("none"));
    }

    @Test
    void resumeLiftsAPauseAndSaysWhenThereIsNone() throws Exception {
        // given a paused schedule
        try (BakeContext context = BakeContext.open(home)) {
            ScheduleStore store = new ScheduleStore(context.bean(DataSource.class), "aws");
            store.failed("paused-one", "boom");
            store.pause("paused-one", "hash", Instant.now());
        }

        // when
        int first = amibake("schedule", "resume", "paused-one", "--home", home.toString());
        int second = amibake("schedule", "resume", "paused-one", "--home", home.toString());

        // then
        assertThat(first).as(err.toString()).isZero();
        assertThat(out.toString()).contains("the schedule of paused-one resumes");
        assertThat(second).isEqualTo(4);
        assertThat(err.toString()).contains("the schedule of paused-one is not paused");
    }

    @Test
    void resumeOfARecipeNoSchedulerKnowsNamesItAndExits2() {
        // when
        int exit = amibake("schedule", "resume", "nosuch", "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("amibake: no schedule of recipe 'nosuch' against aws is known to this"
                + " job repository (no slot of it ever ran here; each target, as --sandbox, --endpoint or --profile"
                + " name it, keeps its own schedule); check the name and the target, or see"
                + " 'amibake schedule --list DIR'" + System.lineSeparator());
    }

    @Test
    void resumeLiftsThePauseOfTheTargetItNames() throws Exception {
        // given the same recipe paused against the sandbox, and not against AWS
        try (BakeContext context = BakeContext.open(home)) {
            ScheduleStore sandbox = new ScheduleStore(context.bean(DataSource.class), "sandbox");
            sandbox.failed("paused-one", "boom");
            sandbox.pause("paused-one", "hash", Instant.now());
        }

        // when
        int ofAws = amibake("schedule", "resume", "paused-one", "--home", home.toString());
        int ofSandbox = amibake("schedule", "resume", "paused-one", "--sandbox", "--home", home.toString());

        // then
        assertThat(ofAws).as("AWS has no schedule of it").isEqualTo(2);
        assertThat(ofSandbox).as(err.toString()).isZero();
        assertThat(out.toString()).contains("the schedule of paused-one resumes");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // refused, else it would run on
    void aRecipeNeedingASecretNobodyGaveIsRefusedAtStartNamingItsFileAndTheVariable() throws Exception {
        // given a scheduled recipe with a secret variable, and a variables file that gives another one
        Path file = secretRecipe("licensed");
        Path vars = recipes.resolve("vars.env");
        Files.writeString(vars, "# secrets of the nightly bakes\nlicensed.other=x\n");
        recipe("plain", "0 2 * * *", "UTC");
        long before = sandbox.requests();

        // when
        int exit = amibake("schedule", file.toString(), "--var-file", vars.toString(),
                "--endpoint-url", sandbox.endpoint().toString(), "--home", home.toString());

        // then one line names the file, the variable and how to give it, and nothing reached the cloud
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().lines()).filteredOn(line -> line.contains("licenseKey")).singleElement()
                .satisfies(line -> assertThat(line).startsWith(file + ":3:3: variables.licenseKey: the secret"
                        + " variable 'licenseKey' has no value; give it to the scheduler in its --var-file"));
        assertThat(sandbox.requests()).isEqualTo(before);
    }

    @Test
    void aVariablesFileLineThatIsNoAssignmentIsNamedWithoutItsValue() throws Exception {
        // given
        Path file = secretRecipe("licensed");
        Path vars = recipes.resolve("vars.env");
        Files.writeString(vars, "licensed.licenseKey=ok\nlicenseKey s3cr3t-typed-without-equals\n");
        Files.setPosixFilePermissions(vars, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        // when
        int exit = amibake("schedule", file.toString(), "--var-file", vars.toString(), "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("amibake: " + vars + ":2: expected NAME=VALUE or RECIPE.NAME=VALUE"
                + " (a variable name is letters, digits and '_')" + System.lineSeparator());
    }

    @Test
    void aVariableThatNoScheduledRecipeDeclaresIsRefused() throws Exception {
        // given
        Path file = secretRecipe("licensed");

        // when the secret is given, and a misspelt variable beside it
        int exit = amibake("schedule", file.toString(), "--var", "licenseKey=s3cr3t", "--var", "licenceKey=x",
                "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("amibake: the variable 'licenceKey' is given, but no scheduled recipe"
                + " declares it" + System.lineSeparator());
    }

    @Test
    void theListReadsARecipeWithASecretWithoutItsValue() throws Exception {
        // given
        secretRecipe("licensed");

        // when
        int exit = amibake("schedule", "--list", recipes.toString(), "--home", home.toString());

        // then
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString().lines()).anySatisfy(line -> assertThat(line).startsWith("licensed "));
    }

    @Test
    void theListShowsASlotStoppedByItsTimeoutAsTimedOutWithItsReason() throws Exception {
        // given a recipe whose last slot timed out
        recipe("hurried", "0 2 * * *", "UTC");
        Instant slot = Instant.parse("2026-03-02T02:00:00Z");
        try (BakeContext context = BakeContext.open(home)) {
            ScheduleStore store = new ScheduleStore(context.bean(DataSource.class), "aws");
            store.claim("hurried", slot, "test", slot);
            store.finish("hurried", slot, ScheduleStore.TIMED_OUT, "the run took longer than build.timeout (2h00m)"
                    + " and was stopped", "hurried-1", 7L, null, slot.plusSeconds(7200));
        }

        // when
        int exit = amibake("schedule", "--list", recipes.toString(), "--home", home.toString());

        // then
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("2026-03-02 02:00:00 UTC timed out")
                .contains("\n  the run took longer than build.timeout (2h00m) and was stopped");
    }

    @Test
    void theListSaysWhenTheLastSlotWasLeftRunningByAGoneScheduler() throws Exception {
        // given a slot claimed by a scheduler that is gone (no heartbeat) and whose bake runs nowhere
        recipe("orphan", "0 2 * * *", "UTC");
        Instant slot = Instant.parse("2026-03-02T02:00:00Z");
        try (BakeContext context = BakeContext.open(home)) {
            new ScheduleStore(context.bean(DataSource.class), "aws").claim("orphan", slot, "host gone, pid 1", slot);
        }

        // when
        int exit = amibake("schedule", "--list", recipes.toString(), "--home", home.toString());

        // then
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("2026-03-02 02:00:00 UTC running")
                .contains("\n  left running by host gone, pid 1, which is gone; a running scheduler closes it");
    }

    @Test
    void theHelpListsTheExitCodes() {
        // when
        int exit = amibake("schedule", "--help");

        // then
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("Exit codes:").contains("--list").contains("resume");
    }
}
