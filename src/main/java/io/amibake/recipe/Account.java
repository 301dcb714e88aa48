package io.amibake.recipe;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One account the image is distributed to (the recipe's {@code accounts} list): amibake shares the
 * image with it, and the account's own role copies it into each of its regions, re-encrypted with
 * its own key there, and publishes it.
 *
 * @param role         the role amibake assumes in that account
 * @param regions      the account's regions that get a copy
 * @param kmsKeys      the account's KMS key per region for its copy, else its default EBS key
 * @param ssmParameter a template naming the account's SSM parameter for the image id in each
 *                     region, or {@code null} to publish nothing there
 */
public record Account(AwsRole role, List<String> regions, Map<String, String> kmsKeys, String ssmParameter) {

    public Account {
        Objects.requireNonNull(role, "role");
        regions = List.copyOf(regions);
        kmsKeys = Map.copyOf(kmsKeys == null ? Map.of() : kmsKeys);
    }

    /** The account's id, from its role's ARN. */
    public String id() {
        return role.account();
    }
}
