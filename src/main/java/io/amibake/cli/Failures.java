package io.amibake.cli;

import io.amibake.cloud.CloudException;
import io.amibake.cloud.CredentialsException;
import io.amibake.engine.api.BakeBusyException;
import io.amibake.engine.store.HomeProblem;
import io.amibake.engine.api.NothingToResumeException;
import io.amibake.engine.api.SecretNeededException;
import io.amibake.engine.api.UnknownBakeException;
import io.amibake.engine.api.WrongTargetException;
import io.amibake.engine.store.SharedRepository;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;

/**
 * Turns what a command threw into one line and an exit code a wrapper can branch on: the same
 * codes for every command (see {@link AmibakeCommand#EXIT_CODES}).
 */
final class Failures {

    private Failures() {
    }

    /** The exit code after printing one line, or -1 for a failure that is a bug (rethrown). */
    static int report(Exception e, PrintWriter err) {
        if (e instanceof RepositoryBusyException || e instanceof BakeBusyException
                || e instanceof SharedRepository.Unavailable) {
            err.println("amibake: " + e.getMessage());
            return AmibakeCommand.BUSY;
        }
        if (e instanceof NothingToResumeException) {
            err.println("amibake: " + e.getMessage());
            return AmibakeCommand.NOTHING_TO_RESUME;
        }
        if (e instanceof CredentialsException || e instanceof EditedRecipeException
                || e instanceof SecretNeededException || e instanceof WrongTargetException
                || e instanceof UnknownBakeException) {
            err.println("amibake: " + e.getMessage());
            return AmibakeCommand.USAGE;
        }
        HomeProblem home = find(e, HomeProblem.class);
        if (home != null) {
            err.println("amibake: " + home.getMessage());
            return AmibakeCommand.USAGE;
        }
        BindException bind = find(e, BindException.class);
        if (bind != null) {
            err.println("amibake: " + setting(bind));
            return AmibakeCommand.USAGE;
        }
        if (find(e, CannotGetJdbcConnectionException.class) != null
                || find(e, DataAccessResourceFailureException.class) != null
                || find(e, java.sql.SQLTransientConnectionException.class) != null
                || find(e, java.net.ConnectException.class) != null) {
            err.println("amibake: cannot reach the job repository: " + innermost(e)
                    + "; nothing was written. Check SPRING_DATASOURCE_URL and that the database runs");
            return AmibakeCommand.BUSY;
        }
        return -1;
    }

    /** A cloud call's failure in one line: its AWS error code, when it has one, then its message. */
    static String why(RuntimeException e) {
        return e instanceof CloudException cloud && cloud.code() != null ? cloud.code() + ": " + e.getMessage()
                : e.getMessage();
    }

    private static String setting(BindException bind) {
        ConfigurationProperty property = bind.getProperty();
        String expected = expected(bind);
        if (property == null) {
            return "setting " + bind.getName() + " is not valid: " + innermost(bind);
        }
        return "setting " + property.getName() + " = '" + property.getValue() + "'"
                + (property.getOrigin() == null ? "" : " (" + property.getOrigin() + ")")
                + " is not valid: expected " + expected;
    }

    private static String expected(BindException bind) {
        Class<?> type = bind.getTarget().getType().resolve(Object.class);
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number, e.g. 8";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Duration.class) {
            return "a duration, e.g. 30s, 5m, 2h or PT30S";
        }
        return innermost(bind);
    }

    private static String innermost(Throwable e) {
        Throwable last = e;
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && !(cause instanceof SQLException && cause.getCause() != null)) {
                last = cause;
            }
        }
        String message = last.getMessage() == null ? last.toString() : last.getMessage();
        return message.lines().findFirst().orElse(message);
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        return null;
    }
}
