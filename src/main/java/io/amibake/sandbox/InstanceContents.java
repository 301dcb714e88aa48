package io.amibake.sandbox;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the sandbox knows of an instance's disk and of what runs on it: the package manager, the
 * packages installed, the systemd units enabled and active, and the files written. Commands
 * change it ({@link ShellModel}), an image made from the instance carries a copy, and an instance
 * launched from that image boots with it: the units enabled start. Nothing else of an operating
 * system is modelled; docs/sandbox.md says what is and is not.
 */
final class InstanceContents {

    /** The units of the base images themselves, enabled and running from the first boot. */
    private static final Set<String> BASE_UNITS = Set.of("amazon-ssm-agent", "chronyd", "sshd");
    /** Units a package provides when not named like it; any other package provides a unit of its own name. */
    private static final Map<String, Set<String>> PACKAGE_UNITS = Map.ofEntries(
            Map.entry("mariadb-server", Set.of("mariadb", "mysqld", "mysql")),
            Map.entry("mariadb105-server", Set.of("mariadb", "mysqld", "mysql")),
            Map.entry("mariadb1011-server", Set.of("mariadb", "mysqld", "mysql")),
            Map.entry("mysql-server", Set.of("mysql", "mysqld")),
            Map.entry("openssh-server", Set.of("sshd", "ssh")));
    /** Units that are other names of one service: systemd resolves them to the same unit. */
    private static final Map<String, String> ALIASES = Map.of("mysqld", "mariadb", "mysql", "mariadb", "ssh", "sshd");

    /** {@code dnf}, {@code yum} or {@code apt-get}. */
    final String packageManager;
    final Set<String> packages = new LinkedHashSet<>();
    final Set<String> enabled = new LinkedHashSet<>();
    final Set<String> active = new LinkedHashSet<>();
    /** Absolute path to content, in path order. */
    final Map<String, String> files = new TreeMap<>();

    private InstanceContents(String packageManager) {
        this.packageManager = packageManager;
    }

    /** A public base image's contents, its package manager told by its name as AWS publishes it. */
    static InstanceContents base(String imageName) {
        String name = imageName == null ? "" : imageName;
        String pm = name.startsWith("amzn2-") ? "yum"
                : name.contains("ubuntu") || name.contains("debian") ? "apt-get" : "dnf";
        InstanceContents base = new InstanceContents(pm);
        base.enabled.addAll(BASE_UNITS);
        base.files.put("/etc/machine-id", "ec2" + Integer.toHexString(name.hashCode()) + "\n");
        return base;
    }

    /** The contents of an image of {@code image}: disk only; nothing runs in an image. */
    static InstanceContents of(Cloud.Image image) {
        return image.contents != null ? image.contents.disk() : base(image.name);
    }

    /** A copy of the disk: packages, enabled units and files; no unit is active. */
    InstanceContents disk() {
        InstanceContents copy = new InstanceContents(packageManager);
        copy.packages.addAll(packages);
        copy.enabled.addAll(enabled);
        copy.files.putAll(files);
        return copy;
    }

    /** The instance (re)boots: the enabled units start, the others are stopped. */
    InstanceContents boot() {
        active.clear();
        enabled.stream().filter(this::hasUnit).forEach(active::add);
        return this;
    }

    /** A unit's canonical name: without {@code .service}, aliases resolved. */
    static String unit(String name) {
        String unit = name.endsWith(".service") ? name.substring(0, name.length() - ".service".length()) : name;
        return ALIASES.getOrDefault(unit, unit);
    }

    /** Whether an installed package (or the base image) provides this unit. */
    boolean hasUnit(String name) {
        String unit = unit(name);
        if (BASE_UNITS.contains(unit)) {
            return true;
        }
        for (String p : packages) {
            if (p.equals(unit) || PACKAGE_UNITS.getOrDefault(p, Set.of()).stream().map(InstanceContents::unit)
                    .anyMatch(unit::equals)) {
                return true;
            }
        }
        return false;
    }

    boolean isActive(String name) {
        return active.contains(unit(name));
    }

    boolean isEnabled(String name) {
        return enabled.contains(unit(name));
    }

    /** Whether a package whose name starts with one of these prefixes is installed. */
    boolean hasPackageStartingWith(String... prefixes) {
        for (String p : packages) {
            for (String prefix : prefixes) {
                if (p.startsWith(prefix)) {
                    return true;
                }
            }
        }
        return false;
    }
}
