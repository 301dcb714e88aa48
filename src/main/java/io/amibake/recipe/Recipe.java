package io.amibake.recipe;

import io.amibake.text.Redactor;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A bake recipe: where the build starts, what runs on the build instance, and where the image
 * goes. Immutable; {@link RecipeLoader} builds it from YAML after validating every key.
 *
 * @param name        lowercase letters, digits and dashes; names the bake and its tags
 * @param description free text
 * @param os          the operating system label for {@code {{os}}}, or {@code null}
 * @param source      the base image
 * @param build       the build instance
 * @param packages    packages to install, with an optional preset
 * @param provision   named shell steps run in order after the packages
 * @param cleanup     cleaners, services to stop and custom steps, run last
 * @param image       the image's name and description templates and its tags
 * @param regions     the regions the image is copied to, encryption and sharing
 * @param variables   variable defaults merged with command-line overrides
 * @param secrets     the names of the variables whose values are secret: never printed or logged
 * @param test        the tests run on an instance of the new image before it is copied
 * @param deploy      the launch templates pointed at the new image in each region
 * @param notifications the {@code notify} section: who hears of the bakes (a webhook, a command)
 * @param schedule    when {@code amibake schedule} bakes the recipe, or {@code null} when it is not scheduled
 * @param aws         the role the build runs under, or {@code null} for the process's credentials
 * @param accounts    the other accounts the image is copied into
 */
public record Recipe(
        String name,
        String description,
        String os,
        Source source,
        Build build,
        Packages packages,
        List<ShellStep> provision,
        Cleanup cleanup,
        ImageSpec image,
        Regions regions,
        Map<String, String> variables,
        Set<String> secrets,
        Tests test,
        Deploy deploy,
        Notify notifications,
        Schedule schedule,
        AwsRole aws,
        List<Account> accounts) {

    /** A recipe of one account, built with the process's credentials. */
    public Recipe(String name, String description, String os, Source source, Build build, Packages packages,
                  List<ShellStep> provision, Cleanup cleanup, ImageSpec image, Regions regions,
                  Map<String, String> variables, Set<String> secrets, Tests test, Deploy deploy,
                  Notify notifications, Schedule schedule) {
        this(name, description, os, source, build, packages, provision, cleanup, image, regions, variables, secrets,
                test, deploy, notifications, schedule, null, List.of());
    }

    /** A recipe without a {@code notify} section or a schedule. */
    public Recipe(String name, String description, String os, Source source, Build build, Packages packages,
                  List<ShellStep> provision, Cleanup cleanup, ImageSpec image, Regions regions,
                  Map<String, String> variables, Set<String> secrets, Tests test, Deploy deploy) {
        this(name, description, os, source, build, packages, provision, cleanup, image, regions, variables, secrets,
                test, deploy, null, null);
    }

    /** A recipe without secret variables, tests of its own or a deploy section. */
    public Recipe(String name, String description, String os, Source source, Build build, Packages packages,
                  List<ShellStep> provision, Cleanup cleanup, ImageSpec image, Regions regions,
                  Map<String, String> variables) {
        this(name, description, os, source, build, packages, provision, cleanup, image, regions, variables, Set.of(),
                null, null);
    }

    /** A recipe with secret variables, without tests of its own or a deploy section. */
    public Recipe(String name, String description, String os, Source source, Build build, Packages packages,
                  List<ShellStep> provision, Cleanup cleanup, ImageSpec image, Regions regions,
                  Map<String, String> variables, Set<String> secrets) {
        this(name, description, os, source, build, packages, provision, cleanup, image, regions, variables, secrets,
                null, null);
    }

    /** A recipe without secret variables or a {@code deploy} section. */
    public Recipe(String name, String description, String os, Source source, Build build, Packages packages,
                  List<ShellStep> provision, Cleanup cleanup, ImageSpec image, Regions regions,
                  Map<String, String> variables, Tests test) {
        this(name, description, os, source, build, packages, provision, cleanup, image, regions, variables, Set.of(),
                test, null);
    }

    /** A recipe without secret variables. */
    public Recipe(String name, String description, String os, Source source, Build build, Packages packages,
                  List<ShellStep> provision, Cleanup cleanup, ImageSpec image, Regions regions,
                  Map<String, String> variables, Tests test, Deploy deploy) {
        this(name, description, os, source, build, packages, provision, cleanup, image, regions, variables, Set.of(),
                test, deploy, null, null);
    }

    public Recipe {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(build, "build");
        Objects.requireNonNull(image, "image");
        description = description == null ? "" : description;
        packages = packages == null ? Packages.NONE : packages;
        provision = List.copyOf(provision == null ? List.of() : provision);
        cleanup = cleanup == null ? Cleanup.NONE : cleanup;
        regions = regions == null ? Regions.sourceOnly() : regions;
        variables = Map.copyOf(variables == null ? Map.of() : variables);
        secrets = Set.copyOf(secrets == null ? Set.of() : secrets);
        test = test == null ? Tests.DEFAULT : test;
        deploy = deploy == null ? Deploy.NONE : deploy;
        notifications = notifications == null ? Notify.NONE : notifications;
        accounts = List.copyOf(accounts == null ? List.of() : accounts);
    }

    /** The values of the secret variables by name, to redact wherever text is printed or stored. */
    public Map<String, String> secretValues() {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        secrets.forEach(name -> values.put(name, variables.get(name)));
        return values;
    }

    /**
     * The record's text, with the values of secret variables redacted wherever they appear (the
     * variables, and commands they were rendered into): a recipe that is logged must not leak them.
     */
    @Override
    public String toString() {
        return Redactor.of(secretValues()).redact("Recipe[name=" + name + ", description=" + description
                + ", os=" + os + ", source=" + source + ", build=" + build + ", packages=" + packages
                + ", provision=" + provision + ", cleanup=" + cleanup + ", image=" + image + ", regions=" + regions
                + ", variables=" + variables + ", secrets=" + secrets + ", test=" + test + ", deploy=" + deploy
                + ", notifications=" + notifications + ", schedule=" + schedule + ", aws=" + aws
                + ", accounts=" + accounts + "]");
    }

    /** Every region the image ends up in: the source region first, then the other targets. */
    public List<String> imageRegions() {
        return regions.including(source.region());
    }
}
