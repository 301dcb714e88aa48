package io.amibake.engine.job;

/** A provisioning or cleanup command that ended badly on the build instance. */
public final class CommandFailedException extends RuntimeException {

    private static final int TAIL_LINES = 15;

    public CommandFailedException(String step, String command, String status, int exitCode, String stdout,
                                  String stderr) {
        super("command '" + command + "' in step " + step + " ended " + status + " with exit code " + exitCode
                + section("stdout", stdout) + section("stderr", stderr));
    }

    private static String section(String name, String text) {
        if (text == null || text.isBlank()) {
            return "";
        }
        String[] lines = text.strip().split("\n");
        int from = Math.max(0, lines.length - TAIL_LINES);
        StringBuilder out = new StringBuilder("\n  --- last lines of " + name + " ---");
        for (int i = from; i < lines.length; i++) {
            out.append("\n  ").append(lines[i]);
        }
        return out.toString();
    }
}
