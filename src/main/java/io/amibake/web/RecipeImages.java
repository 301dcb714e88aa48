package io.amibake.web;

import io.amibake.cloud.AwsClients;
import io.amibake.cloud.BakeTags;
import io.amibake.cloud.CloudException;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.Image;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.engine.api.Target;
import io.amibake.lifecycle.Pruner;
import io.amibake.lifecycle.RegionPlan;
import io.amibake.lifecycle.Verdict;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.Templates;
import io.amibake.report.BakePage;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * A recipe's images in each of its regions, read from the cloud, each with what holds it there:
 * the recipe's SSM parameter names it (published), its launch template's default version launches
 * it, instances run from it; and what retention would do with it, as {@code amibake prune} decides
 * ({@link Pruner}). Read at most once per {@code amibake.serve.images-every} per recipe: each read
 * costs a few describe calls per region.
 */
@Component
public class RecipeImages {

    /** One image in a region: what names or runs it, and retention's verdict. */
    public record Row(String region, Image image, List<String> holds, String retention, boolean goes) {

        /** When the image was made, as the other pages write times; EC2's own text if it is not a time. */
        public String created() {
            try {
                return image.creationDate() == null ? "-" : BakePage.time(Instant.parse(image.creationDate()));
            } catch (java.time.format.DateTimeParseException e) {
                return image.creationDate();
            }
        }
    }

    /** The images of a recipe when they were read, or why they could not be. */
    public record Read(Instant at, List<Row> rows, String problem) {

        public String when() {
            return BakePage.time(at);
        }
    }

    private final ServeSettings settings;
    private final Map<String, Read> cache = new ConcurrentHashMap<>();

    public RecipeImages(ServeSettings settings) {
        this.settings = settings;
    }

    /** @param lastBake the recipe's latest execution: a new bake reads the images again at once */
    public Read of(Recipe recipe, Target target, Long lastBake) {
        Instant now = Instant.now();
        String key = recipe.name() + " " + lastBake;
        Read cached = cache.get(key);
        if (cached != null && cached.at().plus(settings.imagesEvery()).isAfter(now)) {
            return cached;
        }
        Read read;
        try (AwsClients clients = new AwsClients(target.settings())) {
            read = new Read(now, rows(recipe, new Ec2Gateway(clients), new SsmGateway(clients),
                    new LaunchTemplates(clients)), null);
        } catch (RuntimeException e) {
            read = new Read(now, List.of(), e.getMessage());
        }
        cache.keySet().removeIf(k -> k.startsWith(recipe.name() + " "));
        cache.put(key, read);
        return read;
    }

    private static List<Row> rows(Recipe recipe, Ec2Gateway ec2, SsmGateway ssm, LaunchTemplates templates) {
        Map<String, Verdict> verdicts = new HashMap<>();
        if (recipe.image().retention() != null) {
            for (RegionPlan plan : new Pruner(ec2, ssm, templates, Clock.systemUTC()).plan(recipe)) {
                plan.verdicts().forEach(v -> verdicts.put(plan.region() + " " + v.image().id(), v));
            }
        }
        List<Row> rows = new ArrayList<>();
        for (String region : recipe.imageRegions()) {
            List<Image> images = ec2.findOwnImagesByTag(region, BakeTags.RECIPE, recipe.name()).stream()
                    .filter(i -> !"deregistered".equals(i.state()))
                    .sorted(Comparator.comparing((Image i) -> i.creationDate() == null ? "" : i.creationDate())
                            .reversed())
                    .toList();
            if (images.isEmpty()) {
                continue;
            }
            String published = published(recipe, region, ssm);
            Long defaultVersion = null;
            String defaultImage = null;
            if (recipe.deploy().covers(region)) {
                var version = templates.defaultVersion(region, recipe.deploy().launchTemplate());
                if (version.isPresent()) {
                    defaultVersion = version.get().number();
                    defaultImage = version.get().imageId();
                }
            }
            Map<String, List<String>> running = ec2.instancesUsing(region, images.stream().map(Image::id).toList());
            for (Image image : images) {
                List<String> holds = new ArrayList<>();
                if (image.id().equals(published)) {
                    holds.add("published: " + Templates.render(recipe.regions().ssmParameter(), recipe, Instant.now()));
                }
                if (image.id().equals(defaultImage)) {
                    holds.add("template default: " + recipe.deploy().launchTemplate() + " v" + defaultVersion);
                }
                if (running.containsKey(image.id())) {
                    holds.add("in use: " + String.join(", ", running.get(image.id())));
                }
                if (image.deregistrationProtected()) {
                    holds.add("deregistration protection");
                }
                Verdict verdict = verdicts.get(region + " " + image.id());
                rows.add(new Row(region, image, holds, verdict == null ? "the recipe has no retention: kept"
                        : verdict.reason(), verdict != null && verdict.goes()));
            }
        }
        return rows;
    }

    private static String published(Recipe recipe, String region, SsmGateway ssm) {
        if (recipe.regions().ssmParameter() == null) {
            return null;
        }
        try {
            return ssm.parameter(region, Templates.render(recipe.regions().ssmParameter(), recipe, Instant.now()));
        } catch (CloudException e) {
            if ("ParameterNotFound".equals(e.code())) {
                return null;
            }
            throw e;
        }
    }
}
