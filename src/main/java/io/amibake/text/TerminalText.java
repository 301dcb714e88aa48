package io.amibake.text;

/**
 * Text that came from outside amibake (a command's output, a cloud error message), made safe to
 * print: control characters that a terminal would act on (ESC starting a sequence that retitles
 * the window or clears the screen, BEL, backspace, a bare carriage return that overwrites the line,
 * the C1 controls) are written as visible escapes such as {@code \e} or {@code \x07}. Newlines and
 * tabs stay as they are.
 */
public final class TerminalText {

    private TerminalText() {
    }

    /** True for a character a terminal would act on rather than print. */
    public static boolean isControl(char c) {
        return c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 && c <= 0x9f;
    }

    /** The index of the first such character, or -1. */
    public static int firstControl(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (isControl(text.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** The text with each control character written as a visible escape; null stays null. */
    public static String safe(String text) {
        if (text == null || firstControl(text) < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isControl(c)) {
                out.append(c);
            } else if (c == 0x1b) {
                out.append("\\e");
            } else if (c == '\r') {
                // CRLF line ends are common in output; only a bare CR can overwrite what was printed.
                if (i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    continue;
                }
                out.append("\\r");
            } else {
                out.append(String.format("\\x%02x", (int) c));
            }
        }
        return out.toString();
    }

    /** A character's name for messages, such as {@code U+0000 (NUL)}. */
    public static String describe(char c) {
        String name = switch (c) {
            case 0 -> " (NUL)";
            case 0x07 -> " (BEL)";
            case 0x08 -> " (backspace)";
            case '\r' -> " (carriage return)";
            case 0x1b -> " (ESC)";
            case 0x7f -> " (DEL)";
            default -> "";
        };
        return String.format("U+%04X", (int) c) + name;
    }
}
