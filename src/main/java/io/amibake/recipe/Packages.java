package io.amibake.recipe;

import java.util.List;

/**
 * Packages for the build instance.
 *
 * @param preset  {@code httpd}, {@code lamp}, or {@code null}
 * @param install extra package names
 * @param enable  services to enable and start
 */
public record Packages(String preset, List<String> install, List<String> enable) {

    public static final Packages NONE = new Packages(null, List.of(), List.of());

    public Packages {
        install = List.copyOf(install == null ? List.of() : install);
        enable = List.copyOf(enable == null ? List.of() : enable);
    }

    public boolean isEmpty() {
        return preset == null && install.isEmpty() && enable.isEmpty();
    }
}
