package io.amibake.sandbox;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * One instance as a real machine: a systemd-nspawn container that boots systemd from an overlay
 * of its image's read-only layers and a writable layer of its own (its disk), with a private
 * network whose one link leads to the host, where the apt proxy listens.
 *
 * <p>Each boot runs {@code setpriv --pdeathsig SIGTERM unshare -m ... systemd-nspawn}: the overlay
 * is mounted in a mount namespace of the container's own, so it disappears with the container and
 * never shows in the host's /proc/mounts; and if the process that started it dies (the sandbox
 * killed with SIGKILL), nspawn gets SIGTERM and shuts the container down cleanly. The thread that
 * starts nspawn waits for it (the parent-death signal follows that thread), so none is left
 * behind. Setting up, copying and deleting the writable layer exclude one another.
 */
final class Machine {

    private static final Duration BOOT_DEADLINE = Duration.ofMinutes(5);
    private static final Duration SHUTDOWN_DEADLINE = Duration.ofSeconds(90);
    private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    final String instanceId;
    final String region;
    /** The image's layers, top first; the base image last. */
    final List<Path> lowers;
    final Path dir;
    final Path upper;
    private final Path work;
    private final Path merged;
    private final Path seed;
    private final Path aptConf;
    final Path console;
    private final MachineNetwork network;
    private final int proxyPort;

    /** The current boot, or null before the first. */
    private volatile Boot current;
    private volatile boolean removed;
    private int boots;
    /** Held while the writable layer is set up, copied or deleted. */
    private final Object disk = new Object();

    Machine(String instanceId, String region, List<Path> lowers, Path dir, MachineNetwork network, int proxyPort) {
        this.instanceId = instanceId;
        this.region = region;
        this.lowers = List.copyOf(lowers);
        this.dir = dir;
        this.upper = dir.resolve("upper");
        this.work = dir.resolve("work");
        this.merged = dir.resolve("root");
        this.seed = dir.resolve("seed");
        this.aptConf = dir.resolve("apt-proxy.conf");
        this.console = dir.resolve("console.log");
        this.network = network;
        this.proxyPort = proxyPort;
    }

    /**
     * One boot of the machine: its nspawn, the container's init, its network link, and whether
     * the sandbox asked it to shut down (any other exit is the machine's own doing, a poweroff).
     */
    static final class Boot {
        final Process nspawn;
        final CompletableFuture<Integer> exited;
        volatile long initPid;
        volatile MachineNetwork.Link link;
        volatile boolean ready;
        volatile boolean shutDownAsked;

        Boot(Process nspawn) {
            this.nspawn = nspawn;
            this.exited = nspawn.onExit().thenApply(Process::exitValue);
        }

        /** Frees what the boot held, once its container has exited. */
        void release() {
            MachineNetwork.Link l = link;
            link = null;
            if (l != null) {
                l.release();
            }
        }
    }

    /** Booted, as far as the SSM agent goes: systemd finished starting the system. */
    boolean ready() {
        Boot b = current;
        return b != null && b.ready;
    }

    /** The systemd-nspawn process of the current boot, while it runs; 0 otherwise. */
    long nspawnPid() {
        Boot b = current;
        return b != null && b.nspawn.isAlive() ? b.nspawn.pid() : 0;
    }

    boolean running() {
        return nspawnPid() != 0;
    }

