package io.amibake.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Plays a script's simple commands against an instance's {@link InstanceContents}: installs,
 * {@code systemctl}, files written and removed, and the checks a recipe's tests make
 * ({@code systemctl is-active}, {@code curl localhost}, {@code test -f}, {@code grep},
 * {@code mysql}, {@code php}). It is not a shell: conditionals are not evaluated (every branch's
 * simple commands apply), except {@code case "$pm"}, which takes the branch of the image's package
 * manager; variables are not expanded; a command it does not know succeeds and changes nothing.
 * Scripts run as under {@code set -e}: the first failing command list ends the script.
 */
final class ShellModel {

    /** What the modelled commands printed and how the script ended. */
    record Outcome(String stdout, String stderr, int exitCode) {
    }

    private record Result(String stdout, String stderr, int code) {
        static final Result OK = new Result("", "", 0);

        static Result fail(int code, String stderr) {
            return new Result("", stderr + "\n", code);
        }
    }

    private static final Pattern HEREDOC = Pattern.compile("^(.*?)<<-?\\s*['\"]?(\\w+)['\"]?(.*)$");
    private static final Pattern FUNCTION = Pattern.compile("^\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\(\\)\\s*\\{.*");
    private static final Pattern CASE = Pattern.compile("^\\s*case\\s+\"?\\$\\{?pm\\}?\"?\\s+in\\s*$");
    private static final Pattern BRANCH = Pattern.compile("^\\s*([^)\\s]+)\\)\\s*(.*)$");
    private static final Pattern ASSIGNMENT = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*=.*");
    private static final Set<String> KEYWORDS = Set.of("then", "else", "do", "!", "{", "}");
    private static final Set<String> CONDITION_STARTS = Set.of("done", "for", "while", "esac");
    private static final Set<String> WEB_SERVERS = Set.of("httpd", "apache2", "nginx");
    private static final Set<String> DATABASES = Set.of("mariadb", "mysql");
    private static final String DOCROOT = "/var/www/html";

    private final InstanceContents box;
    private final StringBuilder out = new StringBuilder();
    private final StringBuilder err = new StringBuilder();

    private ShellModel(InstanceContents box) {
        this.box = box;
    }

    /** Runs the script's lines against {@code box}, changing it. */
    static Outcome run(InstanceContents box, List<String> lines) {
        ShellModel shell = new ShellModel(box);
        int code = shell.script(logicalLines(lines));
        return new Outcome(shell.out.toString(), shell.err.toString(), code);
    }

    // ---- script structure ----

    /** One line of script, with the here-document that follows it as its standard input. */
    private record Line(String text, String stdin) {
    }

