package io.amibake.engine.job;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The copy limits of every target this process bakes against: AWS counts concurrent copies and
 * meters CopyImage per account and destination region, so each target (its key: account and
 * endpoint) has its own slots and pacer, shared by all of its bakes in this process.
 */
@Component
public class CopyLimits {

    private final Map<String, CopySlots> slots = new ConcurrentHashMap<>();
    private final Map<String, CopyPacer> pacers = new ConcurrentHashMap<>();

    CopySlots slots(String target) {
        return slots.computeIfAbsent(target, t -> new CopySlots());
    }

    CopyPacer pacer(String target) {
        return pacers.computeIfAbsent(target, t -> new CopyPacer());
    }
}
