package io.amibake.recipe;

import java.util.ArrayList;
import java.util.List;

/**
 * Package presets and the shell that installs them. The script finds the package manager
 * itself (dnf on Amazon Linux 2023, yum on Amazon Linux 2, apt-get on Ubuntu and Debian)
 * because the recipe's base image may come from an SSM parameter or a filter whose OS is only
 * known on the instance.
 */
public final class Presets {

    /** The preset names a recipe may use. */
    public static final List<String> NAMES = List.of("httpd", "lamp");

    private Presets() {
    }

    /**
     * The preset's default tests, run on an instance booted from the new image: what the preset
     * set up must have survived the cleanup and start on boot, not merely be installed.
     */
    static List<ShellStep> tests(String preset) {
        if (preset == null) {
            return List.of();
        }
        List<ShellStep> tests = new ArrayList<>(List.of(
                new ShellStep("web-server-active", String.join("\n",
                        "# started on boot: the unit is enabled, not just installed",
                        "if command -v apt-get >/dev/null 2>&1; then systemctl is-active apache2; "
                                + "else systemctl is-active httpd; fi"), null),
                new ShellStep("serves-page", "curl -fsS -o /dev/null http://localhost/", null)));
        if ("lamp".equals(preset)) {
            tests.addAll(List.of(
                    new ShellStep("database-answers", "mysqladmin ping", null),
                    // Not grep -q: it exits at the first match, and PHP, still writing the list of
                    // modules, fails on the closed pipe (exit 255), which pipefail reports.
                    new ShellStep("php-answers", String.join("\n", "php -v", "php -m | grep -x mysqli"), null),
                    new ShellStep("php-connects-to-database", String.join("\n",
                            "# a throwaway user and page, removed at the end: deployed servers run these tests too",
                            "mysql --user=root -e \"CREATE USER IF NOT EXISTS 'amibake_test'@'localhost' "
                                    + "IDENTIFIED BY 'amibake-test'\"",
                            "cat > /var/www/html/amibake-test.php <<'PHP'",
                            "<?php",
                            "$db = new mysqli('localhost', 'amibake_test', 'amibake-test');",
                            "echo 'database ok: ' . $db->server_info;",
                            "PHP",
                            "curl -fsS http://localhost/amibake-test.php | grep -q 'database ok'",
                            "rm -f /var/www/html/amibake-test.php",
                            "mysql --user=root -e \"DROP USER IF EXISTS 'amibake_test'@'localhost'\""), null)));
        }
        return List.copyOf(tests);
    }

    /**
     * On Ubuntu's and Debian's AMIs, cloud-init and then apt's own daily jobs (unattended-upgrades)
     * hold apt's locks for a while after the first boot, just when a build sends its first
     * command. {@code DPkg::Lock::Timeout} makes apt-get wait for the dpkg lock, but
     * {@code apt-get update} fails at once on the package lists' lock; so the apt path waits for
     * cloud-init, then until no process holds any of apt's locks (read from /proc/locks, which
     * needs nothing but coreutils and awk), and says how long it waited when it did.
     */
    private static final List<String> APT_WAIT = List.of(
            "apt_lock_holder() {",
            "  local f key pid",
            "  for f in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock; do",
            "    [ -e \"$f\" ] || continue",
            "    key=$(stat -c '%d %i' \"$f\" | awk '{ printf \"%02x:%02x:%s\", int($1 / 256) % 4096, $1 % 256 + int($1 / 1048576) * 256, $2 }')",
            "    pid=$(awk -v k=\"$key\" '$2 != \"->\" { for (i = 2; i <= NF; i++) if ($i == k) { print $(i - 1); exit } }' /proc/locks)",
            "    if [ -n \"$pid\" ]; then echo \"$(cat \"/proc/$pid/comm\" 2>/dev/null || echo unknown) (pid $pid)\"; return 0; fi",
            "  done",
            "  return 1",
            "}",
            "wait_for_apt() {",
            "  local since=$SECONDS holder last=",
            "  # cloud-init writes result.json when its last stage is done",
            "  if command -v cloud-init >/dev/null 2>&1 && [ ! -e /run/cloud-init/result.json ] && [ ! -e /run/cloud-init/disabled ]; then",
            "    cloud-init status --wait >/dev/null 2>&1 || true",
            "    echo \"amibake: waited $((SECONDS - since)) s for cloud-init to finish\"",
            "  fi",
            "  since=$SECONDS",
            "  while holder=$(apt_lock_holder); do",
            "    last=$holder",
            "    if [ $((SECONDS - since)) -ge 900 ]; then echo \"amibake: apt's lock is still held by $holder after 900 s\" >&2; return 1; fi",
            "    sleep 1",
            "  done",
            "  if [ -n \"$last\" ]; then echo \"amibake: waited $((SECONDS - since)) s for apt's lock, held by $last\"; fi",
            "}");

