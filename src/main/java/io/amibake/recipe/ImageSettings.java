package io.amibake.recipe;

import java.time.Duration;

/**
 * Settings EC2 keeps on an image, applied to the new image and to every copy of it.
 *
 * @param deprecateAfter           how long after its creation the image is deprecated (hidden from
 *                                 listings, still launchable by id), or {@code null} for never
 * @param deregistrationProtection whether EC2 refuses to deregister the image until the protection is
 *                                 turned off
 * @param imdsSupport              {@code v2.0} when instances launched from the image must use IMDSv2,
 *                                 or {@code null}
 */
public record ImageSettings(Duration deprecateAfter, boolean deregistrationProtection, String imdsSupport) {

    public static final ImageSettings NONE = new ImageSettings(null, false, null);

    public boolean isEmpty() {
        return equals(NONE);
    }
}
