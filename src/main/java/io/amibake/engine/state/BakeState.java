package io.amibake.engine.state;

import io.amibake.engine.store.BakeSecrets;
import io.amibake.engine.api.SecretNeededException;
import io.amibake.engine.store.WaitHistory;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeException;
import io.amibake.recipe.RecipeLoader;
import io.amibake.recipe.Templates;
import io.amibake.text.Redactor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * A bake's typed state. Values live in the job's execution context, which a restart inherits,
 * and every write also lands in the current step's context, which Spring Batch commits when the
 * step returns {@code CONTINUABLE}: that commit is the checkpoint. Steps never touch string keys.
 */
public final class BakeState {

    private static final String RECIPE_YAML = "recipe.yaml";
    private static final String RECIPE_FILE = "recipe.file";
    private static final String VARIABLES = "recipe.variables";
    /** The names of the recipe's secret variables; their values are never stored (see {@link BakeSecrets}). */
    private static final String SECRETS = "recipe.secrets";
    /**
     * What a secret variable stands for where its value is not known (status, report, another
     * process): a plain word, so that every template still renders and checks. It never reaches
     * the cloud: a run is refused without the values ({@link #requireSecrets}).
     */
    private static final String UNKNOWN_SECRET = "secretNotGiven";
    private static final String STARTED_AT = "bake.startedAt";
    private static final String FIRST_EXECUTION = "bake.firstExecution";
    private static final String IMAGE_NAME = "image.name";
    private static final String IMAGE_DESCRIPTION = "image.description";
    private static final String SOURCE_IMAGE = "source.imageId";
    private static final String SOURCE_ROOT_DEVICE = "source.rootDevice";
    private static final String INSTANCE = "instance.id";
    private static final String LAUNCHED_AT = "instance.launchedAt";
    private static final String SEEN = "instance.seen";
    private static final String LAUNCH_ATTEMPT = "instance.launchAttempt";
    private static final String STARTED_IN = "instance.startedIn";
    private static final String IMAGE_CREATED_AT = "image.createdAt";
    private static final String COMMANDS_DONE = "commands.done";
    private static final String COMMANDS_DONE_ON = "commands.doneOn";
    private static final String PENDING_COMMAND = "commands.pending";
    /** The key of the source region's image id in the job's context, for readers without Spring Batch. */
    public static final String IMAGE = "image.id";
    private static final String SNAPSHOTS = "image.snapshots";
    /**
     * Where bakes before the wait history table kept every wait they had learned of, copied from
     * bake to bake and growing without bound. Never read; a resume drops it.
     */
    private static final String LEGACY_WAITS = "waits.observed";
    private static final String REQUESTS = "requests";
    private static final String RETRIES = "requests.retried";

    private final JobExecution job;
    private final StepExecution step;
    private Recipe recipe;
    private Map<String, String> given = Map.of();

    private BakeState(JobExecution job, StepExecution step) {
        this.job = job;
        this.step = step;
    }

    /** The state of a whole job, outside any step: for listeners and commands, read-mostly. */
    public static BakeState of(JobExecution job) {
        return new BakeState(job, null);
    }

    /** A step's state within a run, whose recipe the run has already parsed (the run's, in engine.job). */
    public static BakeState of(ChunkContext chunk, Recipe recipe) {
        StepExecution step = chunk.getStepContext().getStepExecution();
        BakeState state = new BakeState(step.getJobExecution(), step);
        state.recipe = recipe;
        return state;
    }

    /** A job's state within a run, whose recipe the run has already parsed. */
    public static BakeState of(JobExecution job, Recipe recipe) {
        BakeState state = of(job);
        state.recipe = recipe;
        return state;
    }

    public String bakeId() {
        return job.getJobParameters().getString(BakeParameters.BAKE);
    }

    public String recipeName() {
        return job.getJobParameters().getString(BakeParameters.RECIPE);
    }

    public long executionId() {
        return job.getId();
    }

    /** The recipe as it was when the bake started (or as {@code resume --recipe} replaced it). */
    public Recipe recipe() {
        if (recipe == null) {
            try {
                recipe = RecipeLoader.parse(recipeYaml(), recipeFile(), variablesWithSecrets());
            } catch (RecipeException e) {
                throw new IllegalStateException("the recipe stored with bake " + bakeId() + " no longer loads:\n"
                        + e.report(), e);
            }
        }
        return recipe;
    }

    /** The region the build runs in and the image is made. */
    public String sourceRegion() {
        return recipe().source().region();
    }

    public String recipeYaml() {
        return getString(RECIPE_YAML);
    }

    public String recipeFile() {
        return getString(RECIPE_FILE);
    }

    @SuppressWarnings("unchecked")
    public Map<String, String> variables() {
        Object value = get(VARIABLES);
        return value == null ? Map.of() : (Map<String, String>) value;
    }

