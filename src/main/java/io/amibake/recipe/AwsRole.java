package io.amibake.recipe;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A role amibake assumes with STS: the recipe's {@code aws} section (the build's credentials) or a
 * distribution account's.
 *
 * @param roleArn     {@code arn:aws:iam::ACCOUNT:role/NAME}
 * @param externalId  the external id the role's trust policy asks for, or {@code null}
 * @param sessionName the session's name, as CloudTrail records it
 */
public record AwsRole(String roleArn, String externalId, String sessionName) {

    /** IAM's role ARN: the account, then the role's name with an optional path. */
    public static final Pattern ROLE_ARN = Pattern.compile("arn:aws:iam::(\\d{12}):role/([\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}");

    public AwsRole {
        Objects.requireNonNull(roleArn, "roleArn");
        Objects.requireNonNull(sessionName, "sessionName");
    }

    /** The account the role belongs to. */
    public String account() {
        Matcher m = ROLE_ARN.matcher(roleArn);
        if (!m.matches()) {
            throw new IllegalStateException("not a role ARN: " + roleArn);
        }
        return m.group(1);
    }

    /** The session name used when a recipe gives none: {@code amibake-RECIPE}, cut to STS's 64 characters. */
    public static String defaultSessionName(String recipe) {
        String name = "amibake-" + recipe;
        return name.length() <= 64 ? name : name.substring(0, 64);
    }
}
