package io.amibake.engine.state;

/**
 * The names the bake job and its steps are stored under. They never change: a restart finds its
 * checkpoints by them. The job lists its steps in order; whatever reads a bake back (the views,
 * a region's state, the failures) reads the names here.
 */
public final class StepNames {

    /** The job. */
    public static final String JOB = "bake";
    /** The distribution step. */
    public static final String DISTRIBUTE = "distribute";
    /** The distribution's parts are named {@code copyRegion:REGION}. */
    public static final String REGION_PARTITION = "copyRegion:";

    private StepNames() {
    }

    /** The region a part of the distribution serves, or null for the bake's own steps. */
    public static String region(String stepName) {
        return stepName.startsWith(REGION_PARTITION) ? stepName.substring(REGION_PARTITION.length()) : null;
    }
}
