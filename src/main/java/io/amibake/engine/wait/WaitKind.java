package io.amibake.engine.wait;

/** The kinds of thing a bake waits for; each is learned separately. */
public enum WaitKind {
    INSTANCE_RUNNING,
    AGENT_ONLINE,
    COMMAND,
    INSTANCE_STOPPED,
    IMAGE_AVAILABLE,
    /** Off the bake's path: only the bake's end waits for it, beside the image's copies. */
    INSTANCE_TERMINATED,
    COPY_AVAILABLE;

    /** Whether the bake's next step waits for it, so that seeing it late makes the bake late. */
    public boolean onPath() {
        return this != INSTANCE_TERMINATED;
    }
}
