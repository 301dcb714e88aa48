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
                    new ShellStep("php-answers", String.join("\n", "php -v", "php -m | grep -q mysqli"), null),
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

    /** The lines of the {@code packages} command, without the shebang and strict-mode header. */
    static List<String> lines(Packages packages) {
        List<String> lines = new ArrayList<>(List.of(
                "if command -v dnf >/dev/null 2>&1; then pm=dnf",
                "elif command -v yum >/dev/null 2>&1; then pm=yum",
                "elif command -v apt-get >/dev/null 2>&1; then pm=apt-get",
                "else echo 'amibake: none of dnf, yum or apt-get is on this image' >&2; exit 1",
                "fi",
                "if [ \"$pm\" = apt-get ]; then export DEBIAN_FRONTEND=noninteractive; apt-get update -y; fi",
                "install_packages() { \"$pm\" install -y \"$@\"; }"));
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