    /**
     * Stores the recipe with the bake: its text, its file and its variables, except the values of
     * secret ones, of which only the names are kept.
     */
    public void recipe(String yaml, String file, Map<String, String> variables) {
        Recipe parsed;
        try {
            parsed = RecipeLoader.parse(yaml, file, variables);
        } catch (RecipeException e) {
            throw new IllegalArgumentException("the recipe given to bake " + bakeId() + " does not load:\n"
                    + e.report(), e);
        }
        recipe(yaml, file, variables, parsed.secrets());
        recipe = null;
    }

    /** Stores the recipe with the bake, given the names of its secret variables. */
    public void recipe(String yaml, String file, Map<String, String> variables, Collection<String> secrets) {
        Map<String, String> kept = new HashMap<>(variables);
        kept.keySet().removeAll(secrets);
        put(RECIPE_YAML, yaml);
        put(RECIPE_FILE, file);
        put(VARIABLES, kept);
        put(SECRETS, new ArrayList<>(secrets));
    }

    /** The names of the recipe's secret variables, whose values are not stored. */
    @SuppressWarnings("unchecked")
    public List<String> secretNames() {
        Object value = get(SECRETS);
        return value == null ? List.of() : (List<String>) value;
    }

    /**
     * This state with the secret values given again (on {@code resume --var}), for reading the
     * recipe outside its run, e.g. to compare it with an edited one.
     */
    public BakeState withSecrets(Map<String, String> values) {
        given = Map.copyOf(values);
        recipe = null;
        return this;
    }

    /**
     * Refuses, before any cloud call, a resume without the values of the bake's secret variables,
     * naming the first one missing and how to give it.
     */
    public void requireSecrets(Map<String, String> values) {
        for (String name : secretNames()) {
            if (!values.containsKey(name) && !BakeSecrets.of(bakeId()).containsKey(name)) {
                throw new SecretNeededException("bake " + bakeId() + " needs the secret variable '" + name
                        + "', whose value amibake never stores: give it again with --var " + name + "=VALUE");
            }
        }
    }

    /** The values of the secret variables known for this bake: given again, or kept for its run. */
    Map<String, String> secretValues() {
        Map<String, String> values = new HashMap<>();
        for (String name : secretNames()) {
            String value = given.containsKey(name) ? given.get(name) : BakeSecrets.of(bakeId()).get(name);
            if (value != null) {
                values.put(name, value);
            }
        }
        return values;
    }

    private Map<String, String> variablesWithSecrets() {
        Map<String, String> all = new HashMap<>(variables());
        Map<String, String> known = secretValues();
        for (String name : secretNames()) {
            all.put(name, known.getOrDefault(name, UNKNOWN_SECRET));
        }
        return all;
    }

    /**
     * The name of the SSM parameter this bake writes in every region, rendered at the bake's start
     * like the image's name; null when the recipe writes none.
     */
    public String parameterName() {
        String template = recipe().regions().ssmParameter();
        return template == null ? null : Templates.render(template, recipe(), startedAt());
    }

    public Instant startedAt() {
        String value = getString(STARTED_AT);
        return value == null ? null : Instant.parse(value);
    }

    public void startedAt(Instant at) {
        put(STARTED_AT, at.toString());
        put(FIRST_EXECUTION, executionId());
    }

    /** The execution the bake started in; its resumes run in later ones. */
    public long firstExecution() {
        Object value = get(FIRST_EXECUTION);
        return value == null ? executionId() : ((Number) value).longValue();
    }

    /**
     * The image's name, whole while the bake's secrets are known (its run); stored with each
     * secret value in it as {@code [secret NAME]}, which is what everyone else reads.
     */
    public String imageName() {
        return Redactor.of(secretValues()).restore(getString(IMAGE_NAME));
    }

    public String imageDescription() {
        return Redactor.of(secretValues()).restore(getString(IMAGE_DESCRIPTION));
    }

    public void imageNaming(String name, String description) {
        Redactor secrets = Redactor.of(secretValues());
        put(IMAGE_NAME, secrets.redact(name));
        put(IMAGE_DESCRIPTION, secrets.redact(description));
    }

    public String sourceImageId() {
        return getString(SOURCE_IMAGE);
    }

    /** The source image's root device name, which the launch configures. */
    public String sourceRootDevice() {
        String device = getString(SOURCE_ROOT_DEVICE);
        return device == null ? "/dev/xvda" : device;
    }

    public void sourceImage(String id, String rootDevice) {
        put(SOURCE_IMAGE, id);
        put(SOURCE_ROOT_DEVICE, rootDevice);
    }

    public String instanceId() {
        return getString(INSTANCE);
    }

