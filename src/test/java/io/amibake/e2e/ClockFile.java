package io.amibake.e2e;

import io.amibake.engine.api.TestClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The time of every amibake process a test starts with {@link #environment()}: leases expire and
 * slots come when the test moves this clock, never because the machine was slow ({@link TestClock}).
 */
final class ClockFile {

    private final Path file;
    private Instant now;

    ClockFile(Path folder, Instant start) {
        this.file = folder.resolve("clock.txt");
        set(start);
    }

    /** The variable that points a process at this clock. */
    Map<String, String> environment() {
        return Map.of(TestClock.VARIABLE, file.toString());
    }

    Instant now() {
        return now;
    }

    void advance(Duration by) {
        set(now.plus(by));
    }

    /** Sets the time; a process reading at the same moment sees the old instant or the new one, never half. */
    synchronized void set(Instant instant) {
        try {
            Path written = Files.writeString(file.resolveSibling("clock.next"), instant.toString());
            Files.move(written, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            now = instant;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
