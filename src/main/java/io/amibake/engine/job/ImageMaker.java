package io.amibake.engine.job;

import io.amibake.cloud.BakeTags;
import io.amibake.cloud.CloudException;
import io.amibake.cloud.Image;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.batch.core.job.JobInterruptedException;

/**
 * Makes an image of a name this bake owns (CreateImage, or CopyImage into a region) exactly once,
 * on a cloud that answers late, twice or not at all:
 * <ul>
 * <li>after a server error (HTTP 5xx) or a lost answer the image may exist: it is looked up by
 * name and bake tag before the call is sent again (the SDK does not resend these calls);</li>
 * <li>throttling is backed off from and the call sent again;</li>
 * <li>{@code InvalidAMIName.Duplicate} means an image holds the name: this bake's is adopted, a
 * failed one of this bake's is removed; one not yet listed (new images are NotFound for a while,
 * EC2's eventual consistency) or just deregistered (AWS keeps refusing a deregistered image's name
 * for a while) is waited for, then the call is sent again.</li>
 * </ul>
 */
final class ImageMaker {

    /** Server errors or lost answers before the step fails (resumable). */
    static final int SERVER_ERROR_ATTEMPTS = 5;
    /** Throttled calls before the step fails (docs/aws.md: never fail a bake on throttling). */
    static final int THROTTLED_ATTEMPTS = 20;
    /** The longest a name may stay held by an image nobody can see before the step fails. */
    static final Duration NAME_WAIT = Duration.ofMinutes(15);

    private final BakeServices services;
    private final String step;

    ImageMaker(BakeServices services, String step) {
        this.services = services;
        this.step = step;
    }

    /**
     * Returns the id of the image named {@code name} in {@code region}: the one {@code create}
     * made, or the one an earlier call of this bake made.
     */
    String make(String region, String name, String bakeId, Supplier<String> create) throws JobInterruptedException {
        Instant giveUp = services.clock().instant().plus(NAME_WAIT);
        int serverErrors = 0;
        int throttled = 0;
        for (int attempt = 1; ; attempt++) {
            try {
                return create.get();
            } catch (CloudException e) {
                if (e.isThrottling() && ++throttled < THROTTLED_ATTEMPTS) {
                    services.waits().backoff(throttled);
                    continue;
                }
                if ((e.isServerError() || e.isLostAnswer()) && ++serverErrors < SERVER_ERROR_ATTEMPTS) {
                    services.events().note(step, region + ": " + e.getMessage() + "; looking for '" + name
                            + "' before calling again");
                } else if (!"InvalidAMIName.Duplicate".equals(e.code())) {
                    throw e;
                } else if (services.clock().instant().isAfter(giveUp)) {
                    throw new CloudException(e.code(), "the name '" + name + "' in " + region + " is still held by an "
                            + "image that DescribeImages does not list, after " + NAME_WAIT.toMinutes() + " minutes: "
                            + e.getMessage(), e.httpStatus(), e.requestId(), e);
                }
                Optional<String> adopted = adopt(region, name, bakeId);
                if (adopted.isPresent()) {
                    return adopted.get();
                }
                services.waits().backoff(attempt);
            }
        }
    }

    /** This bake's usable image of that name, if listed; a failed one is removed to free the name. */
    private Optional<String> adopt(String region, String name, String bakeId) {
        Optional<Image> found = services.ec2().findOwnImageByName(region, name);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Image image = found.get();
        if (!bakeId.equals(image.tags().get(BakeTags.BAKE))) {
            throw new CloudException("InvalidAMIName.Duplicate", "an image named '" + name + "' already exists in "
                    + region + " (" + image.id() + ") and was not made by this bake; put {{timestamp}} or {{date}}"
                    + " in image.name, or deregister it");
        }
        if (image.isFailed()) {
            services.events().note(step, region + ": removing " + image.id() + ", a " + image.state()
                    + " image of this bake that holds the name '" + name + "'");
            services.ec2().deregisterWithSnapshots(region, image.id());
            return Optional.empty();
        }
        services.events().note(step, region + ": adopted " + image.id() + ", made by an earlier call of this bake");
        return Optional.of(image.id());
    }
}
