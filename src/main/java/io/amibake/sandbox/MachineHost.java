package io.amibake.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Whether this host can run the sandbox's real machines: root, and the tools they need. */
public final class MachineHost {

    /** Debian's packages that hold the tools, for the message that names what is missing. */
    private static final List<String[]> TOOLS = List.of(
            new String[] {"systemd-nspawn", "systemd-container"},
            new String[] {"debootstrap", "debootstrap"},
            new String[] {"nsenter", "util-linux"},
            new String[] {"unshare", "util-linux"},
            new String[] {"setpriv", "util-linux"},
            new String[] {"flock", "util-linux"},
            new String[] {"ip", "iproute2"});

    private MachineHost() {
    }

    /**
     * Why this host cannot run containers, or empty when it can: the sandbox must run as root
     * (mounts, namespaces, network links) and find systemd-nspawn, debootstrap and the rest on PATH.
     */
    public static Optional<String> problem() {
        if (!isRoot()) {
            return Optional.of("not running as root");
        }
        List<String> missing = new ArrayList<>();
        List<String> packages = new ArrayList<>();
        for (String[] tool : TOOLS) {
            if (find(tool[0]).isEmpty()) {
                missing.add(tool[0]);
                if (!packages.contains(tool[1])) {
                    packages.add(tool[1]);
                }
            }
        }
        if (!missing.isEmpty()) {
            return Optional.of("no " + String.join(", ", missing) + " on PATH (apt-get install "
                    + String.join(" ", packages) + ")");
        }
        return Optional.empty();
    }

    static Optional<Path> find(String command) {
        String path = System.getenv("PATH");
        List<String> dirs = new ArrayList<>(List.of((path == null ? "" : path).split(":")));
        // root's tools live in sbin, which a user's PATH may lack
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return Optional.of(Path.of(dir, command));
            }
        }
        return Optional.empty();
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
