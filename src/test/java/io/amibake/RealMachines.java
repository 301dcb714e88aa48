package io.amibake;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.sandbox.MachineHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For test classes that run the sandbox's real machines. Before: the host must be able to run
 * containers; without that the class is skipped, saying why, and under CI it fails ({@link Ci}).
 * After (register it before the {@link SandboxExtension}, whose close it then follows): no
 * {@code systemd-nspawn} is left running on the host and no overlay of a sandbox's machines is
 * mounted. So two classes that use it must not run at once: there is one in the unit tier and
 * one among the {@code *IT} tests.
 */
public final class RealMachines implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        Optional<String> problem = MachineHost.problem();
        Ci.require(problem.isEmpty(), "a host that runs the sandbox's real machines, not one with "
                + problem.orElse("") + " (.ci/run installs debootstrap and systemd-container and runs as root)");
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (MachineHost.problem().isPresent()) {
            return;
        }
        Process pgrep = new ProcessBuilder("pgrep", "-a", "-x", "systemd-nspawn").redirectErrorStream(true).start();
        String running = new String(pgrep.getInputStream().readAllBytes());
        assertThat(pgrep.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(running).as("systemd-nspawn processes left running").isBlank();
        assertThat(overlays()).as("overlay mounts of the sandbox's machines left in /proc/mounts").isEmpty();
    }

    private static List<String> overlays() throws IOException {
        return Files.readAllLines(Path.of("/proc/mounts")).stream()
                .filter(line -> line.startsWith("overlay ") && line.contains("amibake")).toList();
    }
}
