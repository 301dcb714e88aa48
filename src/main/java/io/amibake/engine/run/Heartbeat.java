package io.amibake.engine.run;

import io.amibake.engine.api.Lease;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;

/**
 * Renews one run's lease every third of its life. A lease lost (expired and taken by another
 * runner, say after a long pause of this process) or a stop asked for in the repository stops the
 * run's bake, and only it; the latter is looked for every two seconds, so that
 * {@code amibake stop} takes effect soon.
 */
final class Heartbeat implements AutoCloseable {

    /** How often a running bake looks in the repository for a stop asked for from another process. */
    private static final long STOP_LOOK_MILLIS = 2000;

    private final BakeLeases leases;
    private final Lease lease;
    private final JobRepository repository;
    private final Runnable stop;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "amibake-lease");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Long execution;

    Heartbeat(BakeLeases leases, Lease lease, JobRepository repository, Runnable stop) {
        this.leases = leases;
        this.lease = lease;
        this.repository = repository;
        this.stop = stop;
        long period = Math.max(100, leases.ttl().toMillis() / 3);
        timer.scheduleWithFixedDelay(this::beat, period, period, TimeUnit.MILLISECONDS);
        long look = Math.min(period, STOP_LOOK_MILLIS);
        timer.scheduleWithFixedDelay(this::lookForStop, look, look, TimeUnit.MILLISECONDS);
    }

    void watch(String bakeId, long executionId) {
        leases.describe(lease, bakeId, executionId);
        execution = executionId;
    }

    private void beat() {
        try {
            if (!leases.renew(lease)) {
                stop.run();
                return;
            }
            Long id = execution;
            if (id != null) {
                JobExecution current = repository.getJobExecution(id);
                if (current != null && current.getStatus() == BatchStatus.STOPPING) {
                    stop.run();
                }
            }
        } catch (RuntimeException databaseUnreachable) {
            // The next beat tries again; the lease outlives two missed beats.
        }
    }

    private void lookForStop() {
        try {
            Long id = execution;
            if (id != null && leases.stopAsked(id)) {
                stop.run();
            }
        } catch (RuntimeException databaseUnreachable) {
            // The next look tries again.
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
