package io.amibake.notify;

import io.amibake.recipe.Notify;
import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The global notification settings, bound like every other tool setting from {@code amibake.notify.*}
 * properties or the environment ({@code AMIBAKE_NOTIFY_URL}, {@code AMIBAKE_NOTIFY_COMMAND},
 * {@code AMIBAKE_NOTIFY_SUCCEEDED}); a recipe's {@code notify} keys win over them.
 *
 * @param url       a webhook that receives each event as a JSON POST, or null
 * @param command   a command run with {@code sh -c}, the event's JSON on its standard input, or null
 * @param succeeded whether completed bakes are told too (default false: failures and recoveries only)
 */
@ConfigurationProperties("amibake.notify")
public record NotifySettings(URI url, String command, Boolean succeeded) {

    public static final NotifySettings NONE = new NotifySettings(null, null, null);

    public NotifySettings {
        if (url != null && !Notify.webhook(url)) {
            throw new IllegalArgumentException("amibake.notify.url (AMIBAKE_NOTIFY_URL) must be an http or https URL"
                    + " such as https://hooks.slack.com/services/..., not '" + url + "'");
        }
        command = command == null || command.isBlank() ? null : command;
    }

    /** What a recipe's bakes are told to, its own keys first. */
    Notify forRecipe(Notify recipe) {
        return new Notify(recipe.url() != null ? recipe.url() : url,
                recipe.command() != null ? recipe.command() : command,
                recipe.succeeded() != null ? recipe.succeeded() : Boolean.TRUE.equals(succeeded));
    }
}
