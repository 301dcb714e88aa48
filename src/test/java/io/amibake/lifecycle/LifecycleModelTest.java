package io.amibake.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.cli.AmibakeConfiguration;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.BakeTags;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.LaunchRequest;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeIds;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.NothingToResumeException;
import io.amibake.engine.api.Protections.Rule;
import io.amibake.engine.api.Target;
import io.amibake.engine.run.BakeCleanup;
import io.amibake.engine.state.BakeState;
import io.amibake.recipe.RecipeLoader;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxInstance;
import io.amibake.sandbox.SandboxLaunchTemplate;
import io.amibake.sandbox.SandboxOptions;
import io.amibake.sandbox.SandboxParameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The rules of docs/lifecycle.md ({@link Rule}) checked against the sandbox's own state after every
 * operation of random sequences: bakes that pass, fail a region, fail the image test or a region's
 * deploy test, resumes (the newest failed bake, or an older one by its execution), abandons (with
 * and without {@code --delete-images}), prunes, sweeps (now, after the resumable bakes expired,
 * and during a bake), and a user protecting an image or launching an instance of one, with the
 * parameter's name changing with the bake's {@code environment}. Each sequence has its own sandbox
 * at a tiny time scale and a recipe of one to three regions (with or without a launch template and
 * deployed instances), and runs the operations through the classes the command line uses.
 * <p>
 * A failure prints the sequence's seed and every operation; {@code -Damibake.model.seed=S
 * -Damibake.model.sequences=1} runs that one sequence again. {@code -Damibake.model.sequences=2000}
 * runs more.
 */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:lifecyclemodel",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "spring.batch.jdbc.isolation-level-for-create=read-committed",
        "amibake.poll-min-delay=1ms",
        "amibake.poll-max-delay=20ms"})
class LifecycleModelTest {

    private static final int SEQUENCES = Integer.getInteger("amibake.model.sequences", 200);
    private static final long SEED = Long.getLong("amibake.model.seed", 20260321L);
    private static final int THREADS = Integer.getInteger("amibake.model.threads", 3);
    private static final double TIME_SCALE = 0.00001;
    private static final String SOURCE = "us-east-1";
    private static final List<String> TARGETS = List.of("us-west-2", "eu-west-1");
    private static final String MARKER = "model-test-ran";

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void home(DynamicPropertyRegistry registry) {
        registry.add("amibake.home", () -> home.toString());
    }

    @Autowired
    private BakeService launcher;

    @Test
    void everyRuleOfTheDocumentationHasACheckHere() {
        assertThat(CHECKS.keySet()).containsExactlyInAnyOrder(Rule.values());
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.MINUTES)
    void theRulesHoldAfterEveryOperationOfRandomSequences() throws Exception {
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<Sequence>> runs = new ArrayList<>();
        for (int i = 0; i < SEQUENCES; i++) {
            long seed = SEED + i;
            runs.add(pool.submit(() -> new Sequence(seed, launcher).run()));
        }
        List<String> failures = new ArrayList<>();
        Map<String, Integer> operations = new java.util.TreeMap<>();
        for (Future<Sequence> run : runs) {
            Sequence sequence = run.get(10, TimeUnit.MINUTES);
            sequence.counts.forEach((op, n) -> operations.merge(op, n, Integer::sum));
            if (sequence.failure != null) {
                failures.add(sequence.report());
            }
        }
        pool.shutdown();
        System.out.printf("lifecycle model: %d sequences, %s, in %d s on %d threads%n", SEQUENCES, operations,
                Duration.ofNanos(System.nanoTime() - started).toSeconds(), THREADS);
        assertThat(failures).as(String.join("\n\n", failures)).isEmpty();
    }

    // ---- the operations ----

    /** One reproducible sequence: its own sandbox and recipe, operations drawn from its seed. */
    private static final class Sequence {

