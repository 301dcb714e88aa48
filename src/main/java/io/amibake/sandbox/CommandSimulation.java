package io.amibake.sandbox;

import io.amibake.sandbox.Cloud.Command;
import io.amibake.sandbox.Cloud.Invocation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a sent command plays out on one instance, decided when it is sent: when it starts and ends,
 * what it prints, how it exits, and whether it shuts the instance down. The lines are never run;
 * their output is simulated from the few commands a bake typically uses.
 */
final class CommandSimulation {

    private static final Pattern INSTALL = Pattern.compile(
            "\\b(?:dnf|yum|apt-get|apt|zypper|apk)\\s+(?:-\\S+\\s+)*(?:install|add)\\b(.*)");
    private static final Pattern SHUTDOWN = Pattern.compile("^\\s*(?:sudo\\s+)?(?:shutdown|poweroff|halt)\\b");
    private static final Pattern EXIT = Pattern.compile("^\\s*exit\\s+(\\d+)\\s*$");
    private static final Pattern SEQ = Pattern.compile("^\\s*seq\\s+(\\d+)(?:\\s+(\\d+))?\\s*$");
    private static final Pattern ECHO = Pattern.compile("^\\s*echo\\s+(.*)$");

    private final Cloud cloud;
    private final Faults faults;

    CommandSimulation(Cloud cloud, Faults faults) {
        this.cloud = cloud;
        this.faults = faults;
    }

    Invocation plan(Command c, String instanceId, Instant now) {
        LatencyProfile profile = cloud.profile;
        Invocation inv = new Invocation();
        inv.instanceId = instanceId;
        inv.visibleAt = now.plus(profile.consistencyDelay());
        inv.startAt = now.plus(cloud.transition(profile.commandDelivery()));
        Cloud.Instance in = cloud.region(c.region).instances.get(instanceId);
        if (in.machine != null) {
            return onMachine(c, inv, in.machine);
        }
        Simulation sim = simulate(c.lines);
        ShellModel.Outcome model = ShellModel.run(contents(c.region, instanceId), c.lines);
        Duration run = cloud.transition(
                profile.commandBase().plus(profile.commandPerPackage().multipliedBy(sim.packages)));
        Optional<Faults.CommandFault> fault = faults.takeCommandFault(c.region, c.lines);
        inv.stdout = sim.stdout + model.stdout();
        inv.shutsDown = sim.shutsDown && fault.isEmpty();
        inv.stderr = sim.stderr + model.stderr();
        if (fault.isPresent()) {
            inv.finalStatus = "Failed";
            inv.finalDetails = "Failed";
            inv.responseCode = fault.get().exitCode();
            inv.stderr = inv.stderr + fault.get().stderr();
        } else if (sim.exitCode != 0 || model.exitCode() != 0) {
            inv.finalStatus = "Failed";
            inv.finalDetails = "Failed";
            inv.responseCode = sim.exitCode != 0 ? sim.exitCode : model.exitCode();
        } else {
            inv.finalStatus = "Success";
            inv.finalDetails = "Success";
            inv.responseCode = 0;
        }
        Duration limit = Duration.ofSeconds(c.executionTimeoutSeconds);
        if (run.compareTo(limit) > 0) {
            run = limit;
            inv.finalStatus = "TimedOut";
            inv.finalDetails = "ExecutionTimedOut";
            inv.responseCode = -1;
            inv.stderr = inv.stderr + timedOut(c.executionTimeoutSeconds);
        }
        inv.endAt = inv.startAt.plus(run);
        return inv;
    }

    /**
     * On a real machine the lines really run, and the invocation ends when they do; an injected
     * failure still wins, without running anything.
     */
    private Invocation onMachine(Command c, Invocation inv, Machine machine) {
        inv.stdout = "";
        inv.stderr = "";
        Optional<Faults.CommandFault> fault = faults.takeCommandFault(c.region, c.lines);
        if (fault.isPresent()) {
            inv.finalStatus = "Failed";
            inv.finalDetails = "Failed";
            inv.responseCode = fault.get().exitCode();
            inv.stderr = fault.get().stderr();
            inv.endAt = inv.startAt.plus(cloud.profile.commandBase());
            return inv;
        }
        cloud.machines.run(c, inv, machine);
        return inv;
    }

    /** What the agent adds to stderr when a command runs past its executionTimeout. */
    static String timedOut(int seconds) {
        return "\nfailed to run commands: exit status -1: execution timed out after " + seconds + " seconds";
    }

    /**
     * The instance's contents, which the command changes as it is sent: the bake waits for each
     * command before the next, so the order of effects is the order of sending.
     */
    private InstanceContents contents(String region, String instanceId) {
        Cloud.Instance in = cloud.region(region).instances.get(instanceId);
        if (in.contents == null) {
            Cloud.Image image = cloud.region(region).images.get(in.imageId);
            in.contents = (image == null ? InstanceContents.base(null) : InstanceContents.of(image)).boot();
        }
        return in.contents;
    }

    /** What a shell would plausibly print for these lines; the lines are never run. */
    record Simulation(int packages, String stdout, String stderr, int exitCode, boolean shutsDown) {
    }

    static Simulation simulate(List<String> lines) {
        StringBuilder out = new StringBuilder();
        int packages = 0;
        boolean shutsDown = false;
        for (String raw : lines) {
            for (String line : raw.split("\n")) {
                if (SHUTDOWN.matcher(line).find()) {
                    shutsDown = true;
                }
                Matcher exit = EXIT.matcher(line);
                if (exit.matches() && !exit.group(1).equals("0")) {
                    return new Simulation(packages, out.toString(), "", Integer.parseInt(exit.group(1)), false);
                }
                Matcher install = INSTALL.matcher(line);
                if (install.find()) {
                    List<String> names = new ArrayList<>();
                    for (String word : install.group(1).trim().split("\\s+")) {
                        if (!word.isEmpty() && !word.startsWith("-") && !word.matches("[;&|].*")) {
                            names.add(word);
                        }
                    }
                    packages += names.size();
                    boolean apt = line.contains("apt");
                    for (String name : names) {
                        out.append(apt ? "Setting up " + name + " ...\n" : "  Installing       : " + name + "\n");
                    }
                    out.append(apt ? "" : "Complete!\n");
                    continue;
                }
                Matcher seq = SEQ.matcher(line);
                if (seq.matches()) {
                    long from = seq.group(2) == null ? 1 : Long.parseLong(seq.group(1));
                    long to = Math.min(Long.parseLong(seq.group(2) == null ? seq.group(1) : seq.group(2)), 1_000_000);
                    for (long i = from; i <= to; i++) {
                        out.append(i).append('\n');
                    }
                    continue;
                }
                Matcher echo = ECHO.matcher(line);
                if (echo.matches()) {
                    out.append(echo.group(1).replaceAll("^[\"']|[\"']$", "")).append('\n');
                }
            }
        }
        return new Simulation(packages, out.toString(), "", 0, shutsDown);
    }
}
