package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.bake.BakeTags;
import io.amibake.bake.TestImageStep;
import io.amibake.sandbox.SandboxCommand;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crash safety of the packaged program: a bake is killed with SIGKILL at each step boundary and
 * in the middle of each wait, then {@code amibake resume} runs it to the end against the same
 * sandbox, which outlives both processes as a standalone one would. Every time: exactly one
 * instance ever launched, one image, nothing left running, no finished command sent again.
 */
@Execution(ExecutionMode.CONCURRENT)
class CrashSafetyIT {

    /**
     * Sandbox time runs 100 times faster: waits of 0.2 to 2.4 s, long enough for a kill to land
     * inside them, short enough for the suite to take minutes.
     */
    private static final double TIME_SCALE = 0.01;

    /** The httpd recipe's SSM commands: packages, two provisioning steps, two cleanup steps. */
    private static final int COMMANDS = 5;

    private static final Pattern SENT = Pattern.compile("sent '(.+)' as (\\S+)");
    private static final Pattern SUCCEEDED = Pattern.compile("'(.+)' succeeded");

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(TIME_SCALE);

    @TempDir
    Path home;

    /** Where the bake dies: on the first event that matches. */
    record KillPoint(String name, Predicate<BakeEvent> when) {

        static KillPoint after(String step) {
            return new KillPoint("after " + step, e -> e.is("stepFinished", step));
        }

        static KillPoint inside(String step) {
            return new KillPoint("inside " + step, e -> e.is("stepStarted", step));
        }

