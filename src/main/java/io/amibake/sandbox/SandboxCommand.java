package io.amibake.sandbox;

import java.time.Instant;
import java.util.List;

/**
 * One invocation of a SendCommand on one instance, as recorded (never run) by the sandbox;
 * {@code status} and {@code responseCode} are as of now ({@code responseCode} null until it ends).
 */
public record SandboxCommand(String region, String commandId, String instanceId, String documentName,
        List<String> commands, String status, Integer responseCode, Instant sentAt) {

    public SandboxCommand {
        commands = List.copyOf(commands);
    }
}
