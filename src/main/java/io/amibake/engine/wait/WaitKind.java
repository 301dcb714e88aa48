package io.amibake.engine.wait;

/** The kinds of thing a bake waits for; each is learned separately. */
public enum WaitKind {
    INSTANCE_RUNNING,
    AGENT_ONLINE,
    COMMAND,
    INSTANCE_STOPPED,
    IMAGE_AVAILABLE,
    INSTANCE_TERMINATED,
    COPY_AVAILABLE
}
