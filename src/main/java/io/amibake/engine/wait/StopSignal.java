package io.amibake.engine.wait;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.batch.core.job.JobInterruptedException;

/**
 * Raised once to ask a run of a bake to stop (Ctrl-C, or its timeout). Waits notice it at their
 * next look; a pause ends the moment it is raised.
 */
public final class StopSignal {

    private final CountDownLatch raised = new CountDownLatch(1);

    public void raise() {
        raised.countDown();
    }

    public boolean isRaised() {
        return raised.getCount() == 0;
    }

    /** Pauses for the duration, or ends the wait as soon as the signal is raised. */
    public void pause(Duration duration) throws JobInterruptedException {
        try {
            if (raised.await(duration.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new JobInterruptedException("the bake was asked to stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobInterruptedException("interrupted while waiting");
        }
    }
}
