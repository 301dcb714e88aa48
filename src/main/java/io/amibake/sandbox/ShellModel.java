package io.amibake.sandbox;

import io.amibake.sandbox.ShellCommands.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    private static final Pattern HEREDOC = Pattern.compile("^(.*?)<<-?\\s*['\"]?(\\w+)['\"]?(.*)$");
    private static final Pattern FUNCTION = Pattern.compile("^\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\(\\)\\s*\\{.*");
    private static final Pattern CASE = Pattern.compile("^\\s*case\\s+\"?\\$\\{?pm\\}?\"?\\s+in\\s*$");
    private static final Pattern BRANCH = Pattern.compile("^\\s*([^)\\s]+)\\)\\s*(.*)$");
    private static final Pattern ASSIGNMENT = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*=.*");
    private static final Set<String> KEYWORDS = Set.of("then", "else", "do", "!", "{", "}");
    private static final Set<String> CONDITION_STARTS = Set.of("done", "for", "while", "esac");

    private final InstanceContents box;
    private final ShellCommands commands;
    private final StringBuilder out = new StringBuilder();
    private final StringBuilder err = new StringBuilder();

    private ShellModel(InstanceContents box) {
        this.box = box;
        this.commands = new ShellCommands(box);
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
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            if (FUNCTION.matcher(text).matches()) {
                // A definition runs nothing; a body over several lines ends at a line of its own '}'.
                while (text.endsWith("{") && i + 1 < lines.size() && !lines.get(i + 1).text().strip().equals("}")) {
                    i++;
                }
                if (text.endsWith("{")) {
                    i++;
                }
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
        Result r = commands.run(args, stdin);
        if (redirect != null && !redirect.startsWith("/dev/")) {
            boolean appending = append;
            box.files.merge(redirect, r.stdout(), (old, add) -> appending ? old + add : add);
            return new Result("", r.stderr(), r.code());
        }
        return r;
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

}
