package io.amibake.engine.store;

import io.amibake.engine.api.CommandOutput;
import io.amibake.text.Redactor;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The output SSM returned for every command a bake ran, successful ones included, kept in a
 * table of its own: {@code AMIBAKE_COMMAND_OUTPUT}. Not in the execution context, which Spring
 * Batch rewrites whole at every checkpoint: 32,000 characters per command would be written
 * again at each later step. Rows are keyed by SSM command id, so a resume that sees the same
 * invocation end again replaces its row rather than adding one.
 */
@Component
public class CommandOutputs {

    /** What {@code GetCommandInvocation} returns inline at most (docs/aws.md). */
    public static final int STDOUT_LIMIT = 24_000;
    public static final int STDERR_LIMIT = 8_000;

    private static final String COLUMNS = "BAKE_ID, EXECUTION_ID, STEP_NAME, COMMAND_KEY, COMMAND_NAME, COMMAND_ID, "
            + "INSTANCE_ID, STATUS, EXIT_CODE, FINISHED_AT, STDOUT, STDERR";

    private final JdbcTemplate jdbc;

    public CommandOutputs(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
    }

    /** Keeps the output, with the bake's secret values redacted: a command may well echo one. */
    public void save(CommandOutput o) {
        Redactor secrets = BakeSecrets.redactor(o.bakeId());
        jdbc.update("DELETE FROM AMIBAKE_COMMAND_OUTPUT WHERE COMMAND_ID = ? AND INSTANCE_ID = ?",
                o.commandId(), o.instanceId());
        jdbc.update("INSERT INTO AMIBAKE_COMMAND_OUTPUT (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                o.bakeId(), o.execution(), o.step(), o.key(), o.name(), o.commandId(), o.instanceId(), o.status(),
                o.exitCode(), timestamp(o.finishedAt()),
                cut(secrets.redact(o.stdout()), STDOUT_LIMIT), cut(secrets.redact(o.stderr()), STDERR_LIMIT));
    }

    /** Every command output kept for the bake, in the order the commands ended. */
    public List<CommandOutput> of(String bakeId) {
        return jdbc.query("SELECT " + COLUMNS + " FROM AMIBAKE_COMMAND_OUTPUT WHERE BAKE_ID = ? "
                + "ORDER BY FINISHED_AT, EXECUTION_ID", (rs, row) -> new CommandOutput(rs.getString(1), rs.getLong(2),
                rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                rs.getInt(9), instant(rs.getTimestamp(10)), rs.getString(11), rs.getString(12)), bakeId);
    }

    /** The last {@code limit} characters, the part that usually says why a command failed. */
    public static String tail(String text, int limit) {
        if (text == null || text.length() <= limit) {
            return text == null ? "" : text;
        }
        return "…" + text.substring(text.length() - limit + 1);
    }

    private static String cut(String text, int limit) {
        return text == null || text.length() <= limit ? text : text.substring(0, limit);
    }

    private static Timestamp timestamp(Instant at) {
        return at == null ? null : Timestamp.from(at);
    }

    private static Instant instant(Timestamp at) {
        return at == null ? null : at.toInstant();
    }
}
