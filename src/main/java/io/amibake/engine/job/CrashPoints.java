package io.amibake.engine.job;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only crash switch for the moments between a side effect and its checkpoint. With
 * {@code AMIBAKE_CRASH_AFTER=CALL} in the environment ({@code RunInstances}, {@code CreateImage},
 * {@code CopyImage}, {@code SendCommand} or {@code PutParameter}; {@code CALL#N} for its Nth call),
 * the process halts the moment that call has returned, before the step saves what it made: no
 * shutdown hook, no {@code finally}, no commit, exactly what a kill -9 landing there leaves behind.
 * The crash tests of the packaged program set it; unset, a step pays one comparison.
 */
public final class CrashPoints {

    /** The environment variable that arms the switch. */
    public static final String VARIABLE = "AMIBAKE_CRASH_AFTER";

    /** The exit status of a halted process: that of a process ended by SIGKILL. */
    public static final int HALT_STATUS = 128 + 9;

    private static final String CALL;
    private static final int NTH;
    private static final AtomicInteger CALLS = new AtomicInteger();
    private static final CountDownLatch HALTING = new CountDownLatch(1);

    static {
        String armed = System.getenv(VARIABLE);
        if (armed == null || armed.isBlank()) {
            CALL = null;
            NTH = 0;
        } else {
            int hash = armed.indexOf('#');
            CALL = hash < 0 ? armed.strip() : armed.substring(0, hash).strip();
            NTH = hash < 0 ? 1 : Integer.parseInt(armed.substring(hash + 1).strip());
        }
    }

    private CrashPoints() {
    }

    /**
     * Called right after {@code call} returned: halts the process if the switch names this call.
     * Once it halts, other threads that reach a crash point (a region's copy, say) wait there, so
     * none of them saves a checkpoint in the moment the halt takes.
     */
    public static void after(String call) {
        if (CALL == null) {
            return;
        }
        if (!CALL.equals(call) || CALLS.incrementAndGet() != NTH) {
            awaitHaltIfHalting();
            return;
        }
        HALTING.countDown();
        System.err.println("amibake: halted after " + call + " (" + VARIABLE + "), before its checkpoint");
        System.err.flush();
        Runtime.getRuntime().halt(HALT_STATUS);
    }

    private static void awaitHaltIfHalting() {
        if (HALTING.getCount() == 0) {
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
