package io.amibake.engine.state;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * The typed state of one region's partition of the distribution step. It lives in the
 * partition's own step context, so partitions running at once never share a map, and a resume
 * finds each region's copy where that region left it.
 */
public final class RegionState {

    static final String REGION = "region.name";
    private static final String IMAGE = "region.imageId";
    private static final String SNAPSHOTS = "region.snapshots";
    private static final String ATTEMPT = "region.copyAttempt";
    private static final String COPIED_BY = "region.copiedBy";
    private static final String COPIED_AT = "region.copiedAt";
    private static final String SHARED = "region.shared";
    private static final String PARAMETER = "region.parameterWritten";
    private static final String PUBLISHED = "region.published";
    private static final String PREPARED = "region.prepared";

    private final ExecutionContext context;

    public RegionState(ExecutionContext context) {
        this.context = context;
    }

    /**
     * A region's state as its partition's step execution holds it. A process killed while the
     * partitions were being created can leave one whose context was never saved; a resume reuses
     * that execution, so its region is read back from the partition's name.
     */
    public static RegionState of(org.springframework.batch.core.step.StepExecution partition) {
        ExecutionContext context = partition.getExecutionContext();
        String name = partition.getStepName();
        if (!context.containsKey(REGION) && name.startsWith(StepNames.REGION_PARTITION)) {
            context.putString(REGION, name.substring(StepNames.REGION_PARTITION.length()));
        }
        return new RegionState(context);
    }

    public static RegionState of(ChunkContext chunk) {
        return of(chunk.getStepContext().getStepExecution());
    }

    /** A fresh partition's context: which region it serves. */
    public static ExecutionContext forRegion(String region) {
        ExecutionContext context = new ExecutionContext();
        context.putString(REGION, region);
        return context;
    }

    public String region() {
        return context.getString(REGION);
    }

    /** The image in this region: the copy, or the source image in the source region. */
    public String imageId() {
        return context.containsKey(IMAGE) ? context.getString(IMAGE) : null;
    }

    public void imageId(String id) {
        if (id == null) {
            context.remove(IMAGE);
        } else {
            context.putString(IMAGE, id);
        }
    }

    @SuppressWarnings("unchecked")
    public List<String> snapshotIds() {
        Object value = context.get(SNAPSHOTS);
        return value == null ? List.of() : (List<String>) value;
    }

    public void snapshotIds(List<String> ids) {
        context.put(SNAPSHOTS, new ArrayList<>(ids));
    }

    /** Forgets the region's image and what was done with it, so the partition starts it again. */
    public void forget() {
        for (String key : List.of(IMAGE, SNAPSHOTS, COPIED_BY, SHARED, PARAMETER, PUBLISHED, PREPARED)) {
            context.remove(key);
        }
    }

    /** How many copies into this region failed; part of the copy's client token. */
    public int attempt() {
        return context.containsKey(ATTEMPT) ? context.getInt(ATTEMPT) : 0;
    }

    public void attempt(int attempt) {
        context.putInt(ATTEMPT, attempt);
    }

    /** The execution that started the copy; a resumed one re-attaches to a copy under way. */
    public long copiedBy() {
        return context.containsKey(COPIED_BY) ? context.getLong(COPIED_BY) : -1;
    }

    public void copiedBy(long execution) {
        context.putLong(COPIED_BY, execution);
    }

    /** When CopyImage answered, or null: the copy may be unknown to DescribeImages for a while. */
    public java.time.Instant copiedAt() {
        return context.containsKey(COPIED_AT) ? java.time.Instant.parse(context.getString(COPIED_AT)) : null;
    }

    public void copiedAt(java.time.Instant at) {
        context.putString(COPIED_AT, at.toString());
    }

    public boolean shared() {
        return context.containsKey(SHARED);
    }

    public void markShared() {
        context.putString(SHARED, "true");
    }

    public boolean parameterWritten() {
        return context.containsKey(PARAMETER);
    }

    public void markParameterWritten() {
        context.putString(PARAMETER, "true");
    }

    /** Whether the copy's settings are applied and it is shared: done once per image, before any launch. */
    public boolean prepared() {
        return context.containsKey(PREPARED);
    }

    public void markPrepared() {
        context.putString(PREPARED, "true");
    }

    /** Whether the copy is published (parameter, launch template): done once per image, after its tests. */
    public boolean published() {
        return context.containsKey(PUBLISHED);
    }

    public void markPublished() {
        context.putString(PUBLISHED, "true");
    }

    private static final String LAUNCH_TEMPLATE_VERSION = "region.launchTemplateVersion";

    /** The launch template version deployed in this region, or null before the deploy. */
    public Long launchTemplateVersion() {
        return context.containsKey(LAUNCH_TEMPLATE_VERSION) ? context.getLong(LAUNCH_TEMPLATE_VERSION) : null;
    }

    public void launchTemplateVersion(long version) {
        context.putLong(LAUNCH_TEMPLATE_VERSION, version);
    }

    private static final String DEPLOYED = "region.deployedInstances";

    /**
     * The instances deployed in this region once the deploy is done (those of this bake, or of a
     * later bake that this one left alone), or null before.
     */
    @SuppressWarnings("unchecked")
    public List<String> deployedInstances() {
        Object value = context.get(DEPLOYED);
        return value == null ? null : List.copyOf((List<String>) value);
    }

    public void deployedInstances(List<String> ids) {
        context.put(DEPLOYED, new ArrayList<>(ids));
    }

    /** Where the copy's test step keeps the test of the region's copy, and the deploy its instances' tests. */
    private static final String COPY_TEST = "region.test.";
    private static final String DEPLOY_SLOT = "region.deploy.";

    /**
     * The image whose tests passed on an instance in this region ({@code test.regions: all}), or
     * null: not tested here, not yet, or it failed. Read-only: status and the report show it.
     */
    public String copyTestPassedImage() {
        return TestState.in(context, COPY_TEST).passedImage();
    }

    /**
     * The instances this bake's deploy launched in the region and has not discarded, slot by
     * slot: the ones being tested while the deploy runs, the deployed ones after. Read-only.
     */
    public List<String> deployLaunchedInstances() {
        SortedMap<Integer, String> bySlot = new TreeMap<>();
        for (var entry : context.entrySet()) {
            Matcher slot = DEPLOY_INSTANCE.matcher(entry.getKey());
            if (slot.matches() && entry.getValue() instanceof String id) {
                bySlot.put(Integer.parseInt(slot.group(1)), id);
            }
        }
        return List.copyOf(bySlot.values());
    }

    private static final Pattern DEPLOY_INSTANCE = Pattern.compile(Pattern.quote(DEPLOY_SLOT) + "(\\d+)\\.instance");
}
