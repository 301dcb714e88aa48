package io.amibake.cli;

import io.amibake.engine.api.BakeDetail;
import io.amibake.engine.api.BakeLine;
import io.amibake.engine.api.BakeView;
import io.amibake.engine.api.RegionDeployment;
import io.amibake.engine.api.StepView;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code status --json} prints: the same facts as the tables, with UTC instants. */
final class StatusJson {

    private StatusJson() {
    }

    /** One line of the bake list. */
    static Map<String, Object> bake(BakeLine b) {
        Map<String, Object> bake = new LinkedHashMap<>();
        bake.put("execution", b.execution());
        bake.put("bake", b.bakeId());
        bake.put("recipe", b.recipe());
        bake.put("target", b.target());
        bake.put("status", b.status());
        bake.put("step", b.step());
        times(bake, b.started(), b.ended(), b.took());
        bake.put("executions", b.runs());
        bake.put("imageId", b.imageId());
        return bake;
    }

    /** One bake with every step of every execution of it, its regions, and the failure if any. */
    static Map<String, Object> bake(BakeView view, BakeDetail detail) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("execution", detail.execution());
        json.put("bake", detail.bakeId());
        json.put("recipe", detail.recipe());
        json.put("target", detail.target());
        json.put("status", detail.status());
        json.put("step", view.steps().isEmpty() ? null : view.steps().get(view.steps().size() - 1).name());
        times(json, detail.started(), detail.ended(), took(detail));
        json.put("executions", detail.runs().size());
        json.put("imageId", detail.imageId());
        json.put("imageName", view.imageName());
        json.put("steps", view.steps().stream().map(StatusJson::step).toList());
        json.put("failure", detail.failure());
        json.put("regions", detail.regions().stream().map(StatusJson::region).toList());
        return json;
    }

    /** The time a bake's executions took, added up; null while one runs. */
    static Duration took(BakeDetail detail) {
        if (detail.running()) {
            return null;
        }
        return detail.runs().stream().filter(r -> r.started() != null && r.ended() != null)
                .map(r -> Duration.between(r.started(), r.ended())).reduce(Duration.ZERO, Duration::plus);
    }

    private static Map<String, Object> step(StepView s) {
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("execution", s.execution());
        step.put("step", s.name());
        step.put("status", s.status());
        times(step, instant(s.started()), instant(s.ended()), s.took());
        return step;
    }

    private static Map<String, Object> region(BakeDetail.Region r) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("region", r.region());
        json.put("status", r.status());
        json.put("imageId", r.imageId());
        RegionDeployment d = r.deployment();
        if (d != null && d.test() != null) {
            json.put("test", d.test());
        }
        if (d != null && d.launchTemplate() != null) {
            json.put("launchTemplate", d.launchTemplate());
            json.put("launchTemplateVersion", d.launchTemplateVersion());
        }
        if (d != null && d.instances() != null) {
            json.put("deploy", d.instances().outcome().json());
            json.put("instanceCount", d.instances().count());
            json.put("instances", d.instances().ids());
        }
        return json;
    }

    /** The job repository's local time as an instant. */
    static Instant instant(LocalDateTime time) {
        return time == null ? null : time.atZone(ZoneId.systemDefault()).toInstant();
    }

    private static void times(Map<String, Object> json, Instant start, Instant end, Duration took) {
        json.put("started", start == null ? null : start.toString());
        json.put("ended", end == null ? null : end.toString());
        json.put("millis", took == null ? null : took.toMillis());
    }

    static List<Map<String, Object>> bakes(List<BakeLine> bakes) {
        return bakes.stream().map(StatusJson::bake).toList();
    }
}
