package io.amibake.engine.wait;

/**
 * The time a {@link SharedPoller} reads and waits by: the system's, or a virtual one that tests
 * move forward by exactly the time asked, so pacing can be checked without timing anything.
 */
interface PollClock {

    long nanoTime();

    /** Waits on {@code monitor}, whose lock the caller holds, for up to {@code millis}, or until notified. */
    void waitOn(Object monitor, long millis) throws InterruptedException;

    PollClock SYSTEM = new PollClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void waitOn(Object monitor, long millis) throws InterruptedException {
            monitor.wait(millis);
        }
    };
}
