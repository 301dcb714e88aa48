package io.amibake.cli;

import java.nio.file.Path;
import java.util.List;

/**
 * The embedded job repository's file is held by a program that opened it itself (an amibake from
 * before the file was served, or one on another host sharing the folder): its repository server
 * cannot open it.
 */
final class RepositoryBusyException extends RuntimeException {

    RepositoryBusyException(Path home, List<String> holders, Throwable cause) {
        super("the job repository under " + home + " is in use by another program that opened its file"
                + " directly (an earlier amibake?)"
                + (holders.isEmpty() ? "" : " (" + String.join("; ", holders) + ")")
                + "; wait for it to end, or give this command another --home. Teams that bake on several hosts"
                + " share a PostgreSQL repository (SPRING_DATASOURCE_URL).", cause);
    }
}