        final long seed;
        final Random random;
        final BakeService launcher;
        final String recipe;
        final List<String> regions = new ArrayList<>();
        final int keep;
        final int rollback;
        /** 0: no deploy section, 1: a launch template, 2: a launch template and one instance per region. */
        final int deploy;
        final boolean instances;
        /** Whether the recipe writes an SSM parameter: without one, retention's other rules alone hold its images. */
        final boolean parameter;
        final List<String> log = new ArrayList<>();
        final Map<String, Integer> counts = new LinkedHashMap<>();
        /** Bake id to what the model knows of it: its last outcome. */
        final Map<String, String> bakes = new LinkedHashMap<>();
        final Set<String> protectedImages = new HashSet<>();
        String yaml;
        Path file;
        int version;
        String failure;
        Sandbox sandbox;
        AwsClients clients;
        Target target;
        /** Bake id to its latest execution. */
        final Map<String, Long> executions = new LinkedHashMap<>();

        Sequence(long seed, BakeService launcher) {
            this.seed = seed;
            this.random = new Random(seed);
            this.launcher = launcher;
            this.recipe = "m" + Long.toHexString(seed);
            regions.add(SOURCE);
            for (String target : TARGETS) {
                if (random.nextInt(3) > 0 && regions.size() < 1 + random.nextInt(3)) {
                    regions.add(target);
                }
            }
            keep = 1 + random.nextInt(3);
            rollback = random.nextInt(3);
            deploy = random.nextInt(3);
            instances = deploy == 2;
            parameter = random.nextInt(3) > 0;
        }

        Sequence run() {
            try {
                start();
                int length = 4 + random.nextInt(6);
                // Half the sequences begin with a bake that fails somewhere and one that passes after it: a
                // superseded failed bake is where resume --execution, abandon and retention meet.
                if (random.nextBoolean()) {
                    step(() -> bake(1 + random.nextInt(4)));
                    step(() -> bake(0));
                }
                for (int i = 0; i < length && failure == null; i++) {
                    step(this::randomOperation);
                }
            } catch (Exception e) {
                failure = "an operation threw " + e;
            } finally {
                if (clients != null) {
                    clients.close();
                }
                if (sandbox != null) {
                    sandbox.close();
                }
            }
            return this;
        }

        private void start() throws Exception {
            sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withTimeScale(TIME_SCALE)
                    .withThrottling(false));
            target = Target.endpoint(sandbox.endpoint());
            clients = new AwsClients(io.amibake.cloud.AwsSettings.sandbox(sandbox.endpoint()));
            yaml = """
                    name: %s
                    variables: {environment: dev, version: "0"}
                    source: {region: %s, ssm: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64}
                    build: {instanceType: t3.micro, instanceProfile: AmazonSSMRoleForInstancesQuickSetup}
                    provision:
                      - name: marker
                        run: echo baked > /etc/marker
                    test:
                      steps:
                        - name: marker
                          run: test -f /etc/marker && echo %s
                    image:
                      name: "{{recipe}}-{{var.version}}"
                      retention: {keep: %d, rollbackVersions: %d}
                    regions:
                      targets: %s
                    """.formatted(recipe, SOURCE, MARKER, keep, rollback, regions.subList(1, regions.size()))
                    + (parameter ? "  ssmParameter: /amibake/{{recipe}}/{{var.environment}}/latest\n" : "")
                    + (deploy > 0 ? "deploy:\n  launchTemplate: " + recipe + "-web\n" : "")
                    + (instances ? "  instances: {count: 1}\n" : "");
            file = home.resolve(recipe + ".yaml");
            Files.writeString(file, yaml);
            log.add("recipe " + recipe + ": regions " + regions + ", keep " + keep + ", rollbackVersions " + rollback
                    + (parameter ? ", an SSM parameter" : ", no SSM parameter")
                    + (deploy == 0 ? ", no deploy" : deploy == 1 ? ", a launch template"
                    : ", a launch template and one deployed instance per region"));
        }

        private interface Step {
            Operation run() throws Exception;
        }

        private void step(Step operation) throws Exception {
            if (failure != null) {
                return;
            }
            Snapshot before = Snapshot.of(sandbox);
            check(operation.run(), before);
        }