    /**
     * Boots the machine and returns once systemd has started the system ("running" or
     * "degraded"). The calling thread becomes nspawn's parent and must outlive it: call it from a
     * thread that then waits for the boot's {@code exited}. {@code started} hears of the boot as
     * soon as nspawn runs (the boot may still fail); {@code beforeReady} runs on the booted
     * machine before it counts as ready.
     */
    void boot(String hostname, java.util.function.Consumer<Boot> started,
            java.util.function.Consumer<Machine> beforeReady) {
        try {
            Boot boot;
            synchronized (disk) {
                if (removed) {
                    throw new IllegalStateException(instanceId + " was terminated");
                }
                prepare(hostname);
                List<String> command = List.of("setpriv", "--pdeathsig", "SIGTERM", "--",
                        "unshare", "-m", "--propagation", "private", "--",
                        "sh", "-c", "mount -t overlay overlay -o \"volatile,lowerdir=$1,upperdir=$2,workdir=$3\" \"$4\""
                                + " && exec systemd-nspawn -q --register=no --keep-unit --private-network -b"
                                + " --bind-ro=\"$5:/var/lib/cloud/seed/nocloud\""
                                + " --bind-ro=\"$6:/etc/apt/apt.conf.d/01amibake-sandbox-proxy\" -D \"$4\"",
                        "sh", lowers.stream().map(Path::toString).collect(Collectors.joining(":")), upper.toString(),
                        work.toString(), merged.toString(), seed.toString(), aptConf.toString());
                ProcessBuilder builder = new ProcessBuilder(command)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()))
                        .redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                // nspawn mounts a tmpfs on /tmp unless told not to; an EC2 instance's /tmp is on its
                // disk, where the tmp cleaner must find what was left there.
                builder.environment().put("SYSTEMD_NSPAWN_TMPFS_TMP", "0");
                Files.writeString(console, "---- boot " + (++boots) + " of " + instanceId + "\n",
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                boot = new Boot(builder.start());
                current = boot;
            }
            started.accept(boot);
            boot.initPid = awaitInit(boot.nspawn);
            boot.link = network.attach(boot.initPid);
            Files.writeString(aptConf, "Acquire::http::Proxy \"http://" + boot.link.hostAddress() + ":" + proxyPort
                    + "/\";\n");
            String state = awaitSystem(boot.nspawn, boot.initPid);
            if (!state.equals("running") && !state.equals("degraded")) {
                throw new IllegalStateException("systemd in " + instanceId + " says '" + state + "' after booting");
            }
            beforeReady.accept(this);
            boot.ready = boot.nspawn.isAlive() && !boot.shutDownAsked;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot boot " + instanceId, e);
        }
    }

    private void prepare(String hostname) throws IOException {
        Files.createDirectories(upper);
        Files.createDirectories(merged);
        Files.createDirectories(seed);
        // A volatile overlay leaves its work directory marked: each boot starts with a fresh one.
        deleteTree(work);
        Files.createDirectories(work);
        // What EC2's metadata service tells cloud-init: which instance this is, so a new instance
        // of an image makes new SSH host keys, and its host name.
        Files.writeString(seed.resolve("meta-data"), "instance-id: " + instanceId + "\nlocal-hostname: " + hostname
                + "\n");
        Files.writeString(seed.resolve("user-data"), "#cloud-config\n{}\n");
        // The proxy's address is known once the link is up; until then apt has no way out.
        Files.writeString(aptConf, "");
    }

    private long awaitInit(Process process) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            // nspawn's first child only sets the container up; the init it starts is the child in a
            // PID namespace of its own.
            Optional<ProcessHandle> child = process.children().filter(Machine::ownPidNamespace).findFirst();
            if (child.isPresent()) {
                return child.get().pid();
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("systemd-nspawn for " + instanceId + " exited " + process.exitValue()
                        + " at once:\n" + tail(console));
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        throw new IllegalStateException("systemd-nspawn for " + instanceId + " started no init within 60 s");
    }

    /**
     * Waits for systemd to finish starting the system. A moment into the boot it has no bus yet,
     * or says "offline" (the manager has not started): ask again.
     */
    private String awaitSystem(Process process, long initPid) {
        long deadline = System.nanoTime() + BOOT_DEADLINE.toNanos();
        while (true) {
            HostCommand.Result r = HostCommand.run(BOOT_DEADLINE, nsenter(initPid, "systemctl", "is-system-running",
                    "--wait"));
            String state = r.output().strip();
            boolean early = state.contains("Failed to connect to bus") || state.equals("offline");
            if (!early || !process.isAlive() || System.nanoTime() > deadline) {
                return state;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    private static boolean ownPidNamespace(ProcessHandle p) {
        try {
            return !Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "ns", "pid"))
                    .equals(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")));
        } catch (IOException gone) {
            return false;
        }
    }

    /**
     * Shuts the container down as EC2's stop does (the power button: systemd stops every service
     * and powers off) and waits until it has exited; kills it if it will not.
     */
    void shutDown() {
        Boot boot = current;
        if (boot == null) {
            return;
        }
        boot.shutDownAsked = true;
        boot.ready = false;
        if (!boot.nspawn.isAlive()) {
            return;
        }
        // nspawn answers SIGTERM by asking the container's systemd for an orderly shutdown.
        boot.nspawn.toHandle().destroy();
        try {
            boot.exited.get(SHUTDOWN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            kill(boot);
        } catch (ExecutionException e) {
            // exited anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(boot);
        }
    }

    /** Ends a container at once: nspawn and the container's init, whose namespace takes every process with it. */
    private static void kill(Boot boot) {
        long init = boot.initPid;
        if (init > 0) {
            ProcessHandle.of(init).ifPresent(ProcessHandle::destroyForcibly);
        }
        boot.nspawn.destroyForcibly();
        try {
            boot.nspawn.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Shuts the machine down and deletes its writable layer: nothing of it is left. */
    void remove() {
        removed = true;
        shutDown();
        synchronized (disk) {
            deleteTree(dir);
        }
    }

    /**
     * Copies the writable layer into {@code layer}, whiteouts and overlay attributes included, as
     * CreateImage snapshots the instance's volume. On a running machine the copy is of a live
     * file system, as CreateImage with NoReboot is.
     */
    void capture(Path layer) {
        synchronized (disk) {
            try {
                Files.createDirectories(layer);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            HostCommand.check(Duration.ofMinutes(30), List.of("cp", "-a", "--reflink=auto", upper + "/.",
                    layer.toString()));
        }
    }

    /**
     * Runs a script as the SSM agent does: written to the agent's orchestration directory on the
     * instance and run as root with {@code sh -c}, with the agent's environment (no HOME), its
     * output written to the two files given. Returns the running process; the caller bounds its time.
     */
    Process exec(String commandId, List<String> lines, Path stdout, Path stderr) throws IOException {
        Boot boot = current;
        if (boot == null || !boot.ready) {
            throw new IllegalStateException(instanceId + " is not running");
        }
        long init = boot.initPid;
        String orchestration = "/var/lib/amazon/ssm/" + instanceId + "/document/orchestration/" + commandId
                + "/awsrunShellScript/0.awsrunShellScript";
        // Through /proc/PID/root: the container's own view of its disk, overlay and all.
        Path inside = Path.of("/proc/" + init + "/root" + orchestration);
        Files.createDirectories(inside);
        Path script = inside.resolve("_script.sh");
        Files.writeString(script, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        // The agent's runShellScript plugin: sh -c SCRIPT, so the script's shebang picks its shell.
        ProcessBuilder builder = new ProcessBuilder(nsenter(init, "sh", "-c", orchestration + "/_script.sh"))
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().clear();
        builder.environment().put("PATH", PATH);
        // The variables the agent gives every Run Command script.
        builder.environment().put("AWS_SSM_INSTANCE_ID", instanceId);
        builder.environment().put("AWS_SSM_REGION_NAME", region);
        return builder.start();
    }

    /** Runs a command in the container, as root, to its end; for the sandbox's own needs (not SSM's). */
    HostCommand.Result run(Duration deadline, String... command) {
        Boot boot = current;
        if (boot == null || boot.initPid == 0 || !boot.nspawn.isAlive()) {
            throw new IllegalStateException(instanceId + " is not running");
        }
        return HostCommand.run(deadline, nsenter(boot.initPid, command));
    }

    private static List<String> nsenter(long initPid, String... command) {
        List<String> args = new ArrayList<>(List.of("nsenter", "-t", Long.toString(initPid), "-a", "--"));
        args.addAll(List.of(command));
        return args;
    }

    static String tail(Path file) {
        try {
            List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(" + file + " unreadable: " + e.getMessage() + ")";
        }
    }

    static void deleteTree(Path path) {
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            // rm knows whiteouts, sockets and read-only directories; deleting a tree of a few
            // hundred thousand files is what it is for
            HostCommand.check(Duration.ofMinutes(10), List.of("rm", "-rf", "--one-file-system", path.toString()));
        }
    }
}
