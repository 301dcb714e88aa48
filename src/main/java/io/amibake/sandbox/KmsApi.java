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
    private final Cloud cloud;

    KmsApi(JsonMapper json, Cloud cloud) {
        this.json = json;
        this.cloud = cloud;
    }

    static Cloud.Region seed(Cloud.Region region, Instant now) {
        // Ids stable across restarts; the default account's as they always were.
        String scope = (region.account.equals(Cloud.ACCOUNT) ? "" : region.account + "/") + region.name;
        String id = UUID.nameUUIDFromBytes((scope + "/aws/ebs").getBytes(StandardCharsets.UTF_8)).toString();
        add(region, new KmsKey(id, arn(region, "key/" + id), "Default key that protects my EBS volumes when no other"
                + " key is defined", "AWS", "Enabled", now), "alias/aws/ebs");
        String images = UUID.nameUUIDFromBytes((scope + "/amibake-images").getBytes(StandardCharsets.UTF_8))
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
        return "arn:aws:kms:" + region.name + ":" + region.account + ":" + resource;
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
        KmsKey key = keyId.startsWith("arn:aws:kms:" + region.name + ":") && !keyId.startsWith(prefix(region))
                ? otherAccountsKey(region, keyId) : find(region, keyId);
        ObjectNode answer = json.createObjectNode();
        ObjectNode meta = answer.putObject("KeyMetadata");
        meta.put("AWSAccountId", key.arn().split(":")[4]).put("KeyId", key.id()).put("Arn", key.arn())
                .put("CreationDate", SsmApi.epochSeconds(key.createdAt())).put("Enabled", key.state().equals("Enabled"))
                .put("Description", key.description()).put("KeyUsage", "ENCRYPT_DECRYPT").put("KeyState", key.state())
                .put("Origin", "AWS_KMS").put("KeyManager", key.keyManager()).put("CustomerMasterKeySpec",
                        "SYMMETRIC_DEFAULT").put("KeySpec", "SYMMETRIC_DEFAULT").put("MultiRegion", false);
        meta.putArray("EncryptionAlgorithms").add("SYMMETRIC_DEFAULT");
        return answer;
    }

    /** A key of another account, by its ARN: described when that account's key policy lets this one use it. */
    private KmsKey otherAccountsKey(Cloud.Region region, String arn) {
        String owner = arn.split(":")[4];
        KmsKey key = resolve(cloud.region(owner, region.name), arn);
        if (key == null || !cloud.iam.mayUseKey(key, region.account)) {
            throw new ApiException("AccessDeniedException", "User: arn:aws:iam::" + region.account + ":user/amibake is"
                    + " not authorized to perform: kms:DescribeKey on resource: " + arn
                    + " because no resource-based policy allows the kms:DescribeKey action", 400);
        }
        return key;
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
        return "arn:aws:kms:" + region.name + ":" + region.account + ":";
    }
}
