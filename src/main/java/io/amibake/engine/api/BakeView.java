package io.amibake.engine.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A bake as its latest execution left it: what the manifest, notifications and metrics read,
 * without Spring Batch's types. Built in one place ({@code engine.read.BakeViews}), the only code
 * that knows the job's step names.
 *
 * @param execution     the latest execution's id
 * @param status        its status: COMPLETED, FAILED, STOPPED, ABANDONED, STARTED...
 * @param target        the target the bake belongs to
 * @param imageName     the image's name, its secret values redacted
 * @param regions       every region of the recipe, the source region first
 * @param steps         every step of every execution of the bake, in the order they ran
 * @param failedStep    the first of the bake's own steps that failed in this execution, or null
 * @param failedRegions the regions whose part failed in this execution
 * @param requests      requests sent by every run of the bake, by operation
 */
public record BakeView(String recipe, String bakeId, long execution, String status, Target target,
                       String sourceImage, String imageName, List<RegionView> regions, List<StepView> steps,
                       String failedStep, List<String> failedRegions, Map<String, Long> requests) {

    public BakeView {
        regions = List.copyOf(regions);
        steps = List.copyOf(steps);
        failedRegions = List.copyOf(failedRegions);
        requests = Map.copyOf(requests);
    }

    /** Each region's image, where it has one. */
    public Map<String, String> images() {
        Map<String, String> images = new LinkedHashMap<>();
        regions.stream().filter(r -> r.imageId() != null).forEach(r -> images.put(r.region(), r.imageId()));
        return images;
    }
}
