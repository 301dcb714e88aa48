package io.amibake.recipe;

import io.amibake.recipe.NodeReader.Fields;
import io.amibake.text.TerminalText;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.List;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads when {@code amibake schedule} bakes a recipe and who hears of its bakes: the
 * {@code schedule} and {@code notify} sections. A part of {@link RecipeReader}, sharing its
 * {@link NodeReader}.
 */
final class ScheduleReader {

    private final NodeReader nodes;

    ScheduleReader(NodeReader nodes) {
        this.nodes = nodes;
    }

    Notify notify(Node node) {
        Fields f = nodes.fields(node, "notify", RecipeReader.NOTIFY_KEYS, List.of());
        if (f == null) {
            return null;
        }
        java.net.URI url = f.has("url") ? webhook(f.value("url")) : null;
        String command = f.has("command") ? nodes.nonBlank(f.value("command"), "notify.command") : null;
        Boolean succeeded = f.has("succeeded") ? nodes.bool(f.value("succeeded"), "notify.succeeded") : null;
        if (f.has("url") && url == null || f.has("command") && command == null
                || f.has("succeeded") && succeeded == null) {
            return null;
        }
        return new Notify(url, command, succeeded);
    }

    private java.net.URI webhook(Node node) {
        String text = nodes.nonBlank(node, "notify.url");
        if (text == null) {
            return null;
        }
        try {
            java.net.URI uri = new java.net.URI(text);
            if (Notify.webhook(uri)) {
                return uri;
            }
        } catch (java.net.URISyntaxException malformed) {
            // reported below
        }
        nodes.problem(node, "notify.url", "expected an http or https URL such as https://hooks.slack.com/services/...,"
                + " found '" + TerminalText.safe(text) + "'", null);
        return null;
    }

    Schedule schedule(Node node) {
        Fields f = nodes.fields(node, "schedule", RecipeReader.SCHEDULE_KEYS, List.of("cron"));
        if (f == null) {
            return null;
        }
        String cron = f.has("cron") ? nodes.string(f.value("cron"), "schedule.cron") : null;
        if (cron != null) {
            try {
                if (Schedule.expression(cron).next(java.time.LocalDateTime.of(2000, 1, 1, 0, 0)) == null) {
                    nodes.problem(f.value("cron"), "schedule.cron", "'" + cron + "' never comes: no date matches"
                            + " its day and month (February has no 30th, say)", "check the day and month fields");
                    cron = null;
                }
            } catch (IllegalArgumentException e) {
                nodes.problem(f.value("cron"), "schedule.cron", "expected a cron expression such as '0 2 * * *'"
                        + " (02:00 every day) or '*/30 * * * * *' (seconds first), found '" + cron + "': "
                        + e.getMessage(), null);
                cron = null;
            }
        }
        ZoneId zone = ZoneId.of("UTC");
        if (f.has("zone")) {
            String id = nodes.string(f.value("zone"), "schedule.zone");
            zone = id == null ? null : zone(f.value("zone"), id);
        }
        String when = f.has("when") ? nodes.oneOf(f.value("when"), "schedule.when", Schedule.WHEN_CHOICES)
                : Schedule.ALWAYS;
        Integer pauseAfter = f.has("pauseAfter")
                ? nodes.integer(f.value("pauseAfter"), "schedule.pauseAfter", 1, RecipeReader.MAX_PAUSE_AFTER, "failed slots")
                : Integer.valueOf(Schedule.DEFAULT_PAUSE_AFTER);
        if (cron == null || zone == null || when == null || pauseAfter == null) {
            return null;
        }
        return new Schedule(cron, zone, when, pauseAfter);
    }

    private ZoneId zone(Node node, String id) {
        try {
            return ZoneId.of(id);
        } catch (DateTimeException e) {
            String suggestion = Suggestions.didYouMean(id, ZoneId.getAvailableZoneIds());
            nodes.problem(node, "schedule.zone", "unknown time zone '" + id + "'",
                    suggestion != null ? suggestion : "use a zone id such as Europe/Berlin, or UTC");
            return null;
        }
    }
}
