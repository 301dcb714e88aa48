package io.amibake.sandbox;

import io.amibake.sandbox.Cloud.Command;
import io.amibake.sandbox.Cloud.Instance;
import io.amibake.sandbox.Cloud.Invocation;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The sandbox's real machines: the instances of its Debian image and of every image made from
 * them. EC2 and SSM answer as they always do; only what is on and in an instance is real. Each
 * instance is a {@link Machine}; its image's layers are directories ({@code layers}, the base
 * image last); CreateImage copies the instance's writable layer into a new one, CopyImage shares
 * them. The state of the cloud changes when a machine has really done what was asked: an
 * instance is {@code stopped} once its container has exited, an image {@code available} once its
 * layer is copied, a command ends when its process does. Everything of a run lives in a
 * directory of its own, deleted on {@link #close()}; the base image and the apt proxy's cache
 * stay in the cache directory for the next run.
 */
final class Machines implements AutoCloseable {

    private static final Duration FAR = Duration.ofDays(3650);
    private static final Pattern SOURCE_HOST = Pattern.compile("(?m)^deb\\s+(?:\\[[^]]*]\\s+)?(http://[^\\s/]+)");
    private static final String RUN_PREFIX = "amibake-machines-";

    private final Cloud cloud;
    private final Faults faults;
    private final Consumer<String> log;
    final MachineOptions options;
    /** The base image's root file system: the bottom layer of every machine. */
    final Path base;
    private final Path run;
    private final AptProxy proxy;
    private final MachineNetwork network = new MachineNetwork();
    private final Map<String, Machine> machines = new ConcurrentHashMap<>();
    private final Set<Thread> consoles = ConcurrentHashMap.newKeySet();
    private final ExecutorService work;
    private volatile boolean closed;

    private Machines(Cloud cloud, Faults faults, Consumer<String> log, MachineOptions options, Path base, Path run,
            AptProxy proxy) {
        this.cloud = cloud;
        this.faults = faults;
        this.log = log;
        this.options = options;
        this.base = base;
        this.run = run;
        this.proxy = proxy;
        AtomicInteger threads = new AtomicInteger();
        this.work = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "sandbox-machines-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Builds the base image if this host has none (minutes, once), starts the apt proxy and makes
     * this run's directory; {@code log} hears what takes long and what goes wrong in a machine.
     */
    static Machines start(MachineOptions options, Cloud cloud, Faults faults, Consumer<String> log) throws IOException {
        Optional<String> problem = MachineHost.problem();
        if (problem.isPresent()) {
            throw new IllegalStateException("this host cannot run real machines: " + problem.get());
        }
        Path base = DebianBase.ensure(options, log);
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        removeAbandonedRuns(tmp);
        Path run = Files.createTempDirectory(tmp, RUN_PREFIX);
        Files.writeString(run.resolve("owner.pid"), Long.toString(ProcessHandle.current().pid()));
        Set<String> hosts = new LinkedHashSet<>();
        hosts.add(options.mirror().getHost().toLowerCase());
        Matcher m = SOURCE_HOST.matcher(Files.readString(base.resolve("etc/apt/sources.list")));
        while (m.find()) {
            hosts.add(URI.create(m.group(1)).getHost().toLowerCase());
        }
        AptProxy proxy = AptProxy.start(options.cacheDir().resolve("apt-proxy"), hosts);
        return new Machines(cloud, faults, log, options, base, run, proxy);
    }

    /**
     * Runs of sandboxes that died without closing: their containers went with them (each got
     * SIGTERM when its parent died), their directories did not.
     */
    private static void removeAbandonedRuns(Path tmp) {
        try (Stream<Path> dirs = Files.list(tmp)) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(RUN_PREFIX)).toList()) {
                Path pid = dir.resolve("owner.pid");
                try {
                    long owner = Long.parseLong(Files.readString(pid).strip());
                    if (ProcessHandle.of(owner).isEmpty()) {
                        Machine.deleteTree(dir);
                    }
                } catch (IOException | NumberFormatException | IllegalStateException e) {
                    // not ours to judge: leave it
                }
            }
        } catch (IOException e) {
            // no temporary directory to look in
        }
    }

    /** The layers of the sandbox's public Debian image. */
    List<Path> baseLayers() {
        return List.of(base);
    }

    /** What the apt proxy has served, for benchmarks and tests. */
    AptProxy.Stats aptProxyStats() {
        return proxy.stats();
    }

    Machine machine(String instanceId) {
        return machines.get(instanceId);
    }

    Path instanceDir(String instanceId) {
        return run.resolve("instances").resolve(instanceId);
    }

    Path layerOf(String imageId) {
        return run.resolve("layers").resolve(imageId);
    }

    /** RunInstances of an image with layers: the instance's machine, booting from now. */
    Machine launch(Instance in, List<Path> layers) {
        Machine machine = new Machine(in.id, in.region, layers, instanceDir(in.id), network, proxy.port());
        machines.put(in.id, machine);
        boot(in, machine);
        return machine;
    }

    /**
     * Boots the instance's machine on a thread of its own, which stays its container's parent
     * until it exits, then tells the cloud if the machine went down by itself.
     */
    void boot(Instance in) {
        boot(in, in.machine);
    }

    private void boot(Instance in, Machine machine) {
        String hostname = "ip-" + in.privateIp.replace('.', '-');
        String name = in.tags.get("Name");
        Thread console = new Thread(() -> {
            Machine.Boot[] boot = new Machine.Boot[1];
            try {
                machine.boot(hostname, b -> boot[0] = b, m -> applyBootFaults(m, name));
            } catch (RuntimeException e) {
                if (boot[0] == null || !boot[0].shutDownAsked) {
                    log.accept("machine " + in.id + " did not boot: " + e.getMessage() + "\n"
                            + Machine.tail(machine.console));
                }
            }
            if (boot[0] == null) {
                return;
            }
            boot[0].exited.join();
            boot[0].release();
            if (!boot[0].shutDownAsked) {
                wentDown(in);
            }
        }, "sandbox-machine-" + in.id);
        console.setDaemon(true);
        consoles.add(console);
        console.start();
    }

    private void applyBootFaults(Machine machine, String instanceName) {
        Optional<Duration> hold = faults.takeAptLockHold(instanceName);
        if (hold.isEmpty()) {
            return;
        }
        // A real process holds the locks apt takes (fcntl locks, as dpkg's and apt's own), in a unit
        // of the machine's systemd, as unattended-upgrades would.
        String python = "import fcntl, time\n"
                + "held = [open(p, 'a') for p in ('/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock',"
                + " '/var/lib/apt/lists/lock')]\n"
                + "for f in held: fcntl.lockf(f, fcntl.LOCK_EX)\n"
                + "open('/run/apt-lock-held-by-sandbox', 'w').close()\n"
                + "time.sleep(" + hold.get().toSeconds() + ")\n";
        HostCommand.Result started = machine.run(Duration.ofSeconds(60), "systemd-run", "--unit=apt-lock-held-by-sandbox",
                "--description=holds apt's locks for the sandbox's holdAptLock fault", "python3", "-c", python);
        if (!started.ok()) {
            log.accept("machine " + machine.instanceId + ": holdAptLock did not start: " + started.output());
            return;
        }
        // The unit runs; the first command must find the locks already held.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline
                && !machine.run(Duration.ofSeconds(10), "test", "-e", "/run/apt-lock-held-by-sandbox").ok()) {
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    /** The machine exited without being asked, as after a poweroff on it: the instance stops or terminates. */
    private void wentDown(Instance in) {
        synchronized (cloud) {
            Instant now = cloud.now();
            String state = in.state(now);
            if (!state.equals("running") && !state.equals("pending")) {
                return;
            }
            boolean terminate = "terminate".equals(in.shutdownBehavior);
            Ec2Instances.stop(cloud, in, now, terminate ? "shutting-down" : "stopping", terminate ? "terminated"
                    : "stopped", Ec2Instances.INSTANCE_SHUTDOWN);
        }
    }

    /**
     * Shuts the instance's machine down (and, to terminate it, deletes its disk), then, holding
     * the cloud's monitor, runs {@code done}: the instance reaches its end state only now.
     */
    void shutDown(Instance in, boolean terminate, Runnable done) {
        Machine machine = in.machine;
        work.submit(() -> {
            try {
                if (terminate) {
                    machine.remove();
                    machines.remove(in.id);
                } else {
                    machine.shutDown();
                }
            } catch (RuntimeException e) {
                log.accept("machine " + in.id + " did not shut down cleanly: " + e.getMessage());
            }
            synchronized (cloud) {
                done.run();
            }
        });
    }

    /**
     * CreateImage: the image's layers are a copy of the instance's writable layer on top of the
     * instance's own; it becomes available once the copy is done, and not before its planned time.
     */
    void capture(Instance in, Cloud.Image image) {
        Machine machine = in.machine;
        Path layer = layerOf(image.id);
        List<Path> layers = new ArrayList<>();
        layers.add(layer);
        layers.addAll(machine.lowers);
        image.layers = List.copyOf(layers);
        Instant planned = image.readyAt;
        Ec2Images.complete(cloud.region(image.region), image, cloud.now().plus(FAR));
        work.submit(() -> {
            boolean copied = false;
            try {
                machine.capture(layer);
                copied = true;
            } catch (RuntimeException e) {
                log.accept("CreateImage of " + in.id + " could not copy its disk: " + e.getMessage());
            }
            synchronized (cloud) {
                Instant now = cloud.now();
                if (!copied) {
                    image.fails = true;
                }
                Ec2Images.complete(cloud.region(image.region), image, now.isAfter(planned) ? now : planned);
            }
        });
    }

    /**
     * Runs a command's script on the instance's machine, as the SSM agent does; the invocation
     * ends when the process does, killed at its execution timeout (counted in real seconds, as
     * the agent on the instance counts them).
     */
    void run(Command c, Invocation inv, Machine machine) {
        inv.endAt = inv.startAt.plus(FAR);
        work.submit(() -> {
            Path dir = run.resolve("commands");
            Path out = dir.resolve(c.id + "-" + inv.instanceId + ".out");
            Path err = dir.resolve(c.id + "-" + inv.instanceId + ".err");
            int code;
            boolean timedOut = false;
            String problem = null;
            try {
                Files.createDirectories(dir);
                Process process = machine.exec(c.id, c.lines, out, err);
                if (!process.waitFor(c.executionTimeoutSeconds, TimeUnit.SECONDS)) {
                    timedOut = true;
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(30, TimeUnit.SECONDS);
                }
                code = timedOut ? -1 : process.exitValue();
            } catch (IOException | RuntimeException e) {
                code = 1;
                problem = "the sandbox could not run the command on " + inv.instanceId + ": " + e.getMessage() + "\n";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            String stdout = read(out, SsmCommands.STDOUT_LIMIT);
            String stderr = read(err, SsmCommands.STDERR_LIMIT);
            synchronized (cloud) {
                Instant now = cloud.now();
                inv.endAt = now.isAfter(inv.startAt) ? now : inv.startAt;
                inv.stdout = stdout;
                inv.stderr = problem != null ? stderr + problem : stderr;
                if (timedOut) {
                    inv.finalStatus = "TimedOut";
                    inv.finalDetails = "ExecutionTimedOut";
                    inv.responseCode = -1;
                    inv.stderr = inv.stderr + CommandSimulation.timedOut(c.executionTimeoutSeconds);
                } else {
                    inv.finalStatus = code == 0 ? "Success" : "Failed";
                    inv.finalDetails = inv.finalStatus;
                    inv.responseCode = code;
                }
            }
            try {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            } catch (IOException ignored) {
                // the run directory goes on close
            }
        });
    }

    /** The first {@code chars} characters of a command's output: all SSM can ever return of it. */
    private static String read(Path file, int chars) {
        try {
            String text = HostCommand.head(file, chars * 4);
            return text.length() > chars ? text.substring(0, chars) : text;
        } catch (IOException e) {
            return "";
        }
    }

    /** Every machine still running, and the containers' parents. */
    List<Machine> running() {
        return machines.values().stream().filter(Machine::running).toList();
    }

    /**
     * Shuts every machine down (in parallel, cleanly where they let it), waits for their parents,
     * stops the proxy and deletes this run's directory.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Thread> stopping = new ArrayList<>();
        for (Machine machine : machines.values()) {
            Thread t = new Thread(machine::shutDown, "sandbox-machine-stop-" + machine.instanceId);
            t.setDaemon(true);
            t.start();
            stopping.add(t);
        }
        for (Thread t : stopping) {
            join(t);
        }
        for (Thread t : consoles) {
            join(t);
        }
        work.shutdownNow();
        proxy.close();
        try {
            Machine.deleteTree(run);
        } catch (RuntimeException e) {
            log.accept("could not delete " + run + ": " + e.getMessage());
        }
    }

    private static void join(Thread t) {
        try {
            t.join(Duration.ofMinutes(2).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
