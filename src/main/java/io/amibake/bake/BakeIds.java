package io.amibake.bake;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Bake ids ({@code RECIPE-yyyyMMddTHHmmssZ-XXXX}, lower case) and the start time they carry. */
final class BakeIds {

    private static final DateTimeFormatter TIME = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .appendPattern("yyyyMMdd'T'HHmmss'Z'").toFormatter();

    private BakeIds() {
    }

    /** When the bake started, to the second, or empty for an id that is not amibake's. */
    static Optional<Instant> startedAt(String bakeId) {
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
}
