package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.cloud.BakeTags;
import io.amibake.engine.job.CrashPoints;
import io.amibake.engine.job.TestImageStep;
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
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;

/**
 * Crash safety of the packaged program: a bake is killed with SIGKILL at each step boundary and
 * in the middle of each wait, and halted by the crash switch ({@link CrashPoints}) right after
 * each side effect, before its checkpoint; then {@code amibake resume} runs it to the end against
 * the same sandbox, which outlives both processes as a standalone one would. Every time: exactly
 * one instance ever launched, one image, nothing left running, no finished command sent again.
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

    /** The httpd recipe's regions: the source first. */
    private static final List<String> REGIONS = List.of("us-east-1", "us-west-2", "eu-west-1");

    private static final Pattern SENT = Pattern.compile("sent '(.+)' as (\\S+)");
    private static final Pattern SUCCEEDED = Pattern.compile("'(.+)' succeeded");

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(TIME_SCALE);

    @TempDir
    Path home;

    /**
     * Where the bake dies: killed on the first event that matches, or halted by the process itself
     * right after the call {@code crashAfter} (see {@link CrashPoints}) returned.
     */
    record KillPoint(String name, Predicate<BakeEvent> when, String crashAfter) {

        static KillPoint after(String step) {
            return new KillPoint("after " + step, e -> e.is("stepFinished", step), null);
        }

        static KillPoint inside(String step) {
            return new KillPoint("inside " + step, e -> e.is("stepStarted", step), null);
        }

        static KillPoint onNote(String step, String prefix) {
            return new KillPoint("on " + step + " note \"" + prefix + "\"", e -> e.isNote(step, prefix), null);
        }

        /** Deterministic: the side effect happened, its checkpoint was never committed. */
        static KillPoint rightAfter(String call) {
            return new KillPoint("right after " + call, e -> false, call);
        }

        /** The call's name without its {@code #N}. */
        String call() {
            return crashAfter.replaceAll("#.*", "");
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
                // Between a side effect and its checkpoint, every time: the process halts itself the
                // moment the call returns (SendCommand#3 is check-page, the third command).
                KillPoint.rightAfter("RunInstances"),
                KillPoint.rightAfter("SendCommand"),
                KillPoint.rightAfter("SendCommand#3"),
                KillPoint.rightAfter("CreateImage"),
                KillPoint.rightAfter("CopyImage"),
                KillPoint.rightAfter("PutParameter"),
                // A command seen to succeed, before that is saved: a kill racing the commit.
                KillPoint.onNote("provision", "'deploy-page' succeeded"),
                KillPoint.onNote("testImage", "launched test instance "),
                KillPoint.onNote("testImage", "sent test 'serves-page'"),
                // The copy phase: a copy under way, one region done.
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
        Map<String, String> environment = point.crashAfter() == null ? Map.of()
                : Map.of(CrashPoints.VARIABLE, point.crashAfter());
        AmibakeProcess killed = AmibakeProcess.start(home, environment,
                line -> BakeEvent.parse(line).filter(point.when()).isPresent(),
                "bake", recipeFile.toString(), "--endpoint-url", endpoint, "--home", home.toString(), "--json");
        int killedExit = killed.awaitExit();
        if (point.crashAfter() == null) {
            assertThat(killed.killedAt()).as("the bake never reached the kill point\n%s", killed.output()).isNotNull();
        } else {
            assertThat(killed.stderr()).as("the bake never reached the crash point\n%s", killed.output())
                    .contains("halted after " + point.call());
        }
        assertThat(killedExit).as("the bake ended before the kill landed\n%s", killed.output())
                .isEqualTo(AmibakeProcess.KILLED);
        List<BakeEvent> before = BakeEvent.all(killed.lines());
        Uncommitted uncommitted = point.crashAfter() == null ? null : Uncommitted.of(recipe, endpoint);

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
                .filter(i -> i.tags().get(TestImageStep.ROLE_TAG) == null).toList();
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
        if (uncommitted != null) {
            assertResumedFromTheUncommittedState(point.call(), uncommitted, before, after, images, story);
        }
    }

    /**
     * What the halted process had made but not saved, read from the sandbox before the resume:
     * the bake's instances, images, commands, and its SSM parameter's version in each region
     * (0 where it was never written).
     */
    record Uncommitted(List<SandboxInstance> instances, List<SandboxImage> images, List<SandboxCommand> commands,
                       Map<String, Long> parameterVersions) {

        static Uncommitted of(String recipe, String endpoint) {
            List<SandboxInstance> instances = sandbox.instances().stream()
                    .filter(i -> recipe.equals(i.tags().get(BakeTags.RECIPE))).toList();
            Set<String> ids = instances.stream().map(SandboxInstance::instanceId).collect(Collectors.toSet());
            return new Uncommitted(instances,
                    sandbox.images().stream().filter(i -> recipe.equals(i.tags().get(BakeTags.RECIPE))).toList(),
                    sandbox.commands().stream().filter(c -> ids.contains(c.instanceId())).toList(),
                    CrashSafetyIT.parameterVersions(recipe, endpoint));
        }
    }

    /**
     * The resume began where the halted process stopped, before its checkpoint: it made the same
     * call again and was given what the first call had made (by client token, or by name and tag),
     * except SendCommand, which has neither and is sent again (docs/bake.md).
     */
    private static void assertResumedFromTheUncommittedState(String call, Uncommitted uncommitted,
                                                             List<BakeEvent> before, List<BakeEvent> after,
                                                             List<SandboxImage> images, String story) {
        switch (call) {
            case "RunInstances" -> {
                String launched = uncommitted.instances().stream().map(SandboxInstance::instanceId)
                        .reduce((a, b) -> a + " and " + b).orElseThrow(() -> new AssertionError(
                                "RunInstances returned, yet the halted bake left no instance\n" + story));
                assertThat(after).as("the resume sent RunInstances again and got %s back\n%s", launched, story)
                        .anyMatch(e -> e.isNote("launchInstance", "launched " + launched + " "));
            }
            case "CreateImage" -> {
                SandboxImage made = uncommitted.images().stream().filter(i -> i.region().equals("us-east-1"))
                        .reduce((a, b) -> {
                            throw new AssertionError("two images before the resume\n" + story);
                        }).orElseThrow(() -> new AssertionError("no image before the resume\n" + story));
                assertThat(after).as("the resume adopted %s by name and tag\n%s", made.imageId(), story)
                        .anyMatch(e -> e.isNote("createImage", "adopted " + made.imageId() + ","));
            }
            case "CopyImage" -> {
                // The other region's copy may have been reported, and saved, in the moment the halt took.
                List<SandboxImage> unreported = uncommitted.images().stream()
                        .filter(i -> !i.region().equals("us-east-1"))
                        .filter(copy -> before.stream().noneMatch(e -> e.isNote("distribute",
                                copy.region() + ": copying as " + copy.imageId())))
                        .toList();
                assertThat(unreported).as("copies made before the halt and never reported\n%s", story).isNotEmpty();
                assertThat(unreported).as("copies the resume re-attached to by client token\n%s", story)
                        .allSatisfy(copy -> assertThat(after).anyMatch(e -> e.isNote("distribute",
                                copy.region() + ": copying as " + copy.imageId())));
            }
            case "SendCommand" -> {
                List<SandboxCommand> sent = uncommitted.commands();
                assertThat(sent).as("commands sent before the halt\n%s", story).isNotEmpty();
                List<String> unsaved = sent.get(sent.size() - 1).commands();
                long sends = sandbox.commands().stream()
                        .filter(c -> c.instanceId().equals(sent.get(0).instanceId()) && c.commands().equals(unsaved))
                        .count();
                assertThat(sends).as("SendCommand has no client token: the unsaved command is sent again\n%s", story)
                        .isEqualTo(2);
            }
            case "PutParameter" -> {
                Map<String, Long> written = uncommitted.parameterVersions();
                assertThat(written.values()).as("parameters written before the halt\n%s", story)
                        .anyMatch(v -> v > 0);
                String recipe = images.get(0).tags().get(BakeTags.RECIPE);
                Map<String, Long> afterVersions = parameterVersions(recipe, sandbox.endpoint().toString());
                // Another region's write may have been saved in the moment the halt took.
                assertThat(written.keySet()).as("regions whose parameter the resume wrote again, once\n%s", story)
                        .anyMatch(region -> written.get(region) > 0 && afterVersions.get(region) == written.get(region) + 1);
                written.forEach((region, version) -> assertThat(afterVersions.get(region))
                        .as("%s's parameter, written at most once more\n%s", region, story)
                        .isBetween(Math.max(version, 1), version + 1));
                images.forEach(image -> assertThat(parameter(recipe, image.region(), sandbox.endpoint().toString()))
                        .as("%s's parameter\n%s", image.region(), story).isEqualTo(image.imageId()));
            }
            default -> throw new IllegalArgumentException("no check for a crash after " + call);
        }
    }

    private static Map<String, Long> parameterVersions(String recipe, String endpoint) {
        Map<String, Long> versions = new java.util.TreeMap<>();
        for (String region : REGIONS) {
            try (SsmClient ssm = ssm(region, endpoint)) {
                versions.put(region, ssm.getParameter(r -> r.name(parameterName(recipe))).parameter().version());
            } catch (ParameterNotFoundException e) {
                versions.put(region, 0L);
            }
        }
        return versions;
    }

    private static String parameter(String recipe, String region, String endpoint) {
        try (SsmClient ssm = ssm(region, endpoint)) {
            return ssm.getParameter(r -> r.name(parameterName(recipe))).parameter().value();
        }
    }

    private static String parameterName(String recipe) {
        return "/amibake/" + recipe + "/latest";
    }

    private static SsmClient ssm(String region, String endpoint) {
        return SsmClient.builder().endpointOverride(java.net.URI.create(endpoint)).region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
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
