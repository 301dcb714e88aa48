package io.amibake.engine.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Keeps two bakes of one recipe from running at once on this host. The operating system drops
 * the lock when the holding process dies, so a crash never leaves the recipe locked; the file
 * says who holds it.
 */
public final class RecipeLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;

    private RecipeLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the recipe's lock for a target (a bake's target is part of what the lock keeps
     * single), or returns who holds it. The file is {@code RECIPE@HASH.lock}, the hash of the
     * target's key.
     */
    public static Result acquire(Path home, String recipe, String target, String holder) {
        return acquire(home, recipe + "@" + Integer.toHexString(target.hashCode()), holder);
    }

    /** Takes the lock of the name, or returns who holds it. */
    public static Result acquire(Path home, String recipe, String holder) {
        try {
            Path file = home.resolve("locks").resolve(recipe + ".lock");
            Files.createDirectories(file.getParent());
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException heldByThisProcess) {
                lock = null;
            }
            if (lock == null) {
                String owner = Files.readString(file).strip();
                channel.close();
                return new Result(Optional.empty(), owner);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((holder + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(true);
            return new Result(Optional.of(new RecipeLock(channel, lock)), holder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock recipe " + recipe + " under " + home, e);
        }
    }

    /** Who holds a recipe's lock under this home now, other than this process. */
    public static List<String> holders(Path home) {
        List<String> holders = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(home.resolve("locks"), "*.lock")) {
            for (Path file : files) {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    FileLock probe = channel.tryLock();
                    if (probe == null) {
                        String recipe = file.getFileName().toString().replaceFirst("(@[0-9a-f]+)?\\.lock$", "");
                        holders.add("recipe " + recipe + ": " + Files.readString(file).strip());
                    } else {
                        probe.release();
                    }
                } catch (OverlappingFileLockException heldByThisProcess) {
                    // This process's own lock: not what the caller is waiting for.
                }
            }
        } catch (IOException e) {
            // No locks folder, or an unreadable one: nobody to name.
        }
        return holders;
    }

    /** Says who holds the lock now, for the next process that finds it taken. */
    public void describe(String holder) {
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((holder + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(true);
        } catch (IOException e) {
            // Only the description is lost; the lock itself holds.
        }
    }

    /** Either the lock, or the holder's description. */
    public record Result(Optional<RecipeLock> lock, String holder) {
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // The process is ending; the operating system releases the lock anyway.
        }
    }
}
