package io.amibake.engine.job;

import io.amibake.engine.api.Target;
import io.amibake.cloud.BakeTags;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.store.WaitHistory;
import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxOptions;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.ClassUtils;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A recipe baked night after night in one job repository: what each bake stores stays the same
 * size, every manifest tells the truth, and a final save that fails is not a success.
 */
@SpringBootTest(classes = {AmibakeConfiguration.class, NightlyBakesTest.Saves.class}, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:nightly",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "amibake.poll-min-delay=10ms"})
class NightlyBakesTest {

    /** A bake's ten minutes of AWS time take a fraction of a second. */
    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.0005);

    private static final Path RECIPE = Path.of("src/test/resources/recipes/nightly.yaml");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    private BakeService runner;

    @Autowired
    private DataSource dataSource;

    @Autowired
    private Saves saves;

    @Autowired
    private JobRepository repository;

    @TempDir
    Path manifests;

    @AfterEach
    void saveNormally() {
        saves.failFinalSave = false;
    }

    @Test
    void eightNightsOfBakesKeepEachBakesContextTheSameSize() throws Exception {
        // given
        List<Long> sizes = new ArrayList<>();

        // when
        for (int night = 1; night <= 8; night++) {
            BakeResult result = bake("nightly", night);

            // then every bake completes, and its manifest says so with its requests
            assertThat(result.status()).as("night %d: %s", night, result.error()).isEqualTo("COMPLETED");
            JsonNode manifest = JSON.readTree(Files.readString(result.manifest()));
            assertThat(manifest.get("status").asString()).isEqualTo("COMPLETED");
            assertThat(manifest.get("requests").get("RunInstances").asLong()).isEqualTo(1);
            assertThat(manifest.get("requests").get("CopyImage").asLong()).isEqualTo(1);
            sizes.add(contextSize(result.executionId()));
        }

        // then a bake's context holds its own state only, however many bakes came before
        assertThat(Collections.max(sizes.subList(5, 8)))
                .as("context bytes of each bake: %s", sizes)
                .isLessThan(Collections.max(sizes.subList(0, 3)) * 5 / 4);
        // and what they learned is kept once, bounded
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        List<String> kept = jdbc.queryForList("SELECT MILLIS FROM AMIBAKE_WAIT_HISTORY WHERE RECIPE = 'nightly'",
                String.class);
        assertThat(kept).isNotEmpty().hasSizeLessThanOrEqualTo(WaitHistory.MAX_KEYS)
                .allSatisfy(millis -> assertThat(millis.split(",")).hasSizeLessThanOrEqualTo(WaitHistory.KEEP));
    }

    @Test
    void aFinalSaveThatFailsFailsTheBakeAndItsManifestSaysWhatTheRepositoryHolds() throws Exception {
        // given the repository refuses the bake's final state, as a full one does
        saves.failFinalSave = true;

        // when
        BakeResult result = bake("unsaved", 1);

        // then the bake, its manifest and the repository agree: it failed
        assertThat(result.status()).isEqualTo("FAILED");
        assertThat(result.error()).contains("could not save the bake's final state");
        JsonNode manifest = JSON.readTree(Files.readString(result.manifest()));
        assertThat(manifest.get("status").asString()).isEqualTo("FAILED");
        assertThat(runner.execution(result.executionId()).orElseThrow().getStatus().name()).isEqualTo("FAILED");
    }

    @Test
    void aResumeAfterTheCloudLostItsStateNoticesEveryVanishedResourceAndCompletesInOneGo() throws Exception {
        // given a bake that failed copying its image, in a cloud that then lost all it had made: a
        // sandbox restarted on the same endpoint, which knows nothing the bake made
        URI endpoint;
        BakeResult failed;
        try (Sandbox before = Sandbox.start(SandboxOptions.defaults().withPort(0).withTimeScale(0.0005))) {
            endpoint = before.endpoint();
            before.faults().failNextImage("us-west-2");
            failed = bake("forgotten", 1, Target.endpoint(endpoint));
        }
        assertThat(failed.status()).as(failed.error()).isEqualTo("FAILED");
        try (Sandbox restarted = Sandbox.start(SandboxOptions.defaults().withPort(endpoint.getPort())
                .withTimeScale(0.0005))) {
            resumesInOneGo(failed, endpoint, restarted);
        }
    }

    private void resumesInOneGo(BakeResult failed, URI endpoint, Sandbox restarted) throws Exception {
        JobExecution last = runner.resumable("forgotten");
        List<String> notes = new java.util.concurrent.CopyOnWriteArrayList<>();
        BakeEvents events = new BakeEvents() {
            @Override
            public void stepStarted(String step) {
            }

            @Override
            public void stepFinished(String step, String status, java.time.Duration took, String detail) {
            }

            @Override
            public void note(String step, String message) {
                notes.add(step + ": " + message);
            }

            @Override
            public void bakeFinished(long execution, String status, Map<String, Object> summary) {
            }
        };

        // when
        BakeResult resumed = runner.resume(last.getId(), Target.endpoint(endpoint),
                manifests.resolve("forgotten.json"), events);

        // then one resume makes the instance, the image and both regions' images again
        assertThat(resumed.status()).as("%s%n%s", resumed.error(), notes).isEqualTo("COMPLETED");
        assertThat(notes).anySatisfy(n -> assertThat(n).contains("image " + failed.imageId() + " no longer exists"))
                .anySatisfy(n -> assertThat(n).contains("build instance").contains("no longer exists"));
        assertThat(restarted.images()).filteredOn(i -> failed.bakeId().equals(i.tags().get(BakeTags.BAKE)))
                .extracting(i -> i.region() + " " + i.state())
                .containsExactlyInAnyOrder("us-east-1 available", "us-west-2 available");
        assertThat(restarted.instances()).filteredOn(i -> failed.bakeId().equals(i.tags().get(BakeTags.BAKE)))
                .singleElement().satisfies(i -> assertThat(i.state()).isEqualTo("terminated"));
        JsonNode manifest = JSON.readTree(Files.readString(resumed.manifest()));
        assertThat(manifest.get("regions").get("us-east-1").get("imageId").asString()).isEqualTo(resumed.imageId());
        // without waiting out the grace of a new instance for one launched by the earlier run
        assertThat(restarted.stats().byOperation().getOrDefault("DescribeInstances", 0L)).isLessThan(20);
    }

    @Test
    void aBakeWhoseContextCarriesTheOldMergedHistoryResumesWithoutCarryingItOn() throws Exception {
        // given a failed bake whose context holds what earlier versions copied into every bake
        sandbox.faults().failCommand("nightly-marker", 1, "disk full", 1);
        BakeResult failed = bake("legacy", 1);
        sandbox.faults().clear();
        assertThat(failed.status()).isEqualTo("FAILED");
        JobExecution last = runner.resumable("legacy");
        Map<String, List<Long>> merged = new java.util.HashMap<>();
        for (int key = 0; key < 100; key++) {
            merged.put("COMMAND:step-" + key, new ArrayList<>(Collections.nCopies(40, 1234L)));
        }
        last.getExecutionContext().put("waits.observed", merged);
        repository.updateExecutionContext(last);

        // when
        BakeResult resumed = runner.resume(last.getId(), Target.endpoint(sandbox.endpoint()),
                manifests.resolve("legacy.json"), BakeEvents.NONE);

        // then
        assertThat(resumed.status()).as(resumed.error()).isEqualTo("COMPLETED");
        assertThat(runner.execution(resumed.executionId()).orElseThrow().getExecutionContext()
                .containsKey("waits.observed")).isFalse();
        assertThat(contextSize(resumed.executionId())).isLessThan(contextSize(last.getId()) / 2);
    }

    private BakeResult bake(String recipe, int night) throws Exception {
        return bake(recipe, night, Target.endpoint(sandbox.endpoint()));
    }

    private BakeResult bake(String recipe, int night, Target target) throws Exception {
        String yaml = Files.readString(RECIPE).replace("name: nightly", "name: " + recipe);
        Map<String, String> variables = Map.of("night", String.valueOf(night));
        return runner.start(BakeRequest.of(yaml, RECIPE.toString(), variables), target,
                manifests.resolve(recipe + "-" + night + ".json"), BakeEvents.NONE);
    }

    private long contextSize(long execution) {
        return new JdbcTemplate(dataSource).queryForObject("SELECT COALESCE(LENGTH(SERIALIZED_CONTEXT),"
                + " LENGTH(SHORT_CONTEXT)) FROM BATCH_JOB_EXECUTION_CONTEXT WHERE JOB_EXECUTION_ID = ?",
                Long.class, execution);
    }

    /** Lets a test make the job repository refuse a bake's last save of its context. */
    @TestConfiguration
    static class Saves implements BeanPostProcessor {

        volatile boolean failFinalSave;

        @Override
        public Object postProcessAfterInitialization(Object bean, String name) {
            if (!(bean instanceof JobRepository repository)) {
                return bean;
            }
            return Proxy.newProxyInstance(getClass().getClassLoader(), ClassUtils.getAllInterfaces(bean),
                    (proxy, method, args) -> {
                        // The job's end time is set just before its listeners' last save.
                        if (failFinalSave && method.getName().equals("updateExecutionContext")
                                && args[0] instanceof JobExecution job && job.getEndTime() != null) {
                            throw new DataIntegrityViolationException("data exception: string data, right truncation");
                        }
                        try {
                            return method.invoke(repository, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }
    }
}
