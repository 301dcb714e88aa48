package io.amibake.recipe;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Objects;
import org.springframework.scheduling.support.CronExpression;

/**
 * The {@code schedule} section: when {@code amibake schedule} bakes the recipe on its own.
 *
 * @param cron       the cron expression as written: five fields (minute first) or six (seconds
 *                   first), or a macro such as {@code @daily}
 * @param zone       the time zone the expression is read in, so 02:00 stays 02:00 across DST
 * @param when       {@link #ALWAYS} bakes at every slot; {@link #SOURCE_CHANGED} skips a slot when
 *                   the source image and the recipe are those of the last completed bake
 * @param pauseAfter how many failed slots in a row pause the schedule until it is resumed
 */
public record Schedule(String cron, ZoneId zone, String when, int pauseAfter) {

    public static final String ALWAYS = "always";
    public static final String SOURCE_CHANGED = "sourceChanged";
    public static final List<String> WHEN_CHOICES = List.of(ALWAYS, SOURCE_CHANGED);
    public static final int DEFAULT_PAUSE_AFTER = 3;

    public Schedule {
        Objects.requireNonNull(zone, "zone");
        expression(cron);
        if (!WHEN_CHOICES.contains(when)) {
            throw new IllegalArgumentException("when must be one of " + WHEN_CHOICES + ", was " + when);
        }
        if (pauseAfter < 1) {
            throw new IllegalArgumentException("pauseAfter must be at least 1, was " + pauseAfter);
        }
    }

    /**
     * The first slot strictly after {@code time}, in the schedule's zone; null if there is none.
     * The expression is read in the zone's wall-clock time, as cron reads it, across daylight-saving
     * changes too: a slot that falls into a gap (02:30 on the night clocks go from 02:00 to 03:00)
     * runs once, shifted by the gap (03:30); a slot in an hour that comes twice (02:30 when clocks go
     * from 03:00 back to 02:00) runs once, the first time.
     */
    public ZonedDateTime next(ZonedDateTime time) {
        CronExpression expression = expression(cron);
        Instant after = time.toInstant();
        // Local slots from a little earlier: one in a gap that wall-clock time jumped over maps to
        // an instant after it. Mapped slots are not ordered like local ones around a change, so the
        // earliest instant wins, looking on until no later local slot can map before it.
        LocalDateTime local = expression.next(time.withZoneSameInstant(zone).toLocalDateTime().minus(DST_REACH));
        ZonedDateTime best = null;
        while (local != null && (best == null || !local.isAfter(best.toLocalDateTime().plus(DST_REACH)))) {
            ZonedDateTime slot = ZonedDateTime.ofLocal(local, zone, null);
            if (slot.toInstant().isAfter(after) && (best == null || slot.isBefore(best))) {
                best = slot;
            }
            local = expression.next(local);
        }
        return best;
    }

    /** Longer than any daylight-saving change (two hours at most). */
    private static final Duration DST_REACH = Duration.ofHours(3);

    public boolean onlyWhenSourceChanged() {
        return SOURCE_CHANGED.equals(when);
    }

    /**
     * Parses a cron expression with Spring's {@link CronExpression}; the classic five fields get a
     * leading {@code 0} for the seconds Spring expects.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static CronExpression expression(String cron) {
        String text = Objects.requireNonNull(cron, "cron").trim();
        String[] fields = text.split("\\s+");
        if (!text.startsWith("@") && fields.length != 5 && fields.length != 6) {
            throw new IllegalArgumentException("expected 5 fields (minute hour day month weekday) or 6 (seconds"
                    + " first), found " + fields.length);
        }
        try {
            return CronExpression.parse(fields.length == 5 ? "0 " + text : text);
        } catch (IllegalArgumentException e) {
            // Spring names the expression it parsed, which for five fields is not what the user wrote.
            String message = String.valueOf(e.getMessage());
            int at = message.indexOf(" in cron expression");
            throw new IllegalArgumentException(at > 0 ? message.substring(0, at) : message, e);
        }
    }
}
