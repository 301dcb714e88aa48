package io.amibake.cloud;

/** A build instance as amibake sees it: its id and EC2 state name. */
public record Instance(String id, String state) {

    public boolean isRunning() {
        return "running".equals(state);
    }

    public boolean isStopped() {
        return "stopped".equals(state);
    }

    /** Terminated or on its way there: it can never run again. */
    public boolean isGone() {
        return "terminated".equals(state) || "shutting-down".equals(state);
    }
}
