package io.amibake.cloud;

import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/** KMS, in amibake's terms: whether a key that a recipe names exists, and its state. */
public final class KmsGateway {

    private final AwsClients clients;

    public KmsGateway(AwsClients clients) {
        this.clients = clients;
    }

    /** A key as DescribeKey reports it: its id, ARN and state ({@code Enabled}, {@code Disabled}, ...). */
    public record Key(String id, String arn, String state) {

        public boolean isEnabled() {
            return "Enabled".equals(state);
        }
    }

    /** The key named by id, ARN, alias or alias ARN in the region, or empty when KMS knows none. */
    public Optional<Key> describeKey(String region, String keyId) {
        try {
            var meta = clients.kms(region).describeKey(r -> r.keyId(keyId)).keyMetadata();
            return Optional.of(new Key(meta.keyId(), meta.arn(), meta.keyStateAsString()));
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw Ec2Gateway.translate(e);
        }
    }
}
