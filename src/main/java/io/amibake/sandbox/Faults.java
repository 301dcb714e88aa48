package io.amibake.sandbox;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Faults to inject into the sandbox: the same powers as {@code POST /_sandbox/faults}. Every fault
 * is used up as it fires; {@link #clear()} removes the ones left.
 */
public final class Faults {

    /**
     * What an armed request fault does when it fires: answer an error, or close the connection;
     * with {@code after}, the call takes effect first and the error is answered anyway.
     */
    record RequestFault(String operation, String region, String errorCode, boolean drop, boolean after) {
    }

    /** A command fault as it fires: the exit code and the stderr the invocation reports. */
    record CommandFault(int exitCode, String stderr) {
    }

    private final List<Armed> requestFaults = new ArrayList<>();
    private final List<ArmedCommand> commandFaults = new ArrayList<>();
    private final Set<String> failingImageRegions = new HashSet<>();
    private final List<AptLockHold> aptLockHolds = new ArrayList<>();

    /** An armed holdAptLock: how long, and the Name tag of the instance it waits for (null: any). */
    record AptLockHold(java.time.Duration duration, String name) {
    }
    /** Denied actions as {@code operation@region}, or {@code operation@*} for every region. */
    private final Set<String> denied = new java.util.LinkedHashSet<>();
    private final java.util.function.Predicate<String> imageFailer;

    Faults(java.util.function.Predicate<String> imageFailer) {
        this.imageFailer = imageFailer;
    }

    /**
     * The next {@code times} calls of {@code operation} (e.g. {@code RunInstances},
     * {@code SendCommand}) in {@code regionOrNull} (null: any region) answer {@code errorCode},
     * with the HTTP status AWS uses for it ({@code InsufficientInstanceCapacity} 500,
     * {@code RequestLimitExceeded} 503, most others 400).
     */
    public synchronized void failNext(String operation, String regionOrNull, String errorCode, int times) {
        requestFaults.add(new Armed(new RequestFault(operation, regionOrNull, errorCode, false, false), positive(times)));
    }

    /**
     * The next {@code times} calls of {@code operation} in {@code regionOrNull} take effect, then
     * answer {@code errorCode} anyway (e.g. {@code InternalError}, HTTP 500): what a caller sees
     * when AWS created something but the answer was lost. A retry must look before it acts again.
     */
    public synchronized void failAfter(String operation, String regionOrNull, String errorCode, int times) {
        requestFaults.add(new Armed(new RequestFault(operation, regionOrNull, errorCode, false, true), positive(times)));
    }

    /** The next {@code times} calls of {@code operation} in {@code regionOrNull} get no answer: the connection closes. */
    public synchronized void dropNext(String operation, String regionOrNull, int times) {
        requestFaults.add(new Armed(new RequestFault(operation, regionOrNull, null, true, false), positive(times)));
    }

    /**
     * The next command with a line matching {@code regex} (found anywhere in the line) ends Failed
     * with {@code exitCode} and {@code stderr}. Fires once, so a resumed bake gets past it.
     */
    public void failCommand(String regex, int exitCode, String stderr) {
        failCommand(regex, exitCode, stderr, 1);
    }

    /** Like {@link #failCommand(String, int, String)} for the next {@code times} matching commands. */
    public void failCommand(String regex, int exitCode, String stderr, int times) {
        failCommand(regex, exitCode, stderr, times, null);
    }

    /**
     * Like {@link #failCommand(String, int, String, int)}, for commands sent in {@code regionOrNull}
     * only (null: any region): a test that fails on the instances of one region.
     */
    public synchronized void failCommand(String regex, int exitCode, String stderr, int times, String regionOrNull) {
        commandFaults.add(new ArmedCommand(Pattern.compile(regex), new CommandFault(exitCode,
                stderr == null ? "" : stderr), positive(times), regionOrNull));
    }

    /** The next CreateImage or CopyImage in {@code region} is accepted but ends {@code failed}. */
    public synchronized void failNextImage(String region) {
        failingImageRegions.add(region);
    }

    /**
     * Sends an image that is still pending (a CreateImage or a copy, in any region) to
     * {@code failed} now, with its snapshots in {@code error}.
     *
     * @throws IllegalArgumentException when no such image is pending
     */
    public void failImage(String imageId) {
        if (!imageFailer.test(imageId)) {
            throw new IllegalArgumentException("no pending image " + imageId);
        }
    }

    /**
     * Denies {@code operation} (e.g. {@code RunInstances}, {@code DescribeKey}) in {@code regionOrNull}
     * (null: every region) until {@link #clear()}: every call, with DryRun or without, answers
     * {@code UnauthorizedOperation} (HTTP 403) as EC2 does when IAM refuses an action, or
     * {@code AccessDeniedException} from SSM and KMS. Nothing is used up.
     */
    public synchronized void deny(String operation, String regionOrNull) {
        denied.add(operation + "@" + (regionOrNull == null ? "*" : regionOrNull));
    }

    /**
     * The next real machine to boot (docs/sandbox.md, "Real machines") holds apt's locks for
     * {@code duration} from the moment its agent comes online, as cloud-init and unattended-upgrades
     * do after a first boot on Ubuntu's and Debian's AMIs: a real process in the machine holds the
     * dpkg and package-list locks. Without real machines it never fires.
     */
    public void holdAptLock(java.time.Duration duration) {
        holdAptLock(duration, null);
    }

    /** Like {@link #holdAptLock(java.time.Duration)}, on the next machine whose instance's Name tag is {@code name}. */
    public synchronized void holdAptLock(java.time.Duration duration, String name) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("the lock must be held for a positive time, was " + duration);
        }
        aptLockHolds.add(new AptLockHold(duration, name));
    }

    /** Removes every fault not yet used. */
    public synchronized void clear() {
        denied.clear();
        requestFaults.clear();
        commandFaults.clear();
        failingImageRegions.clear();
        aptLockHolds.clear();
    }

    /** The faults still armed, for the admin API. */
    public synchronized List<Map<String, Object>> pending() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Armed a : requestFaults) {
            list.add(a.fault.drop()
                    ? Map.of("fault", "dropNext", "operation", a.fault.operation(),
                            "region", String.valueOf(a.fault.region()), "times", a.left)
                    : Map.of("fault", a.fault.after() ? "failAfter" : "failNext", "operation", a.fault.operation(),
                            "region", String.valueOf(a.fault.region()), "errorCode", a.fault.errorCode(),
                            "times", a.left));
        }
        for (ArmedCommand c : commandFaults) {
            list.add(Map.of("fault", "failCommand", "regex", c.pattern.pattern(), "exitCode", c.fault.exitCode(),
                    "stderr", c.fault.stderr(), "times", c.left, "region", String.valueOf(c.region)));
        }
        for (String region : failingImageRegions) {
            list.add(Map.of("fault", "failNextImage", "region", region));
        }
        for (AptLockHold h : aptLockHolds) {
            list.add(Map.of("fault", "holdAptLock", "seconds", h.duration().toSeconds(), "name",
                    String.valueOf(h.name())));
        }
        for (String d : denied) {
            list.add(Map.of("fault", "deny", "operation", d.substring(0, d.indexOf('@')),
                    "region", d.substring(d.indexOf('@') + 1).replace("*", "null")));
        }
        return list;
    }

    synchronized boolean isDenied(String operation, String region) {
        return denied.contains(operation + "@*") || denied.contains(operation + "@" + region);
    }

    synchronized Optional<RequestFault> takeRequestFault(String operation, String region) {
        for (Iterator<Armed> it = requestFaults.iterator(); it.hasNext(); ) {
            Armed a = it.next();
            if (a.fault.operation().equals(operation) && (a.fault.region() == null || a.fault.region().equals(region))) {
                if (--a.left <= 0) {
                    it.remove();
                }
                return Optional.of(a.fault);
            }
        }
        return Optional.empty();
    }

    synchronized Optional<CommandFault> takeCommandFault(String region, List<String> lines) {
        for (Iterator<ArmedCommand> it = commandFaults.iterator(); it.hasNext(); ) {
            ArmedCommand c = it.next();
            if ((c.region == null || c.region.equals(region))
                    && lines.stream().anyMatch(line -> c.pattern.matcher(line).find())) {
                if (--c.left <= 0) {
                    it.remove();
                }
                return Optional.of(c.fault);
            }
        }
        return Optional.empty();
    }

    synchronized Optional<java.time.Duration> takeAptLockHold(String instanceName) {
        for (Iterator<AptLockHold> it = aptLockHolds.iterator(); it.hasNext(); ) {
            AptLockHold h = it.next();
            if (h.name() == null || h.name().equals(instanceName)) {
                it.remove();
                return Optional.of(h.duration());
            }
        }
        return Optional.empty();
    }

    synchronized boolean takeImageFailure(String region) {
        return failingImageRegions.remove(region);
    }

    private static int positive(int times) {
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1, was " + times);
        }
        return times;
    }

    private static final class Armed {
        final RequestFault fault;
        int left;

        Armed(RequestFault fault, int left) {
            this.fault = fault;
            this.left = left;
        }
    }

    private static final class ArmedCommand {
        final Pattern pattern;
        final CommandFault fault;
        final String region;
        int left;

        ArmedCommand(Pattern pattern, CommandFault fault, int left, String region) {
            this.pattern = pattern;
            this.fault = fault;
            this.left = left;
            this.region = region;
        }
    }
}
