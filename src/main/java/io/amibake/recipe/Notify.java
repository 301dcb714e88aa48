package io.amibake.recipe;

import java.net.URI;

/**
 * The {@code notify} section: who hears of the recipe's bakes. It adds to the global settings
 * ({@code AMIBAKE_NOTIFY_URL}, {@code AMIBAKE_NOTIFY_COMMAND}); a key given here wins over the
 * global one.
 *
 * @param url       a webhook that receives each event as a JSON POST (Slack-compatible), or null
 * @param command   a local command run with {@code sh -c}, the event's JSON on its standard input, or null
 * @param succeeded whether every completed bake is told too, not only failures and recoveries;
 *                  null leaves it to the global setting
 */
public record Notify(URI url, String command, Boolean succeeded) {

    public static final Notify NONE = new Notify(null, null, null);

    /** Whether the URI can be a webhook: absolute, http or https, with a host. */
    public static boolean webhook(URI uri) {
        return uri.isAbsolute() && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                && uri.getHost() != null;
    }
}