    private static List<Line> logicalLines(List<String> raw) {
        List<String> physical = new ArrayList<>();
        raw.forEach(r -> physical.addAll(List.of(r.split("\n", -1))));
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i < physical.size(); i++) {
            String text = physical.get(i);
            Matcher heredoc = HEREDOC.matcher(text);
            if (heredoc.matches() && !inQuotes(text, heredoc.start(2))) {
                StringBuilder body = new StringBuilder();
                String tag = heredoc.group(2);
                for (i++; i < physical.size() && !physical.get(i).strip().equals(tag); i++) {
                    body.append(physical.get(i)).append('\n');
                }
                lines.add(new Line(heredoc.group(1) + heredoc.group(3), body.toString()));
            } else {
                lines.add(new Line(text, null));
            }
        }
        return lines;
    }

    private int script(List<Line> lines) {
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i).text().strip();
            if (text.isEmpty() || text.startsWith("#") || FUNCTION.matcher(text).matches()) {
                continue;
            }
            if (CASE.matcher(text).matches()) {
                List<Line> branch = new ArrayList<>();
                i = packageManagerBranch(lines, i + 1, branch);
                int code = script(branch);
                if (code != 0) {
                    return code;
                }
                continue;
            }
            int code = list(text, lines.get(i).stdin());
            if (code != 0) {
                return code;
            }
        }
        return 0;
    }

    /** Collects the lines of the branch for the image's package manager; returns the index of {@code esac}. */
    private int packageManagerBranch(List<Line> lines, int from, List<Line> branch) {
        boolean taking = false;
        boolean taken = false;
        int i = from;
        for (; i < lines.size() && !lines.get(i).text().strip().equals("esac"); i++) {
            String text = lines.get(i).text();
            Matcher m = BRANCH.matcher(text);
            if (m.matches() && !taking) {
                List<String> labels = List.of(m.group(1).replace("\"", "").split("\\|"));
                taking = !taken && (labels.contains(box.packageManager) || labels.contains("*"));
                taken |= taking;
                text = m.group(2);
            }
            boolean ends = text.strip().endsWith(";;");
            if (taking) {
                branch.add(new Line(ends ? text.strip().substring(0, text.strip().length() - 2) : text,
                        lines.get(i).stdin()));
            }
            if (ends) {
                taking = false;
            }
        }
        return i;
    }

    /** An {@code if} being read: whether its condition is still being run, and which branch runs. */
    private static final class Frame {
        final boolean parentRunning;
        boolean inCondition = true;
        boolean running;
        boolean taken;

        Frame(boolean parentRunning) {
            this.parentRunning = parentRunning;
        }
    }

    private final java.util.ArrayDeque<Frame> frames = new java.util.ArrayDeque<>();

    private boolean running() {
        Frame f = frames.peek();
        return f == null || f.running && !f.inCondition || f.inCondition && f.parentRunning;
    }

    /**
     * A command list joined by {@code ;}, {@code &&} and {@code ||}; its status is the last one run.
     * {@code if}, {@code elif}, {@code then}, {@code else} and {@code fi} pick the branch that runs;
     * a condition's failure does not end the script, as under {@code set -e}.
     */
    private int list(String text, String stdin) {
        List<String> parts = new ArrayList<>();
        List<String> ops = new ArrayList<>();
        split(text, parts, ops);
        int status = 0;
        boolean condition = false;
        for (int i = 0; i < parts.size(); i++) {
            String op = i == 0 ? ";" : ops.get(i - 1);
            if (op.equals(";") && status != 0 && !condition) {
                return status;
            }
            String part = parts.get(i).strip();
            String first = part.isEmpty() ? "" : words(part).get(0);
            String rest = part.substring(first.length()).strip();
            switch (first) {
                case "if" -> {
                    frames.push(new Frame(running()));
                    status = running() ? pipeline(rest, null) : 1;
                    condition = true;
                    continue;
                }
                case "elif" -> {
                    Frame f = frames.peek();
                    if (f != null) {
                        f.inCondition = true;
                        status = f.parentRunning && !f.taken ? pipeline(rest, null) : 1;
                    }
                    condition = true;
                    continue;
                }
                case "then", "else" -> {
                    Frame f = frames.peek();
                    if (f != null) {
                        f.running = f.parentRunning && !f.taken && (first.equals("else") || status == 0);
                        f.taken |= f.running;
                        f.inCondition = false;
                    }
                    condition = false;
                    status = 0;
                    if (rest.isEmpty()) {
                        continue;
                    }
                    part = rest;
                }
                case "fi" -> {
                    frames.poll();
                    condition = false;
                    status = 0;
                    continue;
                }
                default -> {
                }
            }
            if (op.equals("&&") && status != 0 || op.equals("||") && status == 0) {
                continue;
            }
            if (!running()) {
                continue;
            }
            status = pipeline(part, i == parts.size() - 1 || i == 0 ? stdin : null);
        }
        return condition ? 0 : status;
    }

    /** Splits on {@code ;}, {@code &&} and {@code ||} outside quotes. */
    private static void split(String text, List<String> parts, List<String> ops) {
        StringBuilder part = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                quote = c == quote ? 0 : quote;
                part.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                part.append(c);
            } else if (c == ';' || text.startsWith("&&", i) || text.startsWith("||", i)) {
                parts.add(part.toString());
                ops.add(c == ';' ? ";" : text.substring(i, i + 2));
                i += c == ';' ? 0 : 1;
                part.setLength(0);
            } else {
                part.append(c);
            }
        }
        parts.add(part.toString());
    }

    /** Commands joined by {@code |}; under {@code pipefail} its status is the last non-zero one. */
    private int pipeline(String text, String stdin) {
        List<String> stages = new ArrayList<>();
        StringBuilder stage = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                quote = c == quote ? 0 : quote;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '|') {
                stages.add(stage.toString());
                stage.setLength(0);
                continue;
            }
            stage.append(c);
        }
        stages.add(stage.toString());
        String input = stdin;
        int status = 0;
        for (int i = 0; i < stages.size(); i++) {
            Result r = simple(words(stages.get(i)), input);
            err.append(r.stderr());
            // What echo prints is CommandSimulation's to show; the model adds what the checks print.
            if (i == stages.size() - 1 && !isEcho(stages.get(i))) {
                out.append(r.stdout());
            }
            input = r.stdout();
            status = r.code() != 0 ? r.code() : status;
        }
        return status;
    }

    private static boolean isEcho(String stage) {
        List<String> words = words(stage);
        return !words.isEmpty() && (words.get(0).equals("echo") || words.get(0).equals("printf"));
    }

    // ---- one command ----

    private Result simple(List<String> words, String stdin) {
        String redirect = null;
        boolean append = false;
        List<String> args = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.equals(">") || w.equals(">>")) {
                append = w.equals(">>");
                redirect = i + 1 < words.size() ? words.get(++i) : null;
            } else if (w.startsWith(">>") || w.startsWith(">") && w.length() > 1 && !w.startsWith(">&")) {
                append = w.startsWith(">>");
                redirect = w.substring(append ? 2 : 1);
            } else if (w.matches("\\d?>&\\d") || w.matches("2>>?.*") || w.equals("<") || w.equals("&>")) {
                if ((w.equals("2>") || w.equals("2>>") || w.equals("<") || w.equals("&>")) && i + 1 < words.size()) {
                    i++;
                }
            } else {
                args.add(w);
            }
        }
        while (!args.isEmpty() && (KEYWORDS.contains(args.get(0)) || args.get(0).equals("sudo")
                || ASSIGNMENT.matcher(args.get(0)).matches() || args.get(0).equals("export"))) {
            args.remove(0);
        }
        if (args.isEmpty() || CONDITION_STARTS.contains(args.get(0))) {
            return Result.OK;
        }
        Result r = command(args, stdin);
        if (redirect != null && !redirect.startsWith("/dev/")) {
            boolean appending = append;
            box.files.merge(redirect, r.stdout(), (old, add) -> appending ? old + add : add);
            return new Result("", r.stderr(), r.code());
        }
        return r;
    }

    private Result command(List<String> args, String stdin) {
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

    // ---- words ----

    /** Shell words: quotes removed, whitespace outside quotes separates. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    private static boolean inQuotes(String text, int index) {
        char quote = 0;
        for (int i = 0; i < index; i++) {
            char c = text.charAt(i);
            if (quote != 0 && c == quote) {
                quote = 0;
            } else if (quote == 0 && (c == '\'' || c == '"')) {
                quote = c;
            }
        }
        return quote != 0 && text.charAt(index - 1) != quote;
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
