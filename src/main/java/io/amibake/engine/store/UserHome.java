package io.amibake.engine.store;

import java.nio.file.Path;
import java.util.Map;

/**
 * What {@code ~} means to amibake: {@code $HOME} when it is set, as for the AWS SDK, the AWS CLI
 * and the shell, so {@code HOME=/x amibake ...} keeps its state under {@code /x/.amibake}. Java's
 * {@code user.home} comes from the password database instead, and is used only when HOME is unset.
 */
public final class UserHome {

    private UserHome() {
    }

    public static Path get() {
        return get(System.getenv(), System.getProperty("user.home"));
    }

    static Path get(Map<String, String> env, String userHome) {
        String home = env.get("HOME");
        return Path.of(home != null && !home.isBlank() ? home : userHome);
    }

    /** amibake's default state directory, {@code ~/.amibake}. */
    public static Path amibakeHome() {
        return get().resolve(".amibake");
    }
}
