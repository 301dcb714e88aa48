package io.amibake.cli;

import java.nio.file.Path;
import java.util.List;

/**
 * The embedded job repository is open in another amibake process: HSQLDB's file database serves
 * one process at a time.
 */
final class RepositoryBusyException extends RuntimeException {

    RepositoryBusyException(Path home, List<String> holders, Throwable cause) {
        super("the job repository under " + home + " is in use by another amibake process"
                + (holders.isEmpty() ? "" : " (" + String.join("; ", holders) + ")")
                + "; wait for it to end, or give this command another --home. Teams that bake in parallel"
                + " share a PostgreSQL repository (SPRING_DATASOURCE_URL).", cause);
    }
}