        static KillPoint onNote(String step, String prefix) {
            return new KillPoint("on " + step + " note \"" + prefix + "\"", e -> e.isNote(step, prefix));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<KillPoint> killPoints() {
        return Stream.of(
                // Step boundaries. stepFinished is reported before Spring Batch records the step's
                // end, so these kills land between a step's last commit and its COMPLETED status.
                KillPoint.after("prepare"),
                KillPoint.after("resolveSource"),
                KillPoint.after("launchInstance"),
                KillPoint.after("waitForAgent"),
                KillPoint.after("installPackages"),
                KillPoint.after("provision"),
                KillPoint.after("cleanup"),
                KillPoint.after("stopInstance"),
                KillPoint.after("createImage"),
                KillPoint.after("waitForImage"),
                KillPoint.after("terminateInstance"),
                // The middle of each wait (or just before its call, when the kill is quicker).
                KillPoint.inside("launchInstance"),
                KillPoint.inside("waitForAgent"),
                KillPoint.inside("provision"),
                KillPoint.inside("stopInstance"),
                KillPoint.inside("waitForImage"),
                KillPoint.inside("testImage"),
                KillPoint.inside("terminateInstance"),
                // Between a side effect and its checkpoint: the notes are written before the
                // step returns, so before Spring Batch commits what the step saved.
                KillPoint.onNote("launchInstance", "launched "),
                KillPoint.onNote("installPackages", "sent "),
                KillPoint.onNote("provision", "sent 'check-page'"),
                KillPoint.onNote("provision", "'deploy-page' succeeded"),
                KillPoint.onNote("createImage", "creating "),
                KillPoint.onNote("testImage", "launched test instance "),
                KillPoint.onNote("testImage", "sent test 'serves-page'"),
                // The copy phase: a copy sent but not yet saved, a copy under way, one region done.
                KillPoint.onNote("distribute", "us-west-2: copying as "),
                KillPoint.inside("copyRegion:eu-west-1"),
                KillPoint.after("copyRegion:eu-west-1"));
    }

    @ParameterizedTest(name = "killed {0}")
    @MethodSource("killPoints")
    void aBakeKilledAnywhereResumesToOneImageFromOneInstance(KillPoint point) throws Exception {
        // given a bake killed at the point, under a recipe name of its own in the shared sandbox
        String recipe = point.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("-$", "");
        Path recipeFile = recipeNamed(recipe);
        String endpoint = sandbox.endpoint().toString();
        AmibakeProcess killed = AmibakeProcess.start(home,
                line -> BakeEvent.parse(line).filter(point.when()).isPresent(),
                "bake", recipeFile.toString(), "--endpoint-url", endpoint, "--home", home.toString(), "--json");
        int killedExit = killed.awaitExit();
        assertThat(killed.killedAt()).as("the bake never reached the kill point\n%s", killed.output()).isNotNull();
        assertThat(killedExit).as("the bake ended before the kill landed\n%s", killed.output())
                .isEqualTo(AmibakeProcess.KILLED);
        List<BakeEvent> before = BakeEvent.all(killed.lines());

        // when
        AmibakeProcess resumed = AmibakeProcess.run(home, "resume", recipe, "--endpoint-url", endpoint,
                "--home", home.toString(), "--json");

        // then
        String story = killed.output() + "\n" + resumed.output();
        assertThat(resumed.exitCode()).as(story).isZero();
        List<BakeEvent> after = BakeEvent.all(resumed.lines());
        BakeEvent finished = after.stream().filter(e -> "bakeFinished".equals(e.event())).findFirst()
                .orElseThrow(() -> new AssertionError("no bakeFinished event\n" + story));
        assertThat(finished.status()).as(story).isEqualTo("COMPLETED");

        List<SandboxInstance> launched = sandbox.instances().stream()
                .filter(i -> recipe.equals(i.tags().get(BakeTags.RECIPE))).toList();
        // The image's test instance, whatever the kill interrupted, ends terminated too.
        assertThat(launched).as("test instances\n%s", story)
                .filteredOn(i -> "test".equals(i.tags().get(TestImageStep.ROLE_TAG))).isNotEmpty()
                .allSatisfy(i -> assertThat(i.state()).isEqualTo("terminated"));
        List<SandboxInstance> instances = launched.stream()
                .filter(i -> !"test".equals(i.tags().get(TestImageStep.ROLE_TAG))).toList();
        assertThat(instances).as("instances launched by the bake\n%s", story).singleElement()
                .satisfies(i -> assertThat(i.state()).isEqualTo("terminated"))
                .satisfies(i -> assertThat(i.tags()).containsEntry(BakeTags.BAKE, finished.bake()));

        // One image per region, ever: no second image, and no CopyImage that made a second copy.
        List<SandboxImage> images = sandbox.images().stream()
                .filter(i -> recipe.equals(i.tags().get(BakeTags.RECIPE))).toList();
        assertThat(images).as("images made by the bake\n%s", story)
                .extracting(SandboxImage::region).containsExactlyInAnyOrder("us-east-1", "us-west-2", "eu-west-1");
        assertThat(images).as("images made by the bake\n%s", story)
                .allSatisfy(i -> assertThat(i.state()).isEqualTo("available"))
                .allSatisfy(i -> assertThat(i.tags()).containsEntry(BakeTags.BAKE, finished.bake()))
                .filteredOn(i -> i.region().equals("us-east-1")).singleElement()
                .satisfies(i -> assertThat(i.imageId()).isEqualTo(finished.imageId()));

        assertCommandsSentOnceUnlessInFlight(instances.get(0).instanceId(), before, after, story);
    }

    /**
     * Every command ran, none that had succeeded before the kill was sent again, and only the one
     * in flight at the kill may have been sent twice (SendCommand has no client token).
     */
    private static void assertCommandsSentOnceUnlessInFlight(String instanceId, List<BakeEvent> before,
                                                            List<BakeEvent> after, String story) {
        List<SandboxCommand> sent = sandbox.commands().stream()
                .filter(c -> instanceId.equals(c.instanceId())).toList();
        Map<List<String>, Long> sends = sent.stream()
                .collect(Collectors.groupingBy(SandboxCommand::commands, Collectors.counting()));
        assertThat(sends).as("distinct commands\n%s", story).hasSize(COMMANDS);
        assertThat(sends.values()).as("sends of each command\n%s", story).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(2));
        assertThat(sent).as("sends in all\n%s", story).hasSizeBetween(COMMANDS, COMMANDS + 1);
        assertThat(sent).as("every command succeeded\n%s", story)
                .allSatisfy(c -> assertThat(c.status()).isEqualTo("Success"));

        Set<String> succeededBefore = names(before, SUCCEEDED, m -> m.group(1));
        Set<String> sentAfter = names(after, SENT, m -> m.group(1));
        assertThat(sentAfter).as("commands sent again after they had succeeded\n%s", story)
                .noneMatch(succeededBefore::contains);
    }

    private static Set<String> names(List<BakeEvent> events, Pattern pattern, Function<Matcher, String> group) {
        return events.stream().filter(e -> "note".equals(e.event()) && e.message() != null)
                .map(e -> pattern.matcher(e.message())).filter(Matcher::matches).map(group)
                .collect(Collectors.toSet());
    }

    /** The demo recipe under another name, so that concurrent bakes keep to their own resources. */
    private Path recipeNamed(String name) throws Exception {
        String yaml = Files.readString(Path.of("recipes", "httpd.yaml"));
        assertThat(yaml).contains("\nname: httpd\n");
        Path file = home.resolve(name + ".yaml");
        Files.writeString(file, yaml.replace("\nname: httpd\n", "\nname: " + name + "\n"));
        return file;
    }
}
