package io.amibake.engine.wait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.JobInterruptedException;

class SharedPollerTest {

    /** A fake cloud where each resource becomes ready after a number of looks at it. */
    private final Map<String, AtomicInteger> looksLeft = new ConcurrentHashMap<>();
    private final AtomicInteger describeCalls = new AtomicInteger();

    private Map<String, String> describe(java.util.Set<String> ids) {
        describeCalls.incrementAndGet();
        Map<String, String> states = new HashMap<>();
        for (String id : ids) {
            AtomicInteger left = looksLeft.get(id);
            if (left != null) {
                states.put(id, left.decrementAndGet() <= 0 ? "ready" : "pending");
            }
        }
        return states;
    }

    private final PollPlan fast = new PollPlan(Duration.ofMillis(5), Duration.ofMillis(20), 0.25, 6);

    @Test
    void waitersInTheSameRegionShareTheirDescribeCalls() throws Exception {
        // given ten resources that each need five looks
        SharedPoller<String> poller = new SharedPoller<>(this::describe, fast, () -> false);
        ExecutorService pool = Executors.newFixedThreadPool(10);
        for (int i = 0; i < 10; i++) {
            looksLeft.put("r" + i, new AtomicInteger(5));
        }

        // when all wait at once
        var futures = new java.util.ArrayList<Future<String>>();
        for (int i = 0; i < 10; i++) {
            String id = "r" + i;
            futures.add(pool.submit(() -> poller.await(id, id, () -> null, Duration.ofSeconds(30),
                    s -> "ready".equals(s) ? Boolean.TRUE : null, s -> null)));
        }
        for (Future<String> f : futures) {
            assertThat(f.get()).isEqualTo("ready");
        }
        pool.shutdown();

        // then far fewer calls were made than one per look per resource
        assertThat(describeCalls.get()).isLessThan(10 * 5 / 2);
    }

    @Test
    void aSettledFailureEndsTheWaitWithItsReason() {
        // given
        SharedPoller<String> poller = new SharedPoller<>(ids -> Map.of("img", "failed"), fast, () -> false);

        // when / then
        assertThatThrownBy(() -> poller.await("img", "image img", () -> null, Duration.ofSeconds(5),
                s -> Boolean.TRUE, s -> "available".equals(s) ? null : "it is " + s))
                .isInstanceOf(WaitFailedException.class)
                .hasMessageContaining("image img: it is failed");
    }

    @Test
    void aStopRequestInterruptsTheWait() {
        // given a resource that never settles and a stop already requested
        SharedPoller<String> poller = new SharedPoller<>(ids -> Map.of(), fast, () -> true);

        // when / then
        assertThatThrownBy(() -> poller.await("i-1", "instance", () -> null, Duration.ofSeconds(5),
                s -> null, s -> null))
                .isInstanceOf(JobInterruptedException.class);
    }

    @Test
    void aWaitThatNeverSettlesTimesOut() {
        // given
        SharedPoller<String> poller = new SharedPoller<>(ids -> Map.of(), fast, () -> false);

        // when / then
        assertThatThrownBy(() -> poller.await("i-1", "instance i-1", () -> null, Duration.ofMillis(100),
                s -> null, s -> null))
                .isInstanceOf(WaitTimedOutException.class)
                .hasMessageContaining("instance i-1");
    }

    @Test
    void bakesSharingAPollerAskAboutEachOthersIdsInOneCall() throws Exception {
        // given two bakes, each with its own describe call, on one poller, five resources each
        java.util.List<java.util.Set<String>> asked = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        AtomicInteger callsOfA = new AtomicInteger();
        AtomicInteger callsOfB = new AtomicInteger();
        SharedPoller<String> shared = new SharedPoller<>(this::describe, fast, () -> false);
        SharedPoller<String> bakeA = shared.forWaiter(ids -> {
            callsOfA.incrementAndGet();
            asked.add(ids);
            return describe(ids);
        }, fast, () -> false);
        SharedPoller<String> bakeB = shared.forWaiter(ids -> {
            callsOfB.incrementAndGet();
            asked.add(ids);
            return describe(ids);
        }, fast, () -> false);
        ExecutorService pool = Executors.newFixedThreadPool(10);
        var futures = new java.util.ArrayList<Future<String>>();
        for (int i = 0; i < 5; i++) {
            looksLeft.put("a" + i, new AtomicInteger(5));
            looksLeft.put("b" + i, new AtomicInteger(5));
        }

        // when all ten wait at once
        for (int i = 0; i < 5; i++) {
            String a = "a" + i;
            String b = "b" + i;
            futures.add(pool.submit(() -> bakeA.await(a, a, () -> null, Duration.ofSeconds(30),
                    s -> "ready".equals(s) ? Boolean.TRUE : null, s -> null)));
            futures.add(pool.submit(() -> bakeB.await(b, b, () -> null, Duration.ofSeconds(30),
                    s -> "ready".equals(s) ? Boolean.TRUE : null, s -> null)));
        }
        for (Future<String> f : futures) {
            assertThat(f.get()).isEqualTo("ready");
        }
        pool.shutdown();

        // then some look asked about both bakes' ids, and the looks went through the bakes' own calls
        assertThat(asked).anyMatch(ids -> ids.stream().anyMatch(id -> id.startsWith("a"))
                && ids.stream().anyMatch(id -> id.startsWith("b")));
        assertThat(callsOfA.get() + callsOfB.get()).isEqualTo(describeCalls.get()).isLessThan(10 * 5 / 2);
    }

    @Test
    void oneBakeStoppingDoesNotStopAnotherOnTheSamePoller() throws Exception {
        // given a stopped bake and a running one on one poller
        looksLeft.put("b", new AtomicInteger(3));
        SharedPoller<String> shared = new SharedPoller<>(this::describe, fast, () -> false);
        SharedPoller<String> stopped = shared.forWaiter(this::describe, fast, () -> true);
        SharedPoller<String> running = shared.forWaiter(this::describe, fast, () -> false);

        // when / then
        assertThatThrownBy(() -> stopped.await("a", "a", () -> null, Duration.ofSeconds(5), s -> null, s -> null))
                .isInstanceOf(JobInterruptedException.class);
        assertThat(running.await("b", "b", () -> null, Duration.ofSeconds(5),
                s -> "ready".equals(s) ? Boolean.TRUE : null, s -> null)).isEqualTo("ready");
    }
}
