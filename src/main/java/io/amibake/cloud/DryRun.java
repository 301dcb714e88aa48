package io.amibake.cloud;

/**
 * EC2's answer to a request sent with {@code DryRun=true}: {@code DryRunOperation} when it would have
 * been allowed, otherwise the error it would have failed with ({@code UnauthorizedOperation} when IAM
 * refuses it). Nothing was created either way.
 *
 * @param allowed whether EC2 answered {@code DryRunOperation}
 * @param code    EC2's error code
 * @param message EC2's message
 */
public record DryRun(String action, String region, boolean allowed, String code, String message) {
}
