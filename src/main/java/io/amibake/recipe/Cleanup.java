package io.amibake.recipe;

import java.util.List;

/**
 * What runs last on the build instance, before it stops.
 *
 * @param cleaners     built-in cleaners by name, run in the order given
 * @param stopServices services to stop and disable before the image is made
 * @param run          custom steps, run after the cleaners
 */
public record Cleanup(List<String> cleaners, List<String> stopServices, List<ShellStep> run) {

    public static final Cleanup NONE = new Cleanup(List.of(), List.of(), List.of());

    public Cleanup {
        cleaners = List.copyOf(cleaners == null ? List.of() : cleaners);
        stopServices = List.copyOf(stopServices == null ? List.of() : stopServices);
        run = List.copyOf(run == null ? List.of() : run);
    }
}
