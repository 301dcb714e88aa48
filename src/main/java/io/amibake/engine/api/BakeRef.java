package io.amibake.engine.api;

/**
 * A bake as a person names it, and where its latest execution stands: read from the job
 * repository without parsing the bake's recipe. {@link BakeService#detail(long)} and
 * {@link BakeService#view(long)} read the rest.
 *
 * @param execution the latest execution's number
 * @param status    its status: COMPLETED, FAILED, STOPPED, ABANDONED, STARTED...
 * @param target    the target the bake belongs to
 */
public record BakeRef(String recipe, String bakeId, long execution, String status, Target target) {
}
