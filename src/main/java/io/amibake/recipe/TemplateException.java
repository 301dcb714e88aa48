package io.amibake.recipe;

/**
 * A naming template that cannot be rendered: an unknown or malformed placeholder. The loader
 * turns it into a {@link Problem}; {@link Templates#render} throws it for templates that were
 * never validated.
 */
public final class TemplateException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String suggestion;

    TemplateException(String message, String suggestion) {
        super(message);
        this.suggestion = suggestion;
    }

    /** How to fix it, or {@code null}. */
    public String suggestion() {
        return suggestion;
    }
}
