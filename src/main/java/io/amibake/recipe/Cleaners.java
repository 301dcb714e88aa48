package io.amibake.recipe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The built-in cleaners: named, reviewed shell snippets that remove from the build instance
 * what must not ship in an image. docs/recipes.md quotes each one verbatim (a test keeps them
 * in step).
 */
public final class Cleaners {

    private static final Map<String, List<String>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("package-cache", List.of(
                "if command -v dnf >/dev/null 2>&1; then dnf clean all; rm -rf /var/cache/dnf/*;",
                "elif command -v yum >/dev/null 2>&1; then yum clean all; rm -rf /var/cache/yum/*;",
                "elif command -v apt-get >/dev/null 2>&1; then apt-get clean; rm -rf /var/lib/apt/lists/*;",
                "fi"));
        COMMANDS.put("tmp", List.of(
                "find /tmp /var/tmp -xdev -mindepth 1 -delete"));
        COMMANDS.put("shell-history", List.of(
                "find /root /home -maxdepth 2 -type f \\( -name '.*_history' -o -name '.lesshst' -o -name '.viminfo' \\) -delete"));
        COMMANDS.put("credentials", List.of(
                "rm -rf /root/.aws /home/*/.aws /root/.netrc /home/*/.netrc /root/.git-credentials /home/*/.git-credentials"
                        + " /root/.docker/config.json /home/*/.docker/config.json"));
        COMMANDS.put("ssh-host-keys", List.of(
                "rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub"));
        COMMANDS.put("authorized-keys", List.of(
                "find /root /home -maxdepth 3 -type f -path '*/.ssh/authorized_keys' -delete"));
        COMMANDS.put("cloud-init", List.of(
                "if command -v cloud-init >/dev/null 2>&1; then cloud-init clean --logs; fi"));
        COMMANDS.put("machine-id", List.of(
                "truncate -s 0 /etc/machine-id",
                "if [ -f /var/lib/dbus/machine-id ] && [ ! -L /var/lib/dbus/machine-id ]; then rm -f /var/lib/dbus/machine-id; fi"));
        COMMANDS.put("logs", List.of(
                "find /var/log -type f \\( -name '*.gz' -o -name '*.old' -o -name '*.[0-9]' -o -name '*-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]' \\) -delete",
                "find /var/log -type f -exec truncate -s 0 {} +",
                "if command -v journalctl >/dev/null 2>&1; then journalctl --rotate; journalctl --vacuum-time=1s; fi"));
    }

    private Cleaners() {
    }

    /** Every cleaner's name, in the order this class documents them. */
    public static Set<String> names() {
        return COMMANDS.keySet();
    }

    /**
     * The shell lines of one cleaner.
     *
     * @throws IllegalArgumentException for a name not in {@link #names()}
     */
    public static List<String> commands(String name) {
        List<String> lines = COMMANDS.get(name);
        if (lines == null) {
            throw new IllegalArgumentException("no cleaner named '" + name + "'");
        }
        return lines;
    }
}
