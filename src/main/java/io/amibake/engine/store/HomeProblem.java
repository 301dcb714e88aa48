package io.amibake.engine.store;

import java.nio.file.Path;

/**
 * amibake's home directory or its job repository cannot be used as it is: not writable,
 * damaged, or missing data. The message is one line that names the path and what to do; the
 * command line prints it and exits 2, without a stack trace.
 */
public final class HomeProblem extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public HomeProblem(String message, Throwable cause) {
        super(message, cause);
    }

    /** The home cannot be written: the reason, such as "permission denied", and where else to go. */
    static HomeProblem notWritable(Path path, String reason, Throwable cause) {
        return new HomeProblem("cannot write to " + path + " (" + reason + "); amibake keeps its job repository,"
                + " locks and logs there: fix its permissions, or give another folder with --home or AMIBAKE_HOME",
                cause);
    }

    /** The job repository in the home's {@code repository} folder is damaged or lost data. */
    static HomeProblem damaged(Path folder, String what, Throwable cause) {
        return new HomeProblem("the job repository " + folder.resolve("amibake.script") + " " + what + "; restore "
                + folder + " from a backup, or move that folder aside to start afresh (its bakes are then forgotten;"
                + " their cloud resources keep their tags)", cause);
    }

    /** A job repository elsewhere (SPRING_DATASOURCE_URL) is damaged or lost data. */
    static HomeProblem damaged(String url, String what) {
        return new HomeProblem("the job repository " + url + " " + what + "; restore it from a backup", null);
    }
}
