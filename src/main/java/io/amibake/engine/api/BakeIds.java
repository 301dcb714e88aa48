package io.amibake.engine.api;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Bake ids ({@code RECIPE-yyyyMMddTHHmmssSSSZ-XXXX}, lower case) and the start time they carry,
 * by which a bake tells whether another started later (publishing never goes backwards). Ids of
 * bakes made before they carried milliseconds ({@code ...THHmmssZ...}) still read, to the second.
 */
public final class BakeIds {

    private static final DateTimeFormatter NEW = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter TIME = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .appendPattern("yyyyMMdd'T'HHmmss")
            .optionalStart().appendValue(ChronoField.MILLI_OF_SECOND, 3).optionalEnd()
            .appendLiteral('Z').toFormatter();

    private BakeIds() {
    }

    /** A new bake's id: two bakes of one recipe never start in the same millisecond (its lease). */
    public static String newId(String recipe, Instant now) {
        return (recipe + "-" + NEW.format(now) + "-"
                + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt())).toLowerCase(Locale.ROOT);
    }

    /** When the bake started, or empty for an id that is not amibake's. */
    public static Optional<Instant> startedAt(String bakeId) {
        if (bakeId == null) {
            return Optional.empty();
        }
        String[] parts = bakeId.split("-");
        if (parts.length < 3) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDateTime.parse(parts[parts.length - 2], TIME).toInstant(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The recipe a bake id names, or empty for an id that is not amibake's. */
    public static Optional<String> recipe(String bakeId) {
        if (startedAt(bakeId).isEmpty()) {
            return Optional.empty();
        }
        String[] parts = bakeId.split("-");
        return Optional.of(String.join("-", java.util.Arrays.asList(parts).subList(0, parts.length - 2)));
    }

    /** Whether bake {@code other} started after bake {@code mine}; false when either id is not amibake's. */
    public static boolean startedLater(String other, String mine) {
        Optional<Instant> theirs = startedAt(other);
        Optional<Instant> ours = startedAt(mine);
        return theirs.isPresent() && ours.isPresent() && theirs.get().isAfter(ours.get());
    }
}
