package io.amibake.engine.job;

import io.amibake.engine.wait.Waits;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.springframework.batch.core.job.JobInterruptedException;

/**
 * Bounds the AMI copies this process has in flight per destination region: a slot is taken before
 * CopyImage is called and given back when the copy settles, so the count covers every copy AWS
 * may be working on (AWS accepts 100 concurrent copies per destination region). A copy keeps its
 * slot across the step's checkpoint between the call and the wait; a holder takes one slot at most.
 */
final class CopySlots {

    private static final Duration RETRY = Duration.ofMillis(100);

    private final Map<String, Semaphore> regions = new ConcurrentHashMap<>();
    private final Set<String> held = ConcurrentHashMap.newKeySet();

    /**
     * Takes a slot in the region for the holder (a bake), waiting while all {@code limit} are taken;
     * does nothing when the holder has one already.
     */
    void take(String region, String holder, int limit, Waits waits) throws JobInterruptedException {
        if (held.contains(key(region, holder))) {
            return;
        }
        Semaphore slots = regions.computeIfAbsent(region, r -> new Semaphore(limit));
        // Paced through Waits, so that a request to stop the bake ends the wait.
        while (!slots.tryAcquire()) {
            waits.pause(RETRY);
        }
        held.add(key(region, holder));
    }

    /** Gives the holder's slot back, if it has one. */
    void release(String region, String holder) {
        if (held.remove(key(region, holder))) {
            regions.get(region).release();
        }
    }

    private static String key(String region, String holder) {
        return region + " " + holder;
    }
}
