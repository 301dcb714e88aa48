package io.amibake.engine.wait;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.springframework.batch.core.job.JobInterruptedException;

/**
 * Raised once to ask a run of a bake to stop (Ctrl-C, {@code amibake stop}, or its timeout), or
 * raised for good by a lost lease. Waits notice it at their next look; a pause ends the moment it
 * is raised, and a lease lost during a pause is noticed when the pause ends.
 */
public final class StopSignal {

    private final CountDownLatch raised = new CountDownLatch(1);
    private final BooleanSupplier leaseLost;

    public StopSignal() {
        this(() -> false);
    }

    /** @param leaseLost asked at every look: true once the run may no longer act for its bake */
    public StopSignal(BooleanSupplier leaseLost) {
        this.leaseLost = leaseLost;
    }

    public void raise() {
        raised.countDown();
    }

    public boolean isRaised() {
        return raised.getCount() == 0 || leaseLost();
    }

    /** Whether the run lost its lease: another runner may own the bake now. */
    public boolean leaseLost() {
        return leaseLost.getAsBoolean();
    }

    /** Pauses for the duration, or ends the wait as soon as the signal is raised. */
    public void pause(Duration duration) throws JobInterruptedException {
        try {
            if (raised.await(duration.toNanos(), TimeUnit.NANOSECONDS) || leaseLost()) {
                throw new JobInterruptedException("the bake was asked to stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobInterruptedException("interrupted while waiting");
        }
    }
}
