package io.amibake.engine.read;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.amibake.engine.api.BakeView;
import io.amibake.engine.api.RegionView;
import io.amibake.engine.api.StepView;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bake's report as JSON: recipe, execution, source image, image name, image and snapshot ids
 * per region, step timings across every run of the bake, and requests by operation.
 */
public final class Manifest {

    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private static final JsonMapper LINE = JsonMapper.builder().build();

    private Manifest() {
    }

    /** The manifest of a bake as its view shows it. */
    public static Map<String, Object> of(BakeView bake) {
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("recipe", bake.recipe());
        manifest.put("bake", bake.bakeId());
        manifest.put("execution", bake.execution());
        manifest.put("status", bake.status());
        manifest.put("sourceImage", bake.sourceImage());
        manifest.put("imageName", bake.imageName());
        Map<String, Object> regions = new LinkedHashMap<>();
        for (RegionView region : bake.regions()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("status", region.status());
            entry.put("imageId", region.imageId());
            entry.put("snapshotIds", region.snapshotIds());
            if (region.launchTemplateVersion() != null) {
                entry.put("launchTemplateVersion", region.launchTemplateVersion());
            }
            if (region.instances() != null) {
                entry.put("instances", region.instances());
            }
            if (region.error() != null) {
                entry.put("error", region.error());
            }
            regions.put(region.region(), entry);
        }
        manifest.put("regions", regions);
        List<Map<String, Object>> steps = new ArrayList<>();
        for (StepView step : bake.steps()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("step", step.name());
            entry.put("execution", step.execution());
            entry.put("status", step.status());
            entry.put("started", step.started() == null ? null : step.started().toString());
            if (step.took() != null) {
                entry.put("millis", step.took().toMillis());
            }
            steps.add(entry);
        }
        manifest.put("steps", steps);
        manifest.put("requests", bake.requests());
        return manifest;
    }

    public static void write(Map<String, Object> manifest, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temp = Files.createTempFile(parent, ".manifest", ".json");
            Files.writeString(temp, JSON.writeValueAsString(manifest) + "\n");
            Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the manifest " + file, e);
        }
    }

    /** The value as JSON on a single line. */
    public static String toLine(Object value) {
        return LINE.writeValueAsString(value);
    }
}
