package io.amibake.recipe;

import java.util.List;

/**
 * What runs last on the build instance, before it stops.
 *
 * @param cleaners     built-in cleaners by name, run in the order given
 * @param stopServices services to stop before the cleaners run; they stay enabled, so the
 *                     image starts them at boot (disabling httpd would ship a web server
 *                     image that serves nothing)
 * @param run          custom steps, each its own command, run before the services stop and
 *                     the built-in cleaners, so the cleaners also remove what they leave
 * @see CommandPlan
 */
public record Cleanup(List<String> cleaners, List<String> stopServices, List<ShellStep> run) {

    public static final Cleanup NONE = new Cleanup(List.of(), List.of(), List.of());

    public Cleanup {
        cleaners = List.copyOf(cleaners == null ? List.of() : cleaners);
        stopServices = List.copyOf(stopServices == null ? List.of() : stopServices);
        run = List.copyOf(run == null ? List.of() : run);
    }
}
