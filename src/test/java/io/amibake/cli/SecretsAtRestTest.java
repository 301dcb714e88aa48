package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.engine.store.SharedRepository;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A secret variable's value is never written to the home directory: not the job repository
 * (parameters, contexts, exit descriptions, command outputs, amibake's tables), not the log, the
 * manifest or the report. A resume takes it again from {@code --var}, and without it is refused.
 */
class SecretsAtRestTest {

    private static final String SECRET = "s3cr3t-0042";

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    Path home;

    @Test
    void aSecretIsNeverStoredAndAResumeTakesItAgainFromVar() throws Exception {
        // given the version, used in the image name, declared secret, and the page check failing
        // twice with the secret in its error output
        Path recipe = home.resolve("httpd.yaml");
        Files.writeString(recipe, Files.readString(Path.of("recipes/httpd.yaml"))
                .replace("version: \"1.0\"", "version: {secret: true}"));
        sandbox.faults().failCommand("curl -fsS", 7, "curl: token " + SECRET + " refused", 2);
        String endpoint = sandbox.endpoint().toString();

        // when the bake fails
        Run failed = amibake("bake", recipe.toString(), "--var", "version=" + SECRET, "--endpoint-url", endpoint);

        // then
        assertThat(failed.exit).as(failed.text()).isEqualTo(1);
        assertThat(failed.text()).contains("[secret version]");

        // when it is resumed without the secret
        long requests = sandbox.requests();
        Run refused = amibake("resume", "httpd", "--endpoint-url", endpoint);

        // then one line names the variable and how to give it, and nothing reached the cloud
        assertThat(refused.exit).as(refused.text()).isEqualTo(2);
        assertThat(refused.err.toString().strip()).contains("secret variable 'version'")
                .contains("--var version=VALUE").doesNotContain("\n");
        assertThat(sandbox.requests()).isEqualTo(requests);

        // when it is resumed with a variable that is not secret, which the bake keeps
        Run notSecret = amibake("resume", "httpd", "--var", "version=" + SECRET, "--var", "environment=prod",
                "--endpoint-url", endpoint);

        // then
        assertThat(notSecret.exit).as(notSecret.text()).isEqualTo(2);
        assertThat(notSecret.err.toString()).contains("--var environment").contains("--recipe FILE");
        assertThat(sandbox.requests()).isEqualTo(requests);

        // when it is resumed with the recipe given again, secret included (the check fails again)
        Run edited = amibake("resume", "httpd", "--recipe", recipe.toString(), "--var", "version=" + SECRET,
                "--var", "environment=prod", "--endpoint-url", endpoint);

        // then it ran, with the secret
        assertThat(edited.exit).as(edited.text()).isEqualTo(1);
        assertThat(edited.text()).contains("token [secret version] refused");

        // when it is resumed with the secret alone
        Run resumed = amibake("resume", "httpd", "--var", "version=" + SECRET, "--endpoint-url", endpoint);

        // then it completes with the secret in the image's name, as given
        assertThat(resumed.exit).as(resumed.text()).isZero();
        assertThat(sandbox.images()).anySatisfy(image -> assertThat(image.name()).contains("-" + SECRET + "-"));
        Run report = amibake("report", "httpd", "--output", home.resolve("report.html").toString());
        assertThat(report.exit).as(report.text()).isZero();
        Run logs = amibake("logs", "httpd");
        assertThat(logs.text()).contains("token [secret version] refused");
        for (Run run : List.of(failed, refused, notSecret, edited, resumed, report, logs)) {
            assertThat(run.text()).doesNotContain(SECRET);
        }
        assertThat(repositoryValuesHolding(SECRET)).isEmpty();
        assertThat(filesHolding(SECRET)).isEmpty();
    }

    private record Run(int exit, StringWriter out, StringWriter err) {
        String text() {
            return out + "\n" + err;
        }
    }

    private Run amibake(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--home", home.toString()));
        int exit = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(all.toArray(String[]::new));
        return new Run(exit, out, err);
    }

    /** Every value in every table of the repository that holds the text, plainly or Base64-encoded. */
    private List<String> repositoryValuesHolding(String text) throws Exception {
        List<String> found = new ArrayList<>();
        // Through the home's repository server, which holds the file while amibake's commands use it.
        try (SharedRepository repository = SharedRepository.join(home, java.time.Duration.ofSeconds(5));
             Connection db = DriverManager.getConnection(repository.url(), repository.user(), repository.password());
             Statement tables = db.createStatement();
             ResultSet names = tables.executeQuery("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES "
                     + "WHERE TABLE_SCHEMA = 'PUBLIC' AND TABLE_TYPE = 'BASE TABLE'")) {
            List<String> tableNames = new ArrayList<>();
            while (names.next()) {
                tableNames.add(names.getString(1));
            }
            assertThat(tableNames).contains("BATCH_JOB_EXECUTION_CONTEXT", "AMIBAKE_COMMAND_OUTPUT");
            for (String table : tableNames) {
                try (Statement select = db.createStatement(); ResultSet rows = select.executeQuery("SELECT * FROM " + table)) {
                    int columns = rows.getMetaData().getColumnCount();
                    while (rows.next()) {
                        for (int c = 1; c <= columns; c++) {
                            String value = rows.getString(c);
                            if (value != null && holds(value.getBytes(StandardCharsets.UTF_8), text)) {
                                found.add(table + "." + rows.getMetaData().getColumnName(c) + ": " + value);
                            }
                        }
                    }
                }
            }
        }
        return found;
    }

    /** Every file under the home that holds the text, in UTF-8, UTF-16 or Base64. */
    private List<Path> filesHolding(String text) throws IOException {
        try (Stream<Path> files = Files.walk(home)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().equals("httpd.yaml"))
                    .filter(f -> {
                        try {
                            return holds(Files.readAllBytes(f), text);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .toList();
        }
    }

    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]{16,}={0,2}");

    private static boolean holds(byte[] bytes, String text) {
        String latin = new String(bytes, StandardCharsets.ISO_8859_1);
        if (latin.contains(text) || latin.contains(new String(text.getBytes(StandardCharsets.UTF_16BE),
                StandardCharsets.ISO_8859_1)) || latin.contains(new String(text.getBytes(StandardCharsets.UTF_16LE),
                StandardCharsets.ISO_8859_1))) {
            return true;
        }
        Matcher encoded = BASE64.matcher(latin);
        while (encoded.find()) {
            String token = encoded.group();
            try {
                byte[] decoded = Base64.getDecoder().decode(token.substring(0, token.length() / 4 * 4));
                if (new String(decoded, StandardCharsets.ISO_8859_1).contains(text)) {
                    return true;
                }
            } catch (IllegalArgumentException notBase64) {
                // a word that only looked like Base64
            }
        }
        return false;
    }
}
