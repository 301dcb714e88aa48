package io.amibake.sandbox;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Real machines for the sandbox: instances of its Debian image boot as systemd-nspawn containers
 * and run their commands for real (docs/sandbox.md, "Real machines").
 *
 * @param distribution the only one there is: {@code debian} (Debian 12, bookworm)
 * @param cacheDir     where the base image is built once and the apt proxy keeps its packages,
 *                     shared by every sandbox of the host; default {@code $AMIBAKE_MACHINES_CACHE},
 *                     else {@code /var/cache/amibake/machines}
 * @param mirror       the Debian mirror the base image is built from and apt downloads from;
 *                     default the first Debian mirror in the host's apt sources, else
 *                     {@code http://deb.debian.org/debian}
 */
public record MachineOptions(String distribution, Path cacheDir, URI mirror) {

    /** The distributions {@code --machines} accepts. */
    public static final List<String> DISTRIBUTIONS = List.of("debian");
    static final URI DEFAULT_MIRROR = URI.create("http://deb.debian.org/debian");
    private static final Pattern SOURCE_URI = Pattern.compile("(?m)^(?:deb\\s+(?:\\[[^]]*]\\s+)?|URIs:\\s*)"
            + "(http://\\S+/debian)/?(?:\\s|$)");

    public MachineOptions {
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(mirror, "mirror");
        if (!DISTRIBUTIONS.contains(distribution)) {
            throw new IllegalArgumentException("machines '" + distribution + "': the sandbox runs real machines of "
                    + String.join(", ", DISTRIBUTIONS) + " only");
        }
        if (!"http".equals(mirror.getScheme())) {
            throw new IllegalArgumentException("the Debian mirror must be an http:// URL (apt's proxy speaks plain "
                    + "HTTP), was " + mirror);
        }
    }

    /** {@code distribution} with the default cache directory and mirror of this host. */
    public static MachineOptions of(String distribution) {
        return new MachineOptions(distribution, defaultCacheDir(System.getenv()), hostMirror(Path.of("/etc/apt")));
    }

    public MachineOptions withCacheDir(Path dir) {
        return new MachineOptions(distribution, dir, mirror);
    }

    static Path defaultCacheDir(Map<String, String> env) {
        String dir = env.get("AMIBAKE_MACHINES_CACHE");
        return dir == null || dir.isBlank() ? Path.of("/var/cache/amibake/machines") : Path.of(dir);
    }

    /** The first plain-HTTP Debian mirror in the host's apt sources (one-line or deb822 form). */
    static URI hostMirror(Path aptDir) {
        List<Path> files = new ArrayList<>();
        files.add(aptDir.resolve("sources.list"));
        try (Stream<Path> listed = Files.list(aptDir.resolve("sources.list.d"))) {
            listed.sorted().forEach(files::add);
        } catch (IOException noDirectory) {
            // a host without sources.list.d
        }
        for (Path file : files) {
            try {
                Matcher m = SOURCE_URI.matcher(Files.readString(file));
                if (m.find()) {
                    return URI.create(m.group(1));
                }
            } catch (IOException unreadable) {
                // not there or not ours to read: look further
            }
        }
        return DEFAULT_MIRROR;
    }
}
