package io.amibake.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The simple commands {@link ShellModel} knows, one at a time, against an instance's
 * {@link InstanceContents}: package managers, {@code systemctl}, files ({@code cat}, {@code tee},
 * {@code rm}, {@code find}, {@code test}, {@code grep}), {@code curl} on this instance, the
 * database clients and {@code php}. A command it does not know succeeds and changes nothing.
 */
final class ShellCommands {

    /** What one command printed, and its exit status. */
    record Result(String stdout, String stderr, int code) {
        static final Result OK = new Result("", "", 0);

        static Result fail(int code, String stderr) {
            return new Result("", stderr + "\n", code);
        }
    }

    private static final Set<String> WEB_SERVERS = Set.of("httpd", "apache2", "nginx");
    private static final Set<String> DATABASES = Set.of("mariadb", "mysql");
    private static final String DOCROOT = "/var/www/html";

    private final InstanceContents box;

    ShellCommands(InstanceContents box) {
        this.box = box;
    }

    Result run(List<String> args, String stdin) {
        String name = args.get(0);
        List<String> rest = args.subList(1, args.size());
        return switch (name) {
            case "install_packages" -> install(rest);
            case "dnf", "yum", "apt-get", "apt", "$pm", "\"$pm\"" -> packageManager(rest);
            case "systemctl" -> systemctl(rest);
            case "echo" -> new Result(String.join(" ", rest.stream().filter(a -> !a.matches("-[ne]+")).toList())
                    + (rest.contains("-n") ? "" : "\n"), "", 0);
            case "printf" -> new Result(rest.isEmpty() ? "" : rest.get(0).replace("\\n", "\n"), "", 0);
            case "cat" -> cat(rest, stdin);
            case "tee" -> tee(rest, stdin);
            case "rm" -> rm(rest);
            case "find" -> find(rest);
            case "test" -> test(rest);
            case "[", "[[" -> test(rest.subList(0, Math.max(0, rest.size() - 1)));
            case "grep" -> grep(rest, stdin);
            case "curl" -> curl(rest);
            case "mysql", "mariadb", "mysqladmin" -> database(name, rest);
            case "php" -> php(rest);
            case "command" -> rest.size() == 2 && rest.get(0).equals("-v") ? commandExists(rest.get(1)) : Result.OK;
            case "exit" -> new Result("", "", rest.isEmpty() ? 0 : parse(rest.get(0)));
            case "false" -> new Result("", "", 1);
            default -> Result.OK;
        };
    }

    private Result packageManager(List<String> args) {
        List<String> words = args.stream().filter(a -> !a.startsWith("-")).toList();
        if (words.isEmpty()) {
            return Result.OK;
        }
        List<String> names = words.subList(1, words.size());
        return switch (words.get(0)) {
            case "install" -> install(names);
            case "remove", "erase", "purge", "autoremove" -> {
                names.forEach(box.packages::remove);
                yield Result.OK;
            }
            default -> Result.OK;
        };
    }

    private Result install(List<String> names) {
        names.stream().filter(n -> !n.startsWith("-") && !n.isEmpty()).forEach(box.packages::add);
        return Result.OK;
    }

    private Result systemctl(List<String> args) {
        List<String> units = args.stream().skip(1).filter(a -> !a.startsWith("-")).toList();
        boolean now = args.contains("--now");
        boolean quiet = args.contains("--quiet") || args.contains("-q");
        if (args.isEmpty()) {
            return Result.OK;
        }
        String verb = args.get(0);
        switch (verb) {
            case "enable", "start", "restart", "reload" -> {
                for (String u : units) {
                    if (!box.hasUnit(u)) {
                        return Result.fail(verb.equals("enable") ? 1 : 5, verb.equals("enable")
                                ? "Failed to enable unit: Unit file " + InstanceContents.unit(u) + ".service does not exist."
                                : "Failed to " + verb + " " + InstanceContents.unit(u) + ".service: Unit "
                                        + InstanceContents.unit(u) + ".service not found.");
                    }
                    if (verb.equals("enable")) {
                        box.enabled.add(InstanceContents.unit(u));
                    }
                    if (!verb.equals("enable") || now) {
                        box.active.add(InstanceContents.unit(u));
                    }
                }
                return Result.OK;
            }
            case "disable", "stop", "mask" -> {
                for (String u : units) {
                    if (!verb.equals("stop")) {
                        box.enabled.remove(InstanceContents.unit(u));
                    }
                    if (verb.equals("stop") || now) {
                        box.active.remove(InstanceContents.unit(u));
                    }
                }
                return Result.OK;
            }
            case "is-active" -> {
                return check(units, box::isActive, "active", "inactive", 3, quiet);
            }
            case "is-enabled" -> {
                return check(units, box::isEnabled, "enabled", "disabled", 1, quiet);
            }
            default -> {
                return Result.OK;
            }
        }
    }

