package io.amibake.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long each transition takes in sandbox time, before the time scale shrinks it.
 *
 * @param instanceRunning     pending to running, after RunInstances or StartInstances
 * @param agentRegistration   running until the SSM agent is Online (only with an instance profile)
 * @param commandDelivery     a command stays Pending this long, and its invocation is not yet visible
 * @param commandBase         a command's execution time before packages are counted
 * @param commandPerPackage   added per package named in an install line (dnf/yum/apt-get/apt install)
 * @param instanceStopping    stopping to stopped
 * @param instanceReboot      added to CreateImage on a running instance when NoReboot is false
 * @param imageCreate         CreateImage pending to available
 * @param imageCopy           CopyImage pending to available, while the copy's snapshot Progress rises
 * @param instanceTerminating shutting-down to terminated
 * @param consistencyDelay    after RunInstances (SendCommand), DescribeInstances by id
 *                            (GetCommandInvocation) still answers NotFound for this long, as
 *                            AWS's eventual consistency does
 * @param imageConsistencyDelay after CreateImage or CopyImage, the new image is NotFound for this
 *                            long while its name is already taken (EC2's eventual consistency; the
 *                            SDK's ImageExists waiter retries exactly this)
 * @param imageNameReuse      after DeregisterImage, the image's name is still refused with
 *                            InvalidAMIName.Duplicate for this long
 * @param deregisteredListed  after DeregisterImage, DescribeImages still lists the image (state
 *                            deregistered) for this long, as AWS documents
 */
public record LatencyProfile(
        Duration instanceRunning,
        Duration agentRegistration,
        Duration commandDelivery,
        Duration commandBase,
        Duration commandPerPackage,
        Duration instanceStopping,
        Duration instanceReboot,
        Duration imageCreate,
        Duration imageCopy,
        Duration instanceTerminating,
        Duration consistencyDelay,
        Duration imageConsistencyDelay,
        Duration imageNameReuse,
        Duration deregisteredListed) {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

    public LatencyProfile {
        List<Duration> all = List.of(Objects.requireNonNull(instanceRunning), Objects.requireNonNull(agentRegistration),
                Objects.requireNonNull(commandDelivery), Objects.requireNonNull(commandBase),
                Objects.requireNonNull(commandPerPackage), Objects.requireNonNull(instanceStopping),
                Objects.requireNonNull(instanceReboot), Objects.requireNonNull(imageCreate),
                Objects.requireNonNull(imageCopy), Objects.requireNonNull(instanceTerminating),
                Objects.requireNonNull(consistencyDelay), Objects.requireNonNull(imageConsistencyDelay),
                Objects.requireNonNull(imageNameReuse), Objects.requireNonNull(deregisteredListed));
        if (all.stream().anyMatch(Duration::isNegative)) {
            throw new IllegalArgumentException("latencies must not be negative");
        }
    }

    /**
     * Durations that approximate AWS: running in 20 s, agent online 30 s later, image 4 min, copy 8
     * min. AWS documents eventual consistency, a deregistered image's brief listing and name reuse
     * without figures; the figures here are the sandbox's assumptions (docs/sandbox.md).
     */
    public static LatencyProfile aws() {
        return new LatencyProfile(Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofSeconds(2),
                Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(40), Duration.ofSeconds(30),
                Duration.ofMinutes(4), Duration.ofMinutes(8), Duration.ofSeconds(40), Duration.ofSeconds(1),
                Duration.ofSeconds(10), Duration.ofMinutes(2), Duration.ofMinutes(1));
    }

    /** This profile with one entry changed, by its file key (see {@link #asMap()}). */
    public LatencyProfile with(String key, Duration duration) {
        Map<String, Duration> values = asMap();
        if (!values.containsKey(key)) {
            throw new IllegalArgumentException("unknown latency key '" + key + "', expected one of " + values.keySet());
        }
        values.put(key, duration);
        return fromMap(values);
    }

    /** The profile's entries by their file key, in declaration order. */
    public Map<String, Duration> asMap() {
        Map<String, Duration> map = new LinkedHashMap<>();
        map.put("instance-running", instanceRunning);
        map.put("agent-registration", agentRegistration);
        map.put("command-delivery", commandDelivery);
        map.put("command-base", commandBase);
        map.put("command-per-package", commandPerPackage);
        map.put("instance-stopping", instanceStopping);
        map.put("instance-reboot", instanceReboot);
        map.put("image-create", imageCreate);
        map.put("image-copy", imageCopy);
        map.put("instance-terminating", instanceTerminating);
        map.put("consistency-delay", consistencyDelay);
        map.put("image-consistency-delay", imageConsistencyDelay);
        map.put("image-name-reuse", imageNameReuse);
        map.put("deregistered-listed", deregisteredListed);
        return map;
    }

    /**
     * Reads a profile file: lines of {@code key: duration} or {@code key=duration} (so both a flat
     * YAML map and a properties file work), keys as in {@link #asMap()}, durations like
     * {@code 20s}, {@code 500ms}, {@code 4m}, {@code 1h} or ISO-8601 {@code PT20S}. Keys left out keep
     * the {@link #aws()} value; unknown keys are an error.
     */
    public static LatencyProfile load(Path file) throws IOException {
        Map<String, Duration> values = aws().asMap();
        List<String> problems = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || line.equals("---")) {
                continue;
            }
            int sep = indexOfSeparator(line);
            if (sep < 0) {
                problems.add(file + ":" + (i + 1) + ": expected 'key: duration'");
                continue;
            }
            String key = line.substring(0, sep).strip();
            String value = line.substring(sep + 1).strip().replaceAll("^[\"']|[\"']$", "");
            if (!values.containsKey(key)) {
                problems.add(file + ":" + (i + 1) + ": unknown key '" + key + "', expected one of " + values.keySet());
                continue;
            }
            try {
                values.put(key, parseDuration(value));
            } catch (IllegalArgumentException e) {
                problems.add(file + ":" + (i + 1) + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join(System.lineSeparator(), problems));
        }
        return fromMap(values);
    }

    private static LatencyProfile fromMap(Map<String, Duration> values) {
        return new LatencyProfile(values.get("instance-running"), values.get("agent-registration"),
                values.get("command-delivery"), values.get("command-base"), values.get("command-per-package"),
                values.get("instance-stopping"), values.get("instance-reboot"), values.get("image-create"),
                values.get("image-copy"), values.get("instance-terminating"), values.get("consistency-delay"),
                values.get("image-consistency-delay"), values.get("image-name-reuse"),
                values.get("deregistered-listed"));
    }

    private static int indexOfSeparator(String line) {
        int colon = line.indexOf(':');
        int equals = line.indexOf('=');
        if (colon < 0) {
            return equals;
        }
        return equals < 0 ? colon : Math.min(colon, equals);
    }

    /** Parses {@code 20s}, {@code 500ms}, {@code 4m}, {@code 1.5h} or ISO-8601 {@code PT20S}. */
    public static Duration parseDuration(String text) {
        String value = text.strip().toLowerCase(Locale.ROOT);
        if (value.startsWith("pt") || value.startsWith("p")) {
            return Duration.parse(text.strip().toUpperCase(Locale.ROOT));
        }
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration like 20s, 500ms, 4m or PT20S");
        }
        double amount = Double.parseDouble(m.group(1));
        long millis = switch (m.group(2)) {
            case "ms" -> (long) amount;
            case "s" -> (long) (amount * 1_000);
            case "m" -> (long) (amount * 60_000);
            default -> (long) (amount * 3_600_000);
        };
        return Duration.ofMillis(millis);
    }
}