        private Operation randomOperation() throws Exception {
            boolean failed = bakes.containsValue("FAILED");
            int pick = random.nextInt(failed ? 100 : 77);
            Operation op;
            if (pick < 40) {
                op = bake(random.nextInt(10) < 5 ? 0 : 1 + random.nextInt(4));
            } else if (pick < 50) {
                op = prune();
            } else if (pick < 60) {
                op = sweep(random.nextInt(3) == 0 ? Duration.ofDays(8) : Duration.ZERO);
            } else if (pick < 70) {
                op = bakeDuringSweep();
            } else if (pick < 74) {
                op = protect();
            } else if (pick < 77) {
                op = launch();
            } else if (pick < 89) {
                op = resume(random.nextBoolean());
            } else {
                op = abandon(random.nextBoolean());
            }
            return op;
        }

        private void check(Operation op, Snapshot before) {
            sandbox.faults().clear();
            counts.merge(op.kind(), 1, Integer::sum);
            log.add(op.describe());
            Snapshot after = Snapshot.of(sandbox);
            List<String> broken = new ArrayList<>();
            CHECKS.forEach((rule, check) -> check.apply(new Checked(this, op, before, after))
                    .forEach(v -> broken.add(rule.id() + ": " + v)));
            if (!broken.isEmpty()) {
                failure = String.join("\n  ", broken);
            }
        }

        /**
         * A bake: 0 passes; 1 an image fails in a region (CreateImage or a copy); 2 the image test fails; 3 a
         * region's deploy test fails (else the image test); 4 a region's tagging fails, after its copy, before
         * it publishes.
         */
        private Operation bake(int outcome) throws Exception {
            String env = random.nextInt(3) == 0 ? "prod" : "dev";
            String fault;
            List<String> targets = regions.subList(1, regions.size());
            String region = regions.get(random.nextInt(regions.size()));
            if (outcome == 0) {
                fault = "passes";
            } else if (outcome == 1) {
                sandbox.faults().failNextImage(region);
                fault = "its image fails in " + region;
            } else if (outcome == 4) {
                sandbox.faults().failNext("CreateTags", region, "UnauthorizedOperation", 1);
                fault = "a CreateTags fails in " + region;
            } else if (outcome == 2 || !instances || targets.isEmpty()) {
                sandbox.faults().failCommand(MARKER, 1, "test failed", 1, SOURCE);
                fault = "its image test fails";
            } else {
                region = targets.get(random.nextInt(targets.size()));
                sandbox.faults().failCommand(MARKER, 1, "test failed", 1, region);
                fault = "its deploy test fails in " + region;
            }
            BakeResult result = bake(env, BakeEvents.NONE);
            return new Operation("bake", "bake (" + env + ", " + fault + ")", result, null, null);
        }

        private BakeResult bake(String env, BakeEvents events) throws Exception {
            version++;
            BakeResult result = launcher.start(BakeRequest.of(yaml, file.toString(),
                            Map.of("environment", env, "version", Integer.toString(version))), target,
                    home.resolve(recipe + "-" + version + ".json"), events);
            bakes.put(result.bakeId(), result.status());
            executions.put(result.bakeId(), result.executionId());
            return result;
        }

        private Operation resume(boolean older) throws Exception {
            JobExecution execution;
            if (older) {
                // A failed bake that a later one superseded, when there is one: resuming it must not move back.
                List<String> failed = new ArrayList<>();
                List<String> superseded = new ArrayList<>();
                for (Map.Entry<String, String> bake : bakes.entrySet()) {
                    if (bake.getValue().equals("FAILED")) {
                        failed.add(bake.getKey());
                    } else if (bake.getValue().equals("COMPLETED")) {
                        superseded.addAll(failed);
                    }
                }
                List<String> pool = superseded.isEmpty() ? failed : superseded;
                if (pool.isEmpty()) {
                    return Operation.nothing("resume --execution", "no failed bake");
                }
                execution = launcher.execution(executions.get(pool.get(random.nextInt(pool.size())))).orElseThrow();
            } else {
                try {
                    execution = launcher.resumable(recipe);
                } catch (NothingToResumeException e) {
                    return Operation.nothing("resume", e.getMessage());
                }
            }
            String bakeId = BakeState.of(execution).bakeId();
            BakeResult result = launcher.resume(execution.getId(), target, home.resolve(recipe + "-r" + version
                    + ".json"), BakeEvents.NONE);
            bakes.put(bakeId, result.status());
            executions.put(bakeId, result.executionId());
            return new Operation(older ? "resume --execution" : "resume", (older ? "resume --execution " : "resume ")
                    + bakeId, result, null, null);
        }

