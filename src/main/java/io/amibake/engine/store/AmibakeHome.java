package io.amibake.engine.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * amibake's home directory: created readable by its owner only (0700, files 0600), because the
 * job repository and the log hold recipe variables and the output of commands. Checked before a
 * command opens anything in it, so a read-only home or one owned by another user is one line.
 */
public final class AmibakeHome {

    private static final Set<PosixFilePermission> DIRECTORY = Set.copyOf(PosixFilePermissions.fromString("rwx------"));
    private static final Set<PosixFilePermission> FILE = Set.copyOf(PosixFilePermissions.fromString("rw-------"));
    private static final List<String> FOLDERS = List.of("repository", "logs", "locks", "manifests", "reports");

    private AmibakeHome() {
    }

    /**
     * Creates the home and its folders owner-only if they are missing, checks that amibake can
     * write in each, and takes group and world access away from what is already there.
     *
     * @throws HomeProblem naming the folder and the reason when it cannot be written
     */
    public static void prepare(Path home) {
        Path at = home;
        try {
            if (Files.exists(home) && !Files.isDirectory(home)) {
                throw HomeProblem.notWritable(home, "it is not a folder", null);
            }
            createOwnerOnly(home);
            if (!Files.isWritable(home)) {
                throw HomeProblem.notWritable(home, reason(home), null);
            }
            for (String folder : FOLDERS) {
                at = home.resolve(folder);
                createOwnerOnly(at);
                if (!Files.isWritable(at)) {
                    throw HomeProblem.notWritable(at, reason(at), null);
                }
            }
        } catch (AccessDeniedException e) {
            throw HomeProblem.notWritable(at, "permission denied", e);
        } catch (FileSystemException e) {
            throw HomeProblem.notWritable(at, e.getReason() == null ? e.getClass().getSimpleName() : e.getReason(), e);
        } catch (IOException e) {
            throw HomeProblem.notWritable(at, String.valueOf(e.getMessage()), e);
        }
        restrict(home);
    }

    /**
     * Takes group and world access from the home and the files in amibake's folders, such as
     * those the database and the log created with the process's umask. Other files a user keeps
     * in the home are left alone. Best effort: what is not amibake's to change stays as it is.
     */
    public static void restrict(Path home) {
        if (!Files.isDirectory(home.resolve("repository"))) {
            return;
        }
        ownerOnly(home, DIRECTORY);
        for (String folder : FOLDERS) {
            Path dir = home.resolve(folder);
            ownerOnly(dir, DIRECTORY);
            try (Stream<Path> files = Files.list(dir)) {
                files.forEach(file -> ownerOnly(file, Files.isDirectory(file) ? DIRECTORY : FILE));
            } catch (IOException | RuntimeException e) {
                // Missing or unlistable: nothing in it to restrict.
            }
        }
    }

    private static void ownerOnly(Path path, Set<PosixFilePermission> permissions) {
        try {
            Files.setPosixFilePermissions(path, permissions);
        } catch (IOException | UnsupportedOperationException e) {
            // Not ours, or not a POSIX file system: the owner-only home still guards it.
        }
    }

    private static void createOwnerOnly(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            Files.createDirectories(folder);
            try {
                Files.setPosixFilePermissions(folder, DIRECTORY);
            } catch (UnsupportedOperationException notPosix) {
                // Windows: the user's profile folder is private already.
            }
        }
    }

    private static String reason(Path folder) {
        try {
            String owner = Files.getOwner(folder).getName();
            return owner.equals(System.getProperty("user.name")) ? "permission denied"
                    : "permission denied; it belongs to " + owner;
        } catch (IOException | UnsupportedOperationException e) {
            return "permission denied";
        }
    }
}
