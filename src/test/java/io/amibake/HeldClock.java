package io.amibake;

import io.amibake.sandbox.SandboxClock;
import java.time.Duration;
import java.time.Instant;

/**
 * A sandbox clock the test holds still, moves by hand, or lets run at a time scale: a bake against
 * it waits where the test wants it, however slow the machine (an instance stays pending, a
 * command in progress, until the test moves time on).
 */
public final class HeldClock implements SandboxClock {

    private final double timeScale;
    private Instant base;
    private long baseNanos;
    private boolean running;

    /** Held at {@code start}; {@link #release()} then runs it 1/timeScale times faster than real time. */
    public HeldClock(Instant start, double timeScale) {
        this.base = start;
        this.timeScale = timeScale;
    }

    @Override
    public synchronized Instant now() {
        return running ? base.plusNanos((long) ((System.nanoTime() - baseNanos) / timeScale)) : base;
    }

    /** Moves sandbox time forward at once. */
    public synchronized void advance(Duration duration) {
        rebase(now().plus(duration));
    }

    /** Lets time run from now on. */
    public synchronized void release() {
        rebase(now());
        running = true;
    }

    /** Stops time where it is. */
    public synchronized void hold() {
        rebase(now());
        running = false;
    }

    private void rebase(Instant at) {
        base = at;
        baseNanos = System.nanoTime();
    }
}
