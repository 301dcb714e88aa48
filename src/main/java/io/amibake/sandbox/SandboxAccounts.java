package io.amibake.sandbox;

/**
 * Who is who in the sandbox, for tests (and the admin API) to set up: the accounts besides the
 * default one, the roles each may assume (trust, with an external id), one organization with its
 * OUs and member accounts, and which accounts a KMS key's policy lets use it. See docs/sandbox.md,
 * "Accounts".
 */
public final class SandboxAccounts {

    /** The default account: every request whose access key names no other acts as it. */
    public static final String DEFAULT = Cloud.ACCOUNT;

    private final Cloud cloud;

    SandboxAccounts(Cloud cloud) {
        this.cloud = cloud;
    }

    /** The access key id that signs as this account: {@code AKIA} + the 12-digit id + {@code SBOX}; any secret. */
    public static String accessKeyOf(String account) {
        return SandboxIam.accessKeyOf(account);
    }

    /** A new member account of the organization, under its root. */
    public SandboxAccounts add(String account) {
        return add(account, null);
    }

    /** A new member account of the organization, in the OU (or the root when null). */
    public SandboxAccounts add(String account, String ouId) {
        synchronized (cloud) {
            cloud.iam.addAccount(account, ouId);
        }
        return this;
    }

    /** A new account outside the organization: organization and OU launch permissions never reach it. */
    public SandboxAccounts addOutsider(String account) {
        synchronized (cloud) {
            cloud.iam.addOutsider(account);
        }
        return this;
    }

    /** A new organizational unit under the root (null) or another OU; returns its id ({@code ou-amb0-...}). */
    public String addOrganizationalUnit(String parentOuOrNull) {
        synchronized (cloud) {
            return cloud.iam.addOrganizationalUnit(parentOuOrNull);
        }
    }

    /** The organization's ARN, for an {@code OrganizationArn} launch permission. */
    public String organizationArn() {
        return SandboxIam.organizationArn();
    }

    /** An OU's ARN, for an {@code OrganizationalUnitArn} launch permission. */
    public String organizationalUnitArn(String ouId) {
        return SandboxIam.organizationalUnitArn(ouId);
    }

    /**
     * The role ({@code arn:aws:iam::ACCOUNT:role/NAME}) trusts the principals of {@code account}, with
     * {@code externalId} required when not null; its own account becomes known.
     */
    public SandboxAccounts trust(String roleArn, String account, String externalId) {
        synchronized (cloud) {
            cloud.iam.trust(roleArn, account, externalId);
        }
        return this;
    }

    /** Nobody may assume the role any more: AssumeRole answers AccessDenied. */
    public SandboxAccounts distrust(String roleArn) {
        synchronized (cloud) {
            cloud.iam.distrust(roleArn);
        }
        return this;
    }

    /** The key's policy lets {@code account} use the key (a customer managed key; AWS managed keys never). */
    public SandboxAccounts allowKeyUse(String keyArn, String account) {
        synchronized (cloud) {
            cloud.iam.allowKeyUse(keyArn, account);
        }
        return this;
    }
}
