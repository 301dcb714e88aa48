package io.amibake;

import io.amibake.sandbox.Faults;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxClock;
import io.amibake.sandbox.SandboxCommand;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxInstance;
import io.amibake.sandbox.SandboxOptions;
import io.amibake.sandbox.SandboxStats;
import java.net.URI;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One sandbox for a test class, on a free port, at a fixed time scale; its state outlives every
 * baker the class starts. Register it as {@code @RegisterExtension static final SandboxExtension
 * sandbox = new SandboxExtension(0.002);} and use it as the sandbox itself.
 */
public final class SandboxExtension implements BeforeAllCallback, AfterAllCallback {

    private final double timeScale;
    private final UnaryOperator<SandboxOptions> options;
    private final SandboxClock clock;
    private Sandbox sandbox;

    public SandboxExtension(double timeScale) {
        this(timeScale, UnaryOperator.identity());
    }

    /** A sandbox whose default options {@code options} changes, e.g. to a latency profile of its own. */
    public SandboxExtension(double timeScale, UnaryOperator<SandboxOptions> options) {
        this.timeScale = timeScale;
        this.options = options;
        this.clock = null;
    }

    /** A sandbox on a clock the test drives, such as a {@link HeldClock}. */
    public SandboxExtension(SandboxClock clock, UnaryOperator<SandboxOptions> options) {
        this.timeScale = 1;
        this.options = options;
        this.clock = clock;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        SandboxOptions chosen = options.apply(SandboxOptions.defaults().withPort(0).withTimeScale(timeScale));
        sandbox = clock == null ? Sandbox.start(chosen) : Sandbox.start(chosen, clock);
    }

    /** The sandbox's own clock. */
    public java.time.Instant now() {
        return sandbox.now();
    }

    /** The most copies ever pending at once in the region. */
    public int peakConcurrentCopies(String region) {
        return sandbox.peakConcurrentCopies(region);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // null when an extension before this one skipped the class (no PostgreSQL, say)
        if (sandbox != null) {
            sandbox.close();
        }
    }

    /** The sandbox itself, for what this extension does not pass on. */
    public Sandbox sandbox() {
        return sandbox;
    }

    public URI endpoint() {
        return sandbox.endpoint();
    }

    public Faults faults() {
        return sandbox.faults();
    }

    public SandboxStats stats() {
        return sandbox.stats();
    }

    /** The account's instance profiles, instance types, KMS keys and network, for a test to change. */
    public io.amibake.sandbox.SandboxAccount account() {
        return sandbox.account();
    }

    public List<SandboxInstance> instances() {
        return sandbox.instances();
    }

    public List<SandboxImage> images() {
        return sandbox.images();
    }

    public List<SandboxCommand> commands() {
        return sandbox.commands();
    }

    /** The total of requests the sandbox has answered, every operation and outcome. */
    public long requests() {
        return sandbox.stats().requests().stream().mapToLong(SandboxStats.Row::count).sum();
    }
}
