package io.amibake.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every action asked of the console, done or refused, as one JSON line: when, who (the operator
 * signed in, or nobody), from where (the client's address), what, on which recipe or bake, and how
 * it ended. The file is the operators' record: appended to, never rewritten, readable by its
 * owner only.
 */
@Component
public class AuditLog {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path file;

    public AuditLog(ServeSettings settings, org.springframework.core.env.Environment environment) {
        this.file = settings.auditLog() != null ? settings.auditLog()
                : Path.of(environment.getRequiredProperty("amibake.home"), "logs", "audit.log");
    }

    /** The file it writes. */
    public Path file() {
        return file;
    }

    /**
     * @param who     the operator, or null for somebody not signed in
     * @param address the client's address, as the server (or the proxy it trusts) saw it
     * @param outcome {@code done}, or {@code refused: ...} with why
     */
    public synchronized void write(Instant at, String who, String address, String action, String subject,
                                   String outcome) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("at", at.toString());
        line.put("who", who);
        line.put("from", address);
        line.put("action", action);
        line.put("subject", subject);
        line.put("outcome", outcome);
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (UnsupportedOperationException notPosix) {
                    Files.createFile(file);
                }
            }
            Files.writeString(file, JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the audit log " + file, e);
        }
    }
}
