package io.amibake.aws;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts the HTTP requests amibake sends, by operation, retries included: that is what AWS
 * throttles and what the bake reports.
 */
public final class RequestCounter implements ExecutionInterceptor {

    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        calls.computeIfAbsent(operation, k -> new AtomicLong()).incrementAndGet();
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        counts.computeIfAbsent(operation, k -> new AtomicLong()).incrementAndGet();
    }

    /** Requests sent so far, by operation name, sorted. */
    public Map<String, Long> snapshot() {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((operation, count) -> copy.put(operation, count.get()));
        return copy;
    }

    /**
     * Requests sent again by the SDK's retries, by operation: throttling and transient errors.
     * Each call is counted once before its first attempt; every attempt is a request.
     */
    public Map<String, Long> retries() {
        Map<String, Long> retried = new TreeMap<>();
        counts.forEach((operation, count) -> {
            long extra = count.get() - calls.getOrDefault(operation, new AtomicLong()).get();
            if (extra > 0) {
                retried.put(operation, extra);
            }
        });
        return retried;
    }

    public long total() {
        return counts.values().stream().mapToLong(AtomicLong::get).sum();
    }
}
