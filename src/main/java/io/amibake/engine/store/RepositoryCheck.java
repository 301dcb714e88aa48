package io.amibake.engine.store;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import io.amibake.text.TerminalText;
import javax.sql.DataSource;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Refuses to run on a job repository that lost data. A damaged HSQLDB script can open without
 * an error and silently miss rows (the tail of a truncated file: the newest contexts and the id
 * counters), so every open checks two things before any command reads a bake:
 * <ul>
 *   <li>the repository is whole: every execution and step has its saved context, and the id
 *       counters are at least the highest ids in use;</li>
 *   <li>it holds at least what it held when it was last closed, according to a small record kept
 *       beside it ({@code repository/amibake.check}: the counts of executions and steps and the
 *       highest execution id, written when a command closes the repository).</li>
 * </ul>
 * Rows are only ever added, so a record left behind by a killed process is merely conservative.
 */
@Component
public class RepositoryCheck implements SmartInitializingSingleton, DisposableBean {

    /** The record of what the repository held, beside the database files. */
    public static final String RECORD = "amibake.check";

    private final JdbcTemplate jdbc;
    private final Path record;
    private final String url;
    private final boolean inHome;
    private boolean verified;

    public RepositoryCheck(DataSource dataSource, BakeSettings settings, Environment environment) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.record = settings.home().resolve("repository").resolve(RECORD);
        this.url = environment.getProperty("spring.datasource.url", "");
        this.inHome = url.startsWith("jdbc:hsqldb:file:" + record.getParent().toAbsolutePath())
                || environment.getProperty("amibake.embedded-repository", Boolean.class, false);
    }

    /** What the repository holds: the figures the record keeps. */
    record Contents(long jobExecutions, long stepExecutions, long lastJobExecution) {
    }

    @Override
    public void afterSingletonsInstantiated() {
        verify();
    }

    /**
     * Refuses a repository that lost data ({@link HomeProblem}); once per context, before anything
     * else reads or changes it (the migrations ask first).
     */
    public synchronized void verify() {
        if (verified) {
            return;
        }
        String broken = incompleteness(this::number);
        if (broken != null) {
            throw inHome ? HomeProblem.damaged(record.getParent(), broken, null) : HomeProblem.damaged(url, broken);
        }
        if (inHome) {
            String lost = lostData(this::number, record);
            if (lost != null) {
                throw HomeProblem.damaged(record.getParent(), lost, null);
            }
        }
        verified = true;
    }

    /**
     * What {@link #verify()} would refuse a repository for, checked through a connection of one's
     * own (a command that reads the repository without Spring): null when it is whole.
     *
     * @param inHome whether it is the home's embedded repository, whose record is also compared
     */
    public static String problem(Connection connection, Path home, boolean inHome) throws SQLException {
        Numbers numbers = sql -> {
            try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
                return rows.next() && rows.getObject(1) != null ? rows.getLong(1) : null;
            } catch (SQLException e) {
                throw e.getSQLState() != null && e.getSQLState().startsWith("42") ? new NoSuchTable(e)
                        : new Failed(e);
            }
        };
        try {
            String broken = incompleteness(numbers);
            return broken != null || !inHome ? broken
                    : lostData(numbers, home.resolve("repository").resolve(RECORD));
        } catch (NoSuchTable | Failed e) {
            throw (SQLException) e.getCause();
        }
    }

    /** One number a query answers, or null. */
    private interface Numbers {
        /** @throws NoSuchTable when the query names a table the database does not have */
        Long number(String sql);
    }

    /** A query named a table the database does not have. */
    private static final class NoSuchTable extends RuntimeException {

        private static final long serialVersionUID = 1L;

        NoSuchTable(Exception cause) {
            super(cause);
        }
    }

    /** A plain connection's query failed otherwise. */
    private static final class Failed extends RuntimeException {

        private static final long serialVersionUID = 1L;

        Failed(SQLException cause) {
            super(cause);
        }
    }

    private Long number(String sql) {
        try {
            return jdbc.queryForObject(sql, Long.class);
        } catch (org.springframework.jdbc.BadSqlGrammarException e) {
            throw new NoSuchTable(e);
        }
    }

    @Override
    public void destroy() {
        if (verified && inHome) {
            writeRecord(contents(this::number));
        }
    }

    /** Less than the record says it held when last closed: why, or null. */
    private static String lostData(Numbers db, Path record) {
        Properties last = readRecord(record);
        if (last == null) {
            return null;
        }
        Contents now = contents(db);
        Contents then = new Contents(number(last, "jobExecutions"), number(last, "stepExecutions"),
                number(last, "lastJobExecution"));
        if (now.jobExecutions() < then.jobExecutions() || now.stepExecutions() < then.stepExecutions()
                || now.lastJobExecution() < then.lastJobExecution()) {
            return "lost data: it holds " + now.jobExecutions() + " executions and " + now.stepExecutions()
                    + " steps, up to execution " + now.lastJobExecution() + ", but held " + then.jobExecutions()
                    + ", " + then.stepExecutions() + " and up to " + then.lastJobExecution() + " when last closed ("
                    + RECORD + "; if you restored an older copy on purpose, delete that file)";
        }
        return null;
    }

    /** What is missing from the repository, or null when it is whole. */
    private static String incompleteness(Numbers db) {
        long executions = count(db, "select count(*) from BATCH_JOB_EXECUTION e left join BATCH_JOB_EXECUTION_CONTEXT c"
                + " on c.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID where c.SHORT_CONTEXT is null");
        if (executions > 0) {
            return "lost the saved state of " + executions + " execution" + (executions == 1 ? "" : "s");
        }
        long steps = count(db, "select count(*) from BATCH_STEP_EXECUTION s left join BATCH_STEP_EXECUTION_CONTEXT c"
                + " on c.STEP_EXECUTION_ID = s.STEP_EXECUTION_ID where c.SHORT_CONTEXT is null");
        if (steps > 0) {
            return "lost the saved state of " + steps + " step" + (steps == 1 ? "" : "s");
        }
        if (counterBehind(db, "BATCH_JOB_EXECUTION_SEQ", "BATCH_JOB_EXECUTION", "JOB_EXECUTION_ID")
                || counterBehind(db, "BATCH_STEP_EXECUTION_SEQ", "BATCH_STEP_EXECUTION", "STEP_EXECUTION_ID")
                || counterBehind(db, "BATCH_JOB_INSTANCE_SEQ", "BATCH_JOB_INSTANCE", "JOB_INSTANCE_ID")) {
            return "lost its id counters (the end of the file is missing)";
        }
        return null;
    }

    /** A counter behind the ids in use would hand out an id twice. Databases with real sequences have no such table. */
    private static boolean counterBehind(Numbers db, String counter, String table, String id) {
        Long highest = db.number("select max(" + id + ") from " + table);
        if (highest == null) {
            return false;
        }
        try {
            Long issued = db.number("select max(ID) from " + counter);
            return issued == null || issued < highest;
        } catch (NoSuchTable noSuchTable) {
            return false;
        }
    }

    private static Contents contents(Numbers db) {
        Long last = db.number("select max(JOB_EXECUTION_ID) from BATCH_JOB_EXECUTION");
        return new Contents(count(db, "select count(*) from BATCH_JOB_EXECUTION"),
                count(db, "select count(*) from BATCH_STEP_EXECUTION"), last == null ? -1 : last);
    }

    private static long count(Numbers db, String sql) {
        Long n = db.number(sql);
        return n == null ? 0 : n;
    }

    private static Properties readRecord(Path record) {
        if (!Files.isRegularFile(record)) {
            return null;
        }
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(record, StandardCharsets.UTF_8)) {
            properties.load(in);
            return properties;
        } catch (IOException | IllegalArgumentException e) {
            throw HomeProblem.damaged(record.getParent(), "has an unreadable record " + RECORD + " ("
                    + e.getMessage() + "; delete that file if the repository is fine)", e);
        }
    }

    private void writeRecord(Contents contents) {
        Properties properties = new Properties();
        properties.setProperty("jobExecutions", Long.toString(contents.jobExecutions()));
        properties.setProperty("stepExecutions", Long.toString(contents.stepExecutions()));
        properties.setProperty("lastJobExecution", Long.toString(contents.lastJobExecution()));
        Path temporary = record.resolveSibling(RECORD + ".new");
        try {
            try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                properties.store(out, "What the job repository held when amibake last closed it; compared at open");
            }
            Files.move(temporary, record, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Only the guard is stale; the next open compares against the older, smaller record.
        }
    }

    private static long number(Properties properties, String key) {
        try {
            return Long.parseLong(properties.getProperty(key, "0").strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * The one-line problem for a repository that could not be opened at all (an empty file,
     * random bytes), or the failure itself when it is not the database's.
     */
    public static RuntimeException explain(Path home, RuntimeException failure) {
        if (System.getenv("SPRING_DATASOURCE_URL") != null) {
            return failure;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof HomeProblem problem) {
                return problem;
            }
            if (cause instanceof SQLException || cause.getClass().getName().startsWith("org.hsqldb.")) {
                String reason = cause.getMessage() == null ? cause.getClass().getSimpleName()
                        : TerminalText.safe(cause.getMessage().lines().findFirst().orElse(""));
                if (reason.length() > 120) {
                    reason = reason.substring(0, 120) + "...";
                }
                return HomeProblem.damaged(home.toAbsolutePath().resolve("repository"), "is damaged and cannot be opened ("
                        + reason + ")", failure);
            }
        }
        return failure;
    }
}
