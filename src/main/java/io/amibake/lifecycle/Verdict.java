package io.amibake.lifecycle;

import io.amibake.cloud.Image;

/**
 * What retention decided for one image, and why.
 *
 * @param goes   whether the image is deregistered and its snapshots deleted
 * @param reason why it goes or why it stays, in words for people
 */
public record Verdict(Image image, boolean goes, String reason) {
}