        private Operation abandon(boolean deleteImages) throws Exception {
            List<String> failed = bakes.entrySet().stream().filter(e -> e.getValue().equals("FAILED"))
                    .map(Map.Entry::getKey).toList();
            if (failed.isEmpty()) {
                return Operation.nothing("abandon", "no failed bake");
            }
            String bakeId = failed.get(random.nextInt(failed.size()));
            JobExecution execution = launcher.abandon(launcher.execution(executions.get(bakeId)).orElseThrow());
            bakes.put(bakeId, "ABANDONED");
            BakeState state = BakeState.of(execution);
            List<String> said = new ArrayList<>();
            BakeCleanup cleanup = new BakeCleanup(clients, Clock.systemUTC(), said::add);
            cleanup.terminateInstances(state.recipe(), bakeId);
            if (deleteImages) {
                cleanup.deleteImages(state.recipe(), bakeId);
            }
            return new Operation("abandon", "abandon " + bakeId + (deleteImages ? " --delete-images" : "") + " "
                    + said, null, bakeId, null);
        }

        private Operation prune() throws Exception {
            String env = random.nextBoolean() ? "prod" : "dev";
            List<String> said = new ArrayList<>();
            new Pruner(new Ec2Gateway(clients), new SsmGateway(clients), new LaunchTemplates(clients),
                    Clock.systemUTC()).prune(RecipeLoader.parse(yaml, file.toString(), Map.of("environment", env)),
                    said::add);
            return new Operation("prune", "prune --var environment=" + env + " " + said, null, null, null);
        }

        private Operation sweep(Duration later) {
            List<String> removed = new ArrayList<>();
            sweeper(later).sweep(regions, f -> removed.add(f.resource().id() + " (" + f.reason() + ")"));
            return new Operation("sweep", "sweep" + (later.isZero() ? "" : " " + later.toDays() + " days later") + " "
                    + removed, null, null, later);
        }

        private Sweeper sweeper(Duration later) {
            return new Sweeper(new Ec2Gateway(clients), new SsmGateway(clients), new LaunchTemplates(clients),
                    launcher::status, Clock.offset(Clock.systemUTC(), later));
        }

        /** A bake that passes, with a sweep run in the middle of its distribution. */
        private Operation bakeDuringSweep() throws Exception {
            AtomicBoolean swept = new AtomicBoolean();
            List<Sweeper.Finding> removed = new java.util.concurrent.CopyOnWriteArrayList<>();
            BakeEvents events = new BakeEvents() {
                @Override
                public void stepStarted(String step) {
                }

                @Override
                public void stepFinished(String step, String status, Duration took, String detail) {
                }

                @Override
                public void note(String step, String message) {
                    if (step.equals("distribute") && swept.compareAndSet(false, true)) {
                        sweeper(Duration.ZERO).sweep(regions, removed::add);
                    }
                }

                @Override
                public void bakeFinished(long execution, String status, Map<String, Object> summary) {
                }
            };
            BakeResult result = bake(random.nextBoolean() ? "prod" : "dev", events);
            return new Operation("bake during sweep", "bake during a sweep that removed " + removed.stream()
                    .map(f -> f.resource().id() + " of " + f.bake()).toList(), result, null, null, removed);
        }

        private Operation protect() {
            List<SandboxImage> available = sandbox.images().stream().filter(i -> i.state().equals("available"))
                    .toList();
            if (available.isEmpty()) {
                return Operation.nothing("protect", "no image");
            }
            SandboxImage image = available.get(random.nextInt(available.size()));
            new Ec2Gateway(clients).protectFromDeregistration(image.region(), image.imageId());
            protectedImages.add(image.imageId());
            return new Operation("protect", "protect " + image.imageId() + " in " + image.region(), null, null, null);
        }