    /** The lines of the {@code packages} command, without the shebang and strict-mode header. */
    static List<String> lines(Packages packages) {
        List<String> lines = new ArrayList<>(List.of(
                "if command -v dnf >/dev/null 2>&1; then pm=dnf",
                "elif command -v yum >/dev/null 2>&1; then pm=yum",
                "elif command -v apt-get >/dev/null 2>&1; then pm=apt-get",
                "else echo 'amibake: none of dnf, yum or apt-get is on this image' >&2; exit 1",
                "fi"));
        lines.addAll(APT_WAIT);
        lines.addAll(List.of(
                "if [ \"$pm\" = apt-get ]; then",
                "  export DEBIAN_FRONTEND=noninteractive",
                "  wait_for_apt",
                "  apt-get -o DPkg::Lock::Timeout=600 update -y",
                "fi",
                "install_packages() { if [ \"$pm\" = apt-get ]; then apt-get -o DPkg::Lock::Timeout=600 install -y \"$@\";"
                        + " else \"$pm\" install -y \"$@\"; fi; }"));
        if ("httpd".equals(packages.preset())) {
            lines.addAll(List.of(
                    "# preset httpd: Apache httpd, enabled and started",
                    "case \"$pm\" in",
                    "  apt-get) install_packages apache2; systemctl enable --now apache2 ;;",
                    "  *) install_packages httpd; systemctl enable --now httpd ;;",
                    "esac"));
        } else if ("lamp".equals(packages.preset())) {
            // Amazon Linux 2 ships MariaDB 10.5 and PHP 8.2 only as amazon-linux-extras topics;
            // its base repository has MariaDB 5.5 and PHP 5.4.
            lines.addAll(List.of(
                    "# preset lamp: Apache, MariaDB and PHP, enabled and started",
                    "case \"$pm\" in",
                    "  dnf) install_packages httpd mariadb105-server php php-mysqlnd php-fpm"
                            + "; systemctl enable --now httpd mariadb php-fpm ;;",
                    "  yum) if command -v amazon-linux-extras >/dev/null 2>&1; then amazon-linux-extras install -y mariadb10.5 php8.2; fi",
                    "       install_packages httpd mariadb-server php php-mysqlnd; systemctl enable --now httpd mariadb",
                    "       if [ -f /usr/lib/systemd/system/php-fpm.service ]; then systemctl enable --now php-fpm; fi ;;",
                    "  apt-get) install_packages apache2 mariadb-server php libapache2-mod-php php-mysql"
                            + "; systemctl enable --now apache2 mariadb ;;",
                    "esac"));
        }
        if (!packages.install().isEmpty()) {
            lines.add("install_packages " + Shell.quoteAll(packages.install()));
        }
        if (!packages.enable().isEmpty()) {
            lines.add("systemctl enable --now " + Shell.quoteAll(packages.enable()));
        }
        return lines;
    }
}
