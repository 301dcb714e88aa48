package io.amibake.cloud;

import io.amibake.text.TerminalText;

/**
 * One command invocation on one instance, as {@code GetCommandInvocation} reports it.
 *
 * @param status       Pending, InProgress, Delayed, Success, Cancelled, TimedOut, Failed, Cancelling
 * @param responseCode the script's exit code, or -1 while it runs
 * @param stdout       the first 24,000 characters of standard output (AWS truncates)
 * @param stderr       the first 8,000 characters of standard error
 */
public record CommandResult(String status, int responseCode, String stdout, String stderr) {

    /** The output is the instance's: escaped here, so nothing that prints or stores it replays a terminal sequence. */
    public CommandResult {
        stdout = TerminalText.safe(stdout);
        stderr = TerminalText.safe(stderr);
    }

    public boolean isDone() {
        return switch (status) {
            case "Success", "Cancelled", "TimedOut", "Failed" -> true;
            default -> false;
        };
    }

    public boolean isSuccess() {
        return "Success".equals(status);
    }
}