    public void instanceId(String id) {
        put(INSTANCE, id);
    }

    public Instant launchedAt() {
        String value = getString(LAUNCHED_AT);
        return value == null ? null : Instant.parse(value);
    }

    public void launchedAt(Instant at) {
        put(LAUNCHED_AT, at.toString());
    }

    /** Records that EC2 has shown the current build instance: it is no longer new. */
    public void instanceSeen() {
        if (!wasInstanceSeen()) {
            put(SEEN, instanceId());
        }
    }

    /**
     * Whether EC2 has shown the current build instance. One it never showed may still be
     * unknown to it for a moment after the launch; one it showed and no longer knows is gone.
     */
    public boolean wasInstanceSeen() {
        String id = instanceId();
        return id != null && id.equals(getString(SEEN));
    }

    /** How many instances this bake has launched; part of the launch client token. */
    public int launchAttempt() {
        Object value = get(LAUNCH_ATTEMPT);
        return value == null ? 0 : (Integer) value;
    }

    public void launchAttempt(int attempt) {
        put(LAUNCH_ATTEMPT, attempt);
    }

    /**
     * The execution that last started the build instance from stopped, or -1: a command sent
     * before that was cut short by the stop and will never report.
     */
    public long instanceStartedIn() {
        Object value = get(STARTED_IN);
        return value == null ? -1 : ((Number) value).longValue();
    }

    public void instanceStartedIn(long execution) {
        put(STARTED_IN, execution);
    }

    /** When CreateImage answered, or null: the image may be unknown to DescribeImages for a while. */
    public Instant imageCreatedAt() {
        String value = getString(IMAGE_CREATED_AT);
        return value == null ? null : Instant.parse(value);
    }

    public void imageCreatedAt(Instant at) {
        put(IMAGE_CREATED_AT, at == null ? null : at.toString());
    }

    /** Keys of the commands that completed on the current build instance. */
    @SuppressWarnings("unchecked")
    public List<String> commandsDone() {
        Object on = get(COMMANDS_DONE_ON);
        if (on == null || !on.equals(instanceId())) {
            return List.of();
        }
        Object value = get(COMMANDS_DONE);
        return value == null ? List.of() : List.copyOf((List<String>) value);
    }

    public void commandDone(String key) {
        List<String> done = new ArrayList<>(commandsDone());
        done.add(key);
        put(COMMANDS_DONE, done);
        put(COMMANDS_DONE_ON, instanceId());
        put(PENDING_COMMAND, null);
    }

    /** The command sent but not yet seen to end, as {@code key=commandId}, or null. */
    public String pendingCommand() {
        return getString(PENDING_COMMAND);
    }

    public void pendingCommand(String keyAndId) {
        put(PENDING_COMMAND, keyAndId);
    }

    public String imageId() {
        return getString(IMAGE);
    }

    public void imageId(String id) {
        put(IMAGE, id);
    }

    @SuppressWarnings("unchecked")
    public List<String> snapshotIds() {
        Object value = get(SNAPSHOTS);
        return value == null ? List.of() : (List<String>) value;
    }

    public void snapshotIds(List<String> ids) {
        put(SNAPSHOTS, new ArrayList<>(ids));
    }

    /** Drops what older versions of amibake copied into every bake's context (see {@link WaitHistory}). */
    public void dropLegacyWaits() {
        put(LEGACY_WAITS, null);
    }

    /** Requests sent by every run of this bake so far, by operation. */
    @SuppressWarnings("unchecked")
    public Map<String, Long> requests() {
        Object value = get(REQUESTS);
        return value == null ? Map.of() : (Map<String, Long>) value;
    }

    public void requests(Map<String, Long> requests) {
        put(REQUESTS, new HashMap<>(requests));
    }

    /** Requests the SDK sent again after throttling or a transient error, by operation, every run. */
    @SuppressWarnings("unchecked")
    public Map<String, Long> retries() {
        Object value = get(RETRIES);
        return value == null ? Map.of() : (Map<String, Long>) value;
    }

    public void retries(Map<String, Long> retries) {
        put(RETRIES, new HashMap<>(retries));
    }

    private String getString(String key) {
        Object value = get(key);
        return value == null ? null : value.toString();
    }

    private Object get(String key) {
        if (step != null && step.getExecutionContext().containsKey(key)) {
            return step.getExecutionContext().get(key);
        }
        return job.getExecutionContext().get(key);
    }

    private void put(String key, Object value) {
        for (ExecutionContext context : contexts()) {
            if (value == null) {
                context.remove(key);
            } else {
                context.put(key, value);
            }
        }
    }

    private List<ExecutionContext> contexts() {
        return step == null ? List.of(job.getExecutionContext())
                : List.of(job.getExecutionContext(), step.getExecutionContext());
    }
}