        /** Someone launches an instance of one of the recipe's images, outside amibake. */
        private Operation launch() {
            List<SandboxImage> available = sandbox.images().stream().filter(i -> i.state().equals("available"))
                    .toList();
            if (available.isEmpty()) {
                return Operation.nothing("launch", "no image");
            }
            SandboxImage image = available.get(random.nextInt(available.size()));
            String id = new Ec2Gateway(clients).launch(image.region(), new io.amibake.cloud.LaunchRequest(image.imageId(),
                    "/dev/xvda", "t3.micro", null, List.of(), null, 0, Map.of("Name", "app server"), null)).id();
            return new Operation("launch", "launch " + id + " of " + image.imageId() + " in " + image.region(), null,
                    null, null);
        }

        String report() {
            return "lifecycle model: seed " + seed + " broke a rule (run it alone with -Damibake.model.seed=" + seed
                    + " -Damibake.model.sequences=1)\n  " + String.join("\n  ", log) + "\n  BROKEN " + failure;
        }
    }

    /** One operation and what the checks need of it. */
    private record Operation(String kind, String description, BakeResult result, String abandoned, Duration later,
                             List<Sweeper.Finding> sweptDuring) {

        Operation(String kind, String description, BakeResult result, String abandoned, Duration later) {
            this(kind, description, result, abandoned, later, List.of());
        }

        static Operation nothing(String kind, String why) {
            return new Operation(kind, kind + ": nothing (" + why + ")", null, null, null);
        }

        String describe() {
            return description + (result == null ? "" : " -> " + result.status() + " " + result.bakeId());
        }

        boolean removes() {
            return kind.equals("abandon") || kind.equals("sweep") || kind.equals("prune");
        }
    }

    // ---- the sandbox's state, and the rules checked on it ----

    /** What the sandbox holds at one moment. */
    private record Snapshot(Map<String, SandboxImage> images, List<SandboxInstance> instances,
                            List<SandboxParameter> parameters, List<SandboxLaunchTemplate> templates) {

        static Snapshot of(Sandbox sandbox) {
            Map<String, SandboxImage> images = new LinkedHashMap<>();
            sandbox.images().stream().filter(i -> !i.state().equals("deregistered"))
                    .forEach(i -> images.put(i.imageId(), i));
            List<SandboxInstance> alive = sandbox.instances().stream()
                    .filter(i -> !Set.of("terminated", "shutting-down").contains(i.state())).toList();
            return new Snapshot(images, alive, sandbox.parameters(), sandbox.launchTemplates());
        }

        boolean registered(String imageId) {
            return images.containsKey(imageId);
        }

        Optional<SandboxImage> image(String imageId) {
            return Optional.ofNullable(images.get(imageId));
        }

        List<SandboxInstance> deployed() {
            return instances.stream().filter(i -> "deploy".equals(i.tags().get(BakeTags.ROLE))).toList();
        }

        /** The newest available image published in the region and not failed since, if any. */
        Optional<SandboxImage> newestPublished(String region) {
            return images.values().stream().filter(i -> i.region().equals(region) && good(i)
                            && i.tags().containsKey(BakeTags.PUBLISHED))
                    .max(Comparator.comparing(SandboxImage::createdAt));
        }
    }

    private record Checked(Sequence sequence, Operation op, Snapshot before, Snapshot after) {
    }

    private static boolean good(SandboxImage image) {
        return image.state().equals("available") && !"failed".equals(image.tags().get(BakeTags.TEST));
    }

    private static Instant bakeStart(String bakeId) {
        return io.amibake.engine.api.BakeIds.startedAt(bakeId).orElse(Instant.EPOCH);
    }

    private static Instant bakeStartOfImage(Snapshot snapshot, String imageId) {
        return snapshot.image(imageId).map(i -> bakeStart(i.tags().get(BakeTags.BAKE))).orElse(Instant.EPOCH);
    }

    /** Every pointer at an image: each parameter in its region, each template's default. */
    private static Map<String, String> pointers(Snapshot snapshot) {
        Map<String, String> pointers = new LinkedHashMap<>();
        snapshot.parameters().forEach(p -> pointers.put(p.region() + " " + p.name(), p.value()));
        snapshot.templates().forEach(t -> pointers.put(t.region() + " " + t.name() + " default",
                t.images().get(t.defaultVersion())));
        return pointers;
    }

    /** Each rule of {@link Rule}, as a check of the sandbox's state before and after one operation. */
    private static final Map<Rule, Function<Checked, List<String>>> CHECKS = new EnumMap<>(Rule.class);

    static {
        CHECKS.put(Rule.PARAMETER, c -> c.after().parameters().stream()
                .filter(p -> !c.after().registered(p.value()))
                .map(p -> p.region() + " " + p.name() + " names " + p.value() + ", which is gone").toList());
        CHECKS.put(Rule.TEMPLATE, c -> c.after().templates().stream()
                .flatMap(t -> java.util.stream.Stream.of(t.defaultVersion(), t.latestVersion())
                        .filter(v -> t.images().get(v) != null && !c.after().registered(t.images().get(v)))
                        .map(v -> t.region() + " " + t.name() + " v" + v + " launches " + t.images().get(v)
                                + ", which is gone"))
                .toList());
        CHECKS.put(Rule.ROLLBACK, c -> {
            List<String> broken = new ArrayList<>();
            for (SandboxLaunchTemplate t : c.after().templates()) {
                List<Long> below = t.images().headMap(t.defaultVersion()).keySet().stream()
                        .sorted(Comparator.reverseOrder()).toList();
                boolean everyVersion = c.op().kind().equals("sweep") || c.op().kind().equals("abandon");
                int pinned = everyVersion ? below.size() : Math.min(below.size(), c.sequence().rollback);
                for (long v : below.subList(0, pinned)) {
                    String image = t.images().get(v);
                    if (c.before().registered(image) && !c.after().registered(image)) {
                        broken.add(t.region() + " " + t.name() + " v" + v + " launches " + image + ", removed by "
                                + c.op().kind());
                    }
                }
            }
            return broken;
        });
        CHECKS.put(Rule.INSTANCE, c -> c.after().instances().stream()
                .filter(i -> c.before().registered(i.imageId()) && !c.after().registered(i.imageId()))
                .map(i -> i.instanceId() + " runs " + i.imageId() + ", which is gone").toList());
        CHECKS.put(Rule.PROTECTED, c -> c.sequence().protectedImages.stream()
                .filter(id -> !c.after().registered(id)).map(id -> id + " was protected and is gone").toList());
        CHECKS.put(Rule.NEWEST_PASSED, c -> {
            List<String> broken = new ArrayList<>();
            for (String region : c.sequence().regions) {
                c.before().newestPublished(region).ifPresent(newest -> {
                    boolean newer = c.after().newestPublished(region)
                            .filter(i -> i.createdAt().isAfter(newest.createdAt())).isPresent();
                    if (!c.after().registered(newest.imageId()) && !newer) {
                        broken.add(region + ": " + newest.imageId() + ", the newest published image, is gone");
                    }
                });
            }
            return broken;
        });
        CHECKS.put(Rule.FAILED_NOT_COUNTED, c -> {
            if (!c.op().kind().equals("prune") && c.op().result() == null) {
                return List.of();
            }
            List<String> broken = new ArrayList<>();
            for (String region : c.sequence().regions) {
                Map<String, SandboxImage> all = new LinkedHashMap<>();
                c.before().images().values().stream().filter(i -> i.region().equals(region) && good(i))
                        .forEach(i -> all.put(i.imageId(), i));
                c.after().images().values().stream().filter(i -> i.region().equals(region) && good(i))
                        .forEach(i -> all.put(i.imageId(), i));
                all.values().stream().sorted(Comparator.comparing(SandboxImage::createdAt).reversed())
                        .limit(c.sequence().keep)
                        .filter(i -> c.before().registered(i.imageId()) && !c.after().registered(i.imageId()))
                        .forEach(i -> broken.add(region + ": " + i.imageId() + ", among the newest "
                                + c.sequence().keep + " that did not fail, is gone"));
            }
            return broken;
        });
        CHECKS.put(Rule.PRODUCT, c -> {
            if (!c.op().kind().equals("abandon") && !c.op().kind().equals("sweep")) {
                return List.of();
            }
            return c.before().images().values().stream().filter(i -> i.state().equals("available"))
                    .filter(i -> i.tags().containsKey(BakeTags.PUBLISHED)
                            || "COMPLETED".equals(c.sequence().bakes.get(i.tags().get(BakeTags.BAKE))))
                    .filter(i -> !c.after().registered(i.imageId()))
                    .map(i -> i.imageId() + " in " + i.region() + ", a product, was removed by " + c.op().kind())
                    .toList();
        });
        CHECKS.put(Rule.DEPLOYED, c -> {
            List<String> broken = new ArrayList<>();
            Set<String> alive = new HashSet<>(c.after().deployed().stream().map(SandboxInstance::instanceId).toList());
            for (SandboxInstance old : c.before().deployed()) {
                if (alive.contains(old.instanceId())) {
                    continue;
                }
                Instant oldBake = bakeStart(old.tags().get(BakeTags.BAKE));
                boolean replaced = c.after().deployed().stream().anyMatch(i -> i.region().equals(old.region())
                        && bakeStart(i.tags().get(BakeTags.BAKE)).isAfter(oldBake));
                if (c.op().removes() || !replaced) {
                    broken.add(old.instanceId() + " in " + old.region() + " passed its deploy test and was"
                            + " terminated by " + c.op().kind() + (replaced ? "" : " without a later bake's"
                            + " instance serving there"));
                }
            }
            return broken;
        });
        CHECKS.put(Rule.RUNNING_BAKE, c -> c.op().result() == null ? List.of() : c.op().sweptDuring().stream()
                .filter(f -> c.op().result().bakeId().equals(f.bake()))
                .map(f -> "a sweep during the bake removed " + f.resource().id() + " of it").toList());
        CHECKS.put(Rule.RESUMABLE_BAKE, c -> {
            if (!c.op().kind().equals("sweep")) {
                return List.of();
            }
            Instant sweptAt = Instant.now().plus(c.op().later());
            List<String> broken = new ArrayList<>();
            for (SandboxInstance i : c.before().instances()) {
                String bake = i.tags().get(BakeTags.BAKE);
                String expires = i.tags().get(BakeTags.EXPIRES);
                boolean expired = expires != null && Instant.parse(expires).isBefore(sweptAt);
                if ("FAILED".equals(c.sequence().bakes.get(bake)) && !expired
                        && c.after().instances().stream().noneMatch(a -> a.instanceId().equals(i.instanceId()))) {
                    broken.add(i.instanceId() + " of resumable bake " + bake + " was swept");
                }
            }
            c.before().images().values().stream().filter(i -> "FAILED".equals(c.sequence().bakes.get(
                            i.tags().get(BakeTags.BAKE))) && !c.after().registered(i.imageId()))
                    .forEach(i -> broken.add(i.imageId() + " of resumable bake " + i.tags().get(BakeTags.BAKE)
                            + " was swept"));
            return broken;
        });
        CHECKS.put(Rule.TESTED_MOVE, c -> pointers(c.after()).entrySet().stream()
                .filter(p -> c.after().image(p.getValue()).map(i -> !i.tags().containsKey(BakeTags.PUBLISHED)
                        || "failed".equals(i.tags().get(BakeTags.TEST))).orElse(false))
                .map(p -> p.getKey() + " names " + p.getValue() + ", which was not published there or failed")
                .toList());
        CHECKS.put(Rule.NEVER_BACKWARDS, c -> {
            List<String> broken = new ArrayList<>();
            Map<String, String> before = pointers(c.before());
            pointers(c.after()).forEach((pointer, image) -> {
                String was = before.get(pointer);
                if (was != null && !was.equals(image)
                        && bakeStartOfImage(c.after(), image).isBefore(bakeStartOfImage(c.before(), was))) {
                    broken.add(pointer + " went back from " + was + " to " + image);
                }
            });
            for (String region : c.sequence().regions) {
                Instant was = newestDeployed(c.before(), region);
                Instant now = newestDeployed(c.after(), region);
                if (was != null && (now == null || now.isBefore(was))) {
                    broken.add(region + ": the deployed instances went back from a bake of " + was + " to " + now);
                }
            }
            return broken;
        });
    }

    private static Instant newestDeployed(Snapshot snapshot, String region) {
        return snapshot.deployed().stream().filter(i -> i.region().equals(region))
                .map(i -> bakeStart(i.tags().get(BakeTags.BAKE))).max(Comparator.naturalOrder()).orElse(null);
    }
}
