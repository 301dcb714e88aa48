package io.amibake.recipe;

import java.util.Collection;
import java.util.stream.Collectors;

/** Builds shell text from values the recipe gives. */
final class Shell {

    /**
     * The first lines of every command. The agent runs the script file it writes, so the
     * shebang picks bash even where {@code sh} is dash (Ubuntu, Debian); {@code set -euo
     * pipefail} makes any failing line fail the command, and with it the bake.
     */
    static final String SHEBANG = "#!/bin/bash";
    static final String STRICT = "set -euo pipefail";

    private Shell() {
    }

    /** {@code value} in single quotes, safe as one shell word whatever it holds. */
    static String quote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }

    static String quoteAll(Collection<String> values) {
        return values.stream().map(Shell::quote).collect(Collectors.joining(" "));
    }
}
