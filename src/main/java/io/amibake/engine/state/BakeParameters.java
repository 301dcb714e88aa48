package io.amibake.engine.state;

/** Names of the bake job's parameters. {@code recipe} and {@code bake} identify a bake. */
public final class BakeParameters {

    /** The recipe's name. */
    public static final String RECIPE = "recipe";
    /** The bake's unique id, also its tag value. */
    public static final String BAKE = "bake";
    /** Where the bake runs: {@code aws}, or the sandbox endpoint. Not identifying. */
    public static final String TARGET = "target";

    private BakeParameters() {
    }
}
