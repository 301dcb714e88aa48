package io.amibake.sandbox;

import java.time.Duration;
import java.time.Instant;

/**
 * The sandbox's notion of time. Every resource stores the instants of its transitions and computes
 * its state on read from this clock, so the sandbox needs no background threads and a test can
 * control time exactly.
 */
public interface SandboxClock {

    /** The current sandbox instant. */
    Instant now();

    /**
     * How long a stretch of sandbox time lasts on the wall clock: what a client that decides on its
     * own clock (the SDK refreshing credentials before they expire) must be told.
     */
    default Duration toReal(Duration sandboxTime) {
        return sandboxTime;
    }

    /**
     * Real monotonic time divided by {@code timeScale}: with 0.01, sandbox time runs 100 times
     * faster than the wall clock. Starts at the current wall-clock instant.
     */
    static SandboxClock scaled(double timeScale) {
        if (!(timeScale > 0)) {
            throw new IllegalArgumentException("time scale must be positive, was " + timeScale);
        }
        Instant origin = Instant.now();
        long originNanos = System.nanoTime();
        return new SandboxClock() {
            @Override
            public Instant now() {
                return origin.plusNanos((long) ((System.nanoTime() - originNanos) / timeScale));
            }

            @Override
            public Duration toReal(Duration sandboxTime) {
                return Duration.ofNanos((long) (sandboxTime.toNanos() * timeScale));
            }
        };
    }

    /** A clock that stands still until {@link Manual#advance(Duration)} moves it: for deterministic tests. */
    static Manual manual(Instant start) {
        return new Manual(start);
    }

    /** A clock moved only by hand. */
    final class Manual implements SandboxClock {
        private Instant now;

        private Manual(Instant start) {
            this.now = start;
        }

        @Override
        public synchronized Instant now() {
            return now;
        }

        /** Moves sandbox time forward. */
        public synchronized void advance(Duration duration) {
            now = now.plus(duration);
        }
    }
}
