package io.amibake.cloud;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.awscore.AwsExecutionAttribute;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts the HTTP requests amibake sends, by operation, retries included: that is what AWS
 * throttles and what the bake reports.
 */
public final class RequestCounter implements ExecutionInterceptor {

    /**
     * Sees every request that any client of this process sends, for the metrics of a long-running
     * {@code schedule}: one hook per process, as requests are counted per process.
     */
    public interface Watcher {

        /**
         * @param retry why the SDK sends this request again, or null for a call's first attempt:
         *              {@link #THROTTLED} after a throttling answer (400/429/503), else {@link #ERROR}
         */
        void sent(String operation, String region, String retry);
    }

    public static final String THROTTLED = "throttled";
    public static final String ERROR = "error";

    private static final Watcher NOBODY = (operation, region, retry) -> {
    };
    private static volatile Watcher watcher = NOBODY;

    private static final ExecutionAttribute<Integer> LAST_STATUS = new ExecutionAttribute<>("amibake.lastStatus");
    private static final ExecutionAttribute<Boolean> SENT = new ExecutionAttribute<>("amibake.sent");

    /** Hands every request of this process to {@code watcher}; null stops watching. */
    public static void watch(Watcher newWatcher) {
        watcher = newWatcher == null ? NOBODY : newWatcher;
    }

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
        Watcher current = watcher;
        if (current != NOBODY) {
            String retry = null;
            if (attributes.getAttribute(SENT) != null) {
                Integer status = attributes.getAttribute(LAST_STATUS);
                // EC2 answers RequestLimitExceeded with 503, SSM ThrottlingException with 400; the
                // SDK retries a 400 only when it is throttling. No status: the connection failed.
                retry = status != null && (status == 400 || status == 429 || status == 503) ? THROTTLED : ERROR;
            }
            attributes.putAttribute(SENT, true);
            attributes.putAttribute(LAST_STATUS, -1);
            var region = attributes.getAttribute(AwsExecutionAttribute.AWS_REGION);
            current.sent(operation, region == null ? "unknown" : region.id(), retry);
        }
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        if (watcher != NOBODY) {
            attributes.putAttribute(LAST_STATUS, context.httpResponse().statusCode());
        }
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
