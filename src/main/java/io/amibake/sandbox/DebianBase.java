package io.amibake.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The Debian 12 root file system every real machine boots from, built once per host by
 * {@code debian-base.sh} (debootstrap, then what makes it look like Debian's AMI) into the cache
 * directory. The script takes a lock, so parallel sandboxes, test JVMs and CI build it once.
 */
final class DebianBase {

    private static final String SCRIPT = "debian-base.sh";
    /** debootstrap takes about three minutes on two idle cores; a loaded machine takes longer. */
    private static final Duration BUILD_DEADLINE = Duration.ofMinutes(40);

    private DebianBase() {
    }

    /** The base image's directory, built first if the cache has none; {@code progress} hears of a build. */
    static Path ensure(MachineOptions options, Consumer<String> progress) {
        try {
            Path cache = options.cacheDir();
            Files.createDirectories(cache);
            Path script = cache.resolve(SCRIPT);
            byte[] text;
            try (InputStream in = DebianBase.class.getResourceAsStream(SCRIPT)) {
                text = in.readAllBytes();
            }
            // Written next to the images: the script names its image after its own text.
            if (!Files.exists(script) || !java.util.Arrays.equals(Files.readAllBytes(script), text)) {
                Path tmp = Files.createTempFile(cache, SCRIPT, ".tmp");
                Files.write(tmp, text);
                Files.move(tmp, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            String name = "debian-12-" + sha256(text).substring(0, 12);
            if (!Files.isDirectory(cache.resolve(name))) {
                progress.accept("building the Debian 12 base image in " + cache.resolve(name)
                        + " (once per host, a few minutes; log: " + cache.resolve(name + ".log") + ")");
            }
            Path log = cache.resolve(name + ".log");
            HostCommand.Result result = HostCommand.run(BUILD_DEADLINE,
                    List.of("bash", "-c", "exec bash \"$0\" \"$1\" \"$2\" >> \"$3\" 2>&1; ", script.toString(),
                            cache.toString(), options.mirror().toString(), log.toString()));
            Path built = cache.resolve(name);
            if (!result.ok() || !Files.isDirectory(built)) {
                String tail = Files.exists(log) ? String.join("\n", lastLines(log, 15)) : result.output();
                throw new IllegalStateException("building the Debian base image failed (exit " + result.exitCode()
                        + "); the end of " + log + ":\n" + tail);
            }
            return built;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the Debian base image in " + options.cacheDir(), e);
        }
    }

    private static List<String> lastLines(Path file, int n) throws IOException {
        List<String> lines = Files.readAllLines(file);
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }

    static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