    private static Result check(List<String> units, java.util.function.Predicate<String> yes, String on, String off,
                                int failCode, boolean quiet) {
        StringBuilder text = new StringBuilder();
        int code = 0;
        for (String u : units) {
            boolean ok = yes.test(u);
            text.append(ok ? on : off).append('\n');
            code = ok ? code : failCode;
        }
        return new Result(quiet ? "" : text.toString(), "", code);
    }

    private Result cat(List<String> args, String stdin) {
        List<String> paths = args.stream().filter(a -> !a.startsWith("-")).toList();
        if (paths.isEmpty()) {
            return new Result(stdin == null ? "" : stdin, "", 0);
        }
        StringBuilder text = new StringBuilder();
        for (String p : paths) {
            String content = box.files.get(p);
            if (content == null) {
                return Result.fail(1, "cat: " + p + ": No such file or directory");
            }
            text.append(content);
        }
        return new Result(text.toString(), "", 0);
    }

    private Result tee(List<String> args, String stdin) {
        boolean append = args.contains("-a");
        String text = stdin == null ? "" : stdin;
        args.stream().filter(a -> !a.startsWith("-"))
                .forEach(p -> box.files.merge(p, text, (old, add) -> append ? old + add : add));
        return new Result(text, "", 0);
    }

    private Result rm(List<String> args) {
        boolean force = args.stream().anyMatch(a -> a.matches("-[a-zA-Z]*f[a-zA-Z]*"));
        boolean recursive = args.stream().anyMatch(a -> a.matches("-[a-zA-Z]*[rR][a-zA-Z]*"));
        for (String path : args.stream().filter(a -> !a.startsWith("-")).toList()) {
            Pattern glob = glob(path);
            boolean removed = box.files.keySet().removeIf(f -> glob.matcher(f).matches()
                    || recursive && under(f, glob));
            if (!removed && !force && !path.contains("*")) {
                return Result.fail(1, "rm: cannot remove '" + path + "': No such file or directory");
            }
        }
        return Result.OK;
    }

    private static boolean under(String file, Pattern dir) {
        for (int slash = file.indexOf('/', 1); slash > 0; slash = file.indexOf('/', slash + 1)) {
            if (dir.matcher(file.substring(0, slash)).matches()) {
                return true;
            }
        }
        return false;
    }

