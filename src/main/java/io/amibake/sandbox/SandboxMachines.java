package io.amibake.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The sandbox's real machines as its users see them: whether they run (and the one line that says
 * why not), the containers running, what a machine or an image holds. Without
 * {@link SandboxOptions#machines()} every instance is modelled and this says so.
 */
public final class SandboxMachines {

    private static final Duration LOOK = Duration.ofMinutes(2);

    private final Cloud cloud;
    private final Machines machines;
    private final String fallback;

    private SandboxMachines(Cloud cloud, Machines machines, String fallback) {
        this.cloud = cloud;
        this.machines = machines;
        this.fallback = fallback;
    }

    static SandboxMachines start(MachineOptions options, Cloud cloud, Faults faults) throws IOException {
        return start(options, cloud, faults, options == null ? Optional.empty() : MachineHost.problem());
    }

    /** As {@link #start(MachineOptions, Cloud, Faults)}, with what this host lacks given. */
    static SandboxMachines start(MachineOptions options, Cloud cloud, Faults faults, Optional<String> problem)
            throws IOException {
        if (options == null) {
            return new SandboxMachines(cloud, null, null);
        }
        if (problem.isPresent()) {
            return new SandboxMachines(cloud, null, "no real machines on this host (" + problem.get()
                    + "): Debian instances run on the shell model, as without --machines");
        }
        Machines machines = Machines.start(options, cloud, faults, line -> {
            System.err.println("amibake sandbox: " + line);
            System.err.flush();
        });
        cloud.machines = machines;
        return new SandboxMachines(cloud, machines, null);
    }

    /** Whether instances of the Debian image are real machines in this sandbox. */
    public boolean real() {
        return machines != null;
    }

    /** When real machines were asked for but this host cannot run them: the one line that says so and what runs instead. */
    public Optional<String> fallback() {
        return Optional.ofNullable(fallback);
    }

    /** The base image's root file system (the bottom layer of every machine). */
    public Path baseImage() {
        return require().base;
    }

    /** The process ids of this sandbox's systemd-nspawn processes still running. */
    public List<Long> containers() {
        if (machines == null) {
            return List.of();
        }
        return machines.running().stream().map(Machine::nspawnPid).filter(p -> p > 0).toList();
    }

    /** Where the instance's writable layer (its disk) is or was: terminating it deletes the directory. */
    public Path writableLayer(String instanceId) {
        return require().instanceDir(instanceId).resolve("upper");
    }

    /** How often the apt proxy served from its cache and from the mirror, and the bytes it fetched. */
    public String aptProxyStats() {
        AptProxy.Stats s = require().aptProxyStats();
        return s.hits() + " from the cache, " + s.misses() + " from the mirror (" + s.fetchedBytes() / 1024 + " KiB)";
    }

    /** What a command run as root in a running machine printed (stdout and stderr) and its exit code. */
    public record Output(int exitCode, String text) {
    }

    /** Runs {@code command} as root in the instance's running machine; not through SSM, and not recorded. */
    public Output run(String instanceId, String... command) {
        Machine machine = require().machine(instanceId);
        if (machine == null || !machine.ready()) {
            throw new IllegalArgumentException(instanceId + " is not a running machine");
        }
        HostCommand.Result r = machine.run(LOOK, command);
        return new Output(r.exitCode(), r.output());
    }

    /**
     * The files of an image (its layers, mounted read-only for each look), so that a test reads
     * what the image holds, not what commands printed.
     */
    public ImageFiles image(String imageId) {
        synchronized (cloud) {
            for (Cloud.Region region : cloud.regions()) {
                Cloud.Image image = region.images.get(imageId);
                if (image != null && image.layers != null) {
                    return new ImageFiles(imageId, image.layers);
                }
            }
        }
        throw new IllegalArgumentException("no image " + imageId + " with layers (a real machine's image)");
    }

    /** One image's files, read through an overlay of its layers in a private mount namespace. */
    public final class ImageFiles {

        private final String imageId;
        private final List<Path> layers;

        private ImageFiles(String imageId, List<Path> layers) {
            this.imageId = imageId;
            this.layers = layers;
        }

        /** The content of a regular file, or empty when there is none at {@code path}. */
        public Optional<String> read(String path) {
            HostCommand.Result r = look("test -f \"./$0\" && cat \"./$0\"", path);
            return r.ok() ? Optional.of(r.output()) : Optional.empty();
        }

        public boolean exists(String path) {
            return look("test -e \"./$0\" || test -L \"./$0\"", path).ok();
        }

        /**
         * Every file and directory under {@code dir} (absolute paths, sorted; the directory itself
         * left out), each as {@code TYPE SIZE PATH} with find's type letters: {@code f 0 /tmp/x}.
         * Empty when {@code dir} does not exist.
         */
        public List<String> tree(String dir) {
            HostCommand.Result r = look("test -d \"./$0\" || exit 0; find \"./$0\" -mindepth 1 -printf '%y %s %p\\n'",
                    dir);
            if (!r.ok()) {
                throw new IllegalStateException("cannot list " + dir + " in " + imageId + ": " + r.output());
            }
            return Arrays.stream(r.output().split("\n")).filter(l -> !l.isBlank())
                    .map(l -> l.replaceFirst(" \\./+", " /")).sorted().collect(Collectors.toList());
        }

        private HostCommand.Result look(String script, String path) {
            String relative = path.replaceFirst("^/+", "");
            Path mount;
            try {
                mount = Files.createTempDirectory("amibake-image-");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            try {
                List<String> command = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "--", "sh",
                        "-c"));
                if (layers.size() == 1) {
                    command.addAll(List.of("cd \"$2\" && exec sh -c \"$3\" \"$4\"", "sh", "", layers.get(0).toString(),
                            script, relative));
                } else {
                    command.addAll(List.of("mount -t overlay overlay -o \"ro,lowerdir=$1\" \"$2\" && cd \"$2\""
                                    + " && exec sh -c \"$3\" \"$4\"", "sh",
                            layers.stream().map(Path::toString).collect(Collectors.joining(":")), mount.toString(),
                            script, relative));
                }
                return HostCommand.run(LOOK, command);
            } finally {
                try {
                    Files.deleteIfExists(mount);
                } catch (IOException ignored) {
                    // the mount went with its namespace; an empty directory in /tmp is harmless
                }
            }
        }
    }

    private Machines require() {
        if (machines == null) {
            throw new IllegalStateException(fallback != null ? fallback : "the sandbox runs no real machines");
        }
        return machines;
    }

    void close() {
        if (machines != null) {
            machines.close();
        }
    }
}
