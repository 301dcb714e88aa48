package io.amibake.sandbox;

import io.amibake.sandbox.Cloud.KmsKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * KMS's JSON 1.1 protocol ({@code X-Amz-Target: TrentService.<Operation>}), as far as amibake asks:
 * DescribeKey by key id, key ARN, alias name or alias ARN. Every region starts with the AWS managed
 * key {@code alias/aws/ebs} and the customer key {@code alias/amibake-images} that recipes/lamp.yaml
 * names (the account is set up for amibake, as its instance profiles are); tests add others through
 * {@link SandboxAccount}. An unknown key
 * or alias is {@code NotFoundException}, as in KMS. Callers hold the monitor of the {@link Cloud}.
 */
final class KmsApi {

    private final JsonMapper json;

    KmsApi(JsonMapper json) {
        this.json = json;
    }

    static Cloud.Region seed(Cloud.Region region, Instant now) {
        String id = UUID.nameUUIDFromBytes((region.name + "/aws/ebs").getBytes(StandardCharsets.UTF_8)).toString();
        add(region, new KmsKey(id, arn(region, "key/" + id), "Default key that protects my EBS volumes when no other"
                + " key is defined", "AWS", "Enabled", now), "alias/aws/ebs");
        String images = UUID.nameUUIDFromBytes((region.name + "/amibake-images").getBytes(StandardCharsets.UTF_8))
                .toString();
        add(region, new KmsKey(images, arn(region, "key/" + images), "amibake's images", "CUSTOMER", "Enabled", now),
                "alias/amibake-images");
        return region;
    }

    static KmsKey add(Cloud.Region region, KmsKey key, String aliasOrNull) {
        region.kmsKeys.put(key.id(), key);
        if (aliasOrNull != null) {
            region.kmsAliases.put(aliasOrNull, key.id());
        }
        return key;
    }

    static String arn(Cloud.Region region, String resource) {
        return "arn:aws:kms:" + region.name + ":" + Cloud.ACCOUNT + ":" + resource;
    }

    ObjectNode handle(String operation, Cloud.Region region, JsonNode request) {
        if (!operation.equals("DescribeKey")) {
            throw new ApiException("UnknownOperationException", "Operation " + operation
                    + " is not supported by the sandbox", 400);
        }
        String keyId = SsmApi.text(request, "KeyId");
        if (keyId == null || keyId.isEmpty()) {
            throw SsmApi.validation("1 validation error detected: Value null at 'keyId' failed to satisfy constraint:"
                    + " Member must not be null");
        }
        KmsKey key = find(region, keyId);
        ObjectNode answer = json.createObjectNode();
        ObjectNode meta = answer.putObject("KeyMetadata");
        meta.put("AWSAccountId", Cloud.ACCOUNT).put("KeyId", key.id()).put("Arn", key.arn())
                .put("CreationDate", SsmApi.epochSeconds(key.createdAt())).put("Enabled", key.state().equals("Enabled"))
                .put("Description", key.description()).put("KeyUsage", "ENCRYPT_DECRYPT").put("KeyState", key.state())
                .put("Origin", "AWS_KMS").put("KeyManager", key.keyManager()).put("CustomerMasterKeySpec",
                        "SYMMETRIC_DEFAULT").put("KeySpec", "SYMMETRIC_DEFAULT").put("MultiRegion", false);
        meta.putArray("EncryptionAlgorithms").add("SYMMETRIC_DEFAULT");
        return answer;
    }

    private static KmsKey find(Cloud.Region region, String keyId) {
        KmsKey key = resolve(region, keyId);
        if (key != null) {
            return key;
        }
        String local = keyId.startsWith(prefix(region)) ? keyId.substring(prefix(region).length()) : keyId;
        if (local.startsWith("alias/")) {
            throw new ApiException("NotFoundException", "Alias " + arn(region, local) + " is not found.", 400);
        }
        throw new ApiException("NotFoundException", "Key '" + (keyId.startsWith("arn:") ? keyId
                : arn(region, local.startsWith("key/") ? local : "key/" + local)) + "' does not exist", 400);
    }

    /**
     * The key a key id, key ARN, alias name or alias ARN names in this region, or null: an ARN of
     * another region or account names no key here.
     */
    static KmsKey resolve(Cloud.Region region, String keyId) {
        String prefix = prefix(region);
        if (keyId.startsWith("arn:") && !keyId.startsWith(prefix)) {
            return null;
        }
        String local = keyId.startsWith(prefix) ? keyId.substring(prefix.length()) : keyId;
        if (local.startsWith("alias/")) {
            String id = region.kmsAliases.get(local);
            return id == null ? null : region.kmsKeys.get(id);
        }
        return region.kmsKeys.get(local.startsWith("key/") ? local.substring("key/".length()) : local);
    }

    private static String prefix(Cloud.Region region) {
        return "arn:aws:kms:" + region.name + ":" + Cloud.ACCOUNT + ":";
    }
}
