package io.amibake.engine.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;

/**
 * A test-only clock for what decides between processes: when a lease expires and when a
 * schedule's slot comes. With {@code AMIBAKE_TEST_CLOCK=FILE} in the environment, the time is the
 * instant written in FILE (ISO-8601, e.g. {@code 2026-01-05T10:00:00Z}), read at every look, so a
 * test of the packaged program moves time for all its processes at once, and a slow machine
 * never makes a lease expire on its own. Unset, it is the system clock; the bake's own timings
 * always are.
 */
public final class TestClock extends Clock {

    /** The environment variable that names the file. */
    public static final String VARIABLE = "AMIBAKE_TEST_CLOCK";

    private final Path file;
    private final ZoneId zone;

    private TestClock(Path file, ZoneId zone) {
        this.file = file;
        this.zone = zone;
    }

    /** The file's clock when the environment names one, else the system clock, in {@code zone}. */
    public static Clock orSystem(ZoneId zone) {
        String named = System.getenv(VARIABLE);
        return named == null || named.isBlank() ? Clock.system(zone) : new TestClock(Path.of(named), zone);
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId newZone) {
        return new TestClock(file, newZone);
    }

    @Override
    public Instant instant() {
        try {
            return Instant.parse(Files.readString(file).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(VARIABLE + ": cannot read " + file, e);
        } catch (DateTimeException e) {
            throw new IllegalStateException(VARIABLE + ": " + file + " holds no ISO-8601 instant", e);
        }
    }
}
