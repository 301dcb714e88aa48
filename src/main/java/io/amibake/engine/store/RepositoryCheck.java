package io.amibake.engine.store;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
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
        String broken = incompleteness();
        if (broken != null) {
            throw inHome ? HomeProblem.damaged(record.getParent(), broken, null) : HomeProblem.damaged(url, broken);
        }
        if (!inHome) {
            verified = true;
            return;
        }
        Properties last = readRecord();
        if (last != null) {
            Contents now = contents();
            Contents then = new Contents(number(last, "jobExecutions"), number(last, "stepExecutions"),
                    number(last, "lastJobExecution"));
            if (now.jobExecutions() < then.jobExecutions() || now.stepExecutions() < then.stepExecutions()
                    || now.lastJobExecution() < then.lastJobExecution()) {
                throw HomeProblem.damaged(record.getParent(), "lost data: it holds " + now.jobExecutions()
                        + " executions and " + now.stepExecutions() + " steps, up to execution "
                        + now.lastJobExecution() + ", but held " + then.jobExecutions() + ", " + then.stepExecutions()
                        + " and up to " + then.lastJobExecution() + " when last closed (" + RECORD
                        + "; if you restored an older copy on purpose, delete that file)", null);
            }
        }
        verified = true;
    }

    @Override
    public void destroy() {
        if (verified && inHome) {
            writeRecord(contents());
        }
    }

    /** What is missing from the repository, or null when it is whole. */
    String incompleteness() {
        long executions = count("select count(*) from BATCH_JOB_EXECUTION e left join BATCH_JOB_EXECUTION_CONTEXT c"
                + " on c.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID where c.SHORT_CONTEXT is null");
        if (executions > 0) {
            return "lost the saved state of " + executions + " execution" + (executions == 1 ? "" : "s");
        }
        long steps = count("select count(*) from BATCH_STEP_EXECUTION s left join BATCH_STEP_EXECUTION_CONTEXT c"
                + " on c.STEP_EXECUTION_ID = s.STEP_EXECUTION_ID where c.SHORT_CONTEXT is null");
        if (steps > 0) {
            return "lost the saved state of " + steps + " step" + (steps == 1 ? "" : "s");
        }
        if (counterBehind("BATCH_JOB_EXECUTION_SEQ", "BATCH_JOB_EXECUTION", "JOB_EXECUTION_ID")
                || counterBehind("BATCH_STEP_EXECUTION_SEQ", "BATCH_STEP_EXECUTION", "STEP_EXECUTION_ID")
                || counterBehind("BATCH_JOB_INSTANCE_SEQ", "BATCH_JOB_INSTANCE", "JOB_INSTANCE_ID")) {
            return "lost its id counters (the end of the file is missing)";
        }
        return null;
    }

    /** A counter behind the ids in use would hand out an id twice. Databases with real sequences have no such table. */
    private boolean counterBehind(String counter, String table, String id) {
        Long highest = jdbc.queryForObject("select max(" + id + ") from " + table, Long.class);
        if (highest == null) {
            return false;
        }
        try {
            Long issued = jdbc.queryForObject("select max(ID) from " + counter, Long.class);
            return issued == null || issued < highest;
        } catch (org.springframework.jdbc.BadSqlGrammarException noSuchTable) {
            return false;
        }
    }

    Contents contents() {
        Long last = jdbc.queryForObject("select max(JOB_EXECUTION_ID) from BATCH_JOB_EXECUTION", Long.class);
        return new Contents(count("select count(*) from BATCH_JOB_EXECUTION"),
                count("select count(*) from BATCH_STEP_EXECUTION"), last == null ? -1 : last);
    }

    private long count(String sql) {
        Long n = jdbc.queryForObject(sql, Long.class);
        return n == null ? 0 : n;
    }

    private Properties readRecord() {
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