    /** {@code find DIR... [-name P | -path P]... -delete}: the only form that changes the disk. */
    private Result find(List<String> args) {
        if (!args.contains("-delete")) {
            return Result.OK;
        }
        List<String> dirs = new ArrayList<>();
        List<Pattern> names = new ArrayList<>();
        List<Pattern> paths = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("-name") || a.equals("-path")) && i + 1 < args.size()) {
                (a.equals("-name") ? names : paths).add(glob(args.get(++i)));
            } else if (!a.startsWith("-") && !a.startsWith("\\") && !a.equals("(") && !a.equals(")")
                    && names.isEmpty() && paths.isEmpty() && a.startsWith("/")) {
                dirs.add(a.endsWith("/") ? a : a + "/");
            }
        }
        box.files.keySet().removeIf(f -> dirs.stream().anyMatch(f::startsWith)
                && (names.isEmpty() && paths.isEmpty()
                        || names.stream().anyMatch(n -> n.matcher(f.substring(f.lastIndexOf('/') + 1)).matches())
                        || paths.stream().anyMatch(p -> p.matcher(f).matches())));
        return Result.OK;
    }

    private Result test(List<String> args) {
        if (!args.isEmpty() && args.get(0).equals("!")) {
            Result inner = test(args.subList(1, args.size()));
            return new Result("", "", inner.code() == 0 ? 1 : 0);
        }
        if (args.size() != 2) {
            return Result.OK;
        }
        String path = args.get(1);
        boolean dir = box.files.keySet().stream().anyMatch(f -> f.startsWith(path.endsWith("/") ? path : path + "/"));
        boolean yes = switch (args.get(0)) {
            case "-f" -> box.files.containsKey(path);
            case "-e" -> box.files.containsKey(path) || dir;
            case "-d" -> dir;
            case "-s" -> !box.files.getOrDefault(path, "").isEmpty();
            case "-L" -> false;
            default -> true;
        };
        return new Result("", "", yes ? 0 : 1);
    }

    private Result grep(List<String> args, String stdin) {
        boolean quiet = false;
        boolean fixed = false;
        boolean ignoreCase = false;
        boolean invert = false;
        List<String> operands = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("-") && a.length() > 1 && operands.isEmpty()) {
                quiet |= a.contains("q");
                fixed |= a.contains("F");
                ignoreCase |= a.contains("i");
                invert |= a.contains("v");
            } else {
                operands.add(a);
            }
        }
        if (operands.isEmpty()) {
            return Result.fail(2, "Usage: grep [OPTION]... PATTERNS [FILE]...");
        }
        String text = stdin == null ? "" : stdin;
        if (operands.size() > 1) {
            text = box.files.get(operands.get(1));
            if (text == null) {
                return Result.fail(2, "grep: " + operands.get(1) + ": No such file or directory");
            }
        }
        Pattern pattern;
        try {
            String p = fixed ? Pattern.quote(operands.get(0)) : operands.get(0).replace("\\|", "|");
            pattern = Pattern.compile(p, ignoreCase ? Pattern.CASE_INSENSITIVE : 0);
        } catch (PatternSyntaxException e) {
            pattern = Pattern.compile(Pattern.quote(operands.get(0)));
        }
        StringBuilder matched = new StringBuilder();
        for (String line : text.split("\n")) {
            if (pattern.matcher(line).find() != invert && !(line.isEmpty() && text.isEmpty())) {
                matched.append(line).append('\n');
            }
        }
        return new Result(quiet ? "" : matched.toString(), "", matched.isEmpty() ? 1 : 0);
    }

    /** HTTP on this instance only: other hosts answer 200 with nothing, as if reachable. */
    private Result curl(List<String> args) {
        boolean failOnError = args.stream().anyMatch(a -> a.matches("-[a-zA-Z]*f[a-zA-Z]*") || a.equals("--fail"));
        String url = args.stream().filter(a -> a.startsWith("http://") || a.startsWith("https://")
                || a.startsWith("localhost") || a.startsWith("127.0.0.1")).findFirst().orElse(null);
        if (url == null) {
            return Result.OK;
        }
        Matcher m = Pattern.compile("^(?:https?://)?(localhost|127\\.0\\.0\\.1)(?::(\\d+))?(/[^?#]*)?.*$").matcher(url);
        if (!m.matches()) {
            return Result.OK;
        }
        int port = m.group(2) == null ? (url.startsWith("https") ? 443 : 80) : Integer.parseInt(m.group(2));
        String path = m.group(3) == null ? "/" : m.group(3);
        if (port != 80 || WEB_SERVERS.stream().noneMatch(box::isActive)) {
            return Result.fail(7, "curl: (7) Failed to connect to " + m.group(1) + " port " + port
                    + " after 0 ms: Couldn't connect to server");
        }
        String file = path.endsWith("/") ? index(DOCROOT + path) : DOCROOT + path;
        String body = file == null ? null : box.files.get(file);
        if (body == null) {
            return http(path.equals("/") ? 403 : 404, failOnError, path);
        }
        if (!file.endsWith(".php") || !phpServed()) {
            return new Result(body, "", 0);
        }
        if (connectsToDatabase(body) && DATABASES.stream().noneMatch(box::isActive)) {
            // PHP 8.1+ throws on a failed mysqli connection: the page dies with a 500.
            return http(500, failOnError, path);
        }
        return new Result(phpOutput(body), "", 0);
    }

    private String index(String dir) {
        for (String name : List.of("index.html", "index.php")) {
            if (box.files.containsKey(dir + name)) {
                return dir + name;
            }
        }
        return null;
    }

    private static Result http(int status, boolean failOnError, String path) {
        if (failOnError) {
            return Result.fail(22, "curl: (22) The requested URL returned error: " + status);
        }
        return new Result("<html><head><title>" + status + "</title></head><body>" + path + "</body></html>\n", "", 0);
    }

    /** PHP runs behind the web server: mod_php on apt images, php-fpm (when installed) on the others. */
    private boolean phpServed() {
        if (!box.hasPackageStartingWith("php")) {
            return false;
        }
        if (box.packageManager.equals("apt-get")) {
            return box.hasPackageStartingWith("libapache2-mod-php") || box.isActive("php-fpm");
        }
        return box.isActive("php-fpm") || !box.packages.contains("php-fpm");
    }

    private static boolean connectsToDatabase(String php) {
        return php.contains("mysqli") || php.matches("(?s).*new\\s+PDO\\s*\\(\\s*['\"]mysql:.*");
    }

    /** The sandbox does not run PHP: a page prints the first quoted string of each {@code echo}. */
    private static String phpOutput(String php) {
        StringBuilder text = new StringBuilder();
        Matcher m = Pattern.compile("\\becho\\b[^;'\"]*(['\"])(.*?)\\1").matcher(php);
        while (m.find()) {
            text.append(m.group(2));
        }
        return text.append('\n').toString();
    }

    private Result database(String name, List<String> args) {
        if (!box.hasPackageStartingWith("mariadb", "mysql")) {
            return Result.fail(127, "bash: " + name + ": command not found");
        }
        if (DATABASES.stream().noneMatch(box::isActive)) {
            return Result.fail(1, (name.equals("mysqladmin") ? "mysqladmin: connect to server at 'localhost' failed\n"
                    : "") + "ERROR 2002 (HY000): Can't connect to local server through socket "
                    + "'/var/lib/mysql/mysql.sock' (2)");
        }
        return new Result(name.equals("mysqladmin") && args.contains("ping") ? "mysqld is alive\n" : "", "", 0);
    }

    private Result php(List<String> args) {
        if (!box.hasPackageStartingWith("php")) {
            return Result.fail(127, "bash: php: command not found");
        }
        if (args.contains("-m")) {
            StringBuilder modules = new StringBuilder("[PHP Modules]\nCore\njson\n");
            if (box.hasPackageStartingWith("php-mysql", "php8.2-mysql")) {
                modules.append("mysqli\nmysqlnd\npdo_mysql\n");
            }
            return new Result(modules.toString(), "", 0);
        }
        if (args.contains("-v")) {
            return new Result("PHP 8.2.26 (cli) (built: Nov 19 2024) ( NTS )\n", "", 0);
        }
        return Result.OK;
    }

    private Result commandExists(String program) {
        boolean present = switch (program) {
            case "dnf", "yum", "apt-get" -> program.equals(box.packageManager);
            case "php" -> box.hasPackageStartingWith("php");
            case "mysql", "mariadb" -> box.hasPackageStartingWith("mariadb", "mysql");
            case "amazon-linux-extras" -> box.packageManager.equals("yum");
            default -> true;
        };
        return new Result(present ? "/usr/bin/" + program + "\n" : "", "", present ? 0 : 1);
    }

    private static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append("[^/]*");
                case '?' -> regex.append("[^/]");
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }

    private static int parse(String number) {
        try {
            return Integer.parseInt(number);
        } catch (NumberFormatException e) {
            return 2;
        }
    }
}
