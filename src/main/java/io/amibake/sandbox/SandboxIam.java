package io.amibake.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who a request is, and what another account lets it do: access keys mapped to accounts, the
 * roles that may be assumed (trust the sandbox is told about) and the sessions STS handed out,
 * one organization with its OUs and member accounts, and which accounts may use which KMS keys.
 * Callers hold the monitor of the {@link Cloud}. See docs/sandbox.md, "Accounts".
 */
final class SandboxIam {

    /** The organization every account the sandbox knows belongs to; its management account is the default one. */
    static final String ORGANIZATION_ID = "o-amibake0001";
    static final String ROOT_ID = "r-amb0";
    private static final Pattern PERMANENT_KEY = Pattern.compile("AKIA(\\d{12}).*");
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws:iam::(\\d{12}):role/([\\w+=,.@/-]{1,512})");
    private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");

    /** Who may assume a role: an account (any of its principals), with the external id the trust demands, or none. */
    record Trust(String account, String externalId) {
    }

    /** Temporary credentials from AssumeRole, valid until {@code expiresAt} on the sandbox clock. */
    record Session(String accessKeyId, String secretAccessKey, String sessionToken, String account, String roleArn,
                   String sessionName, Instant expiresAt) {
    }

    /** The identity a request acts as. */
    record Caller(String account, String arn, String userId) {
    }

    /** Why a request's credentials were refused. */
    static final class Refused extends RuntimeException {
        final boolean expired;

        Refused(boolean expired, String message) {
            super(message);
            this.expired = expired;
        }
    }

    private final Set<String> accounts = new LinkedHashSet<>(List.of(Cloud.ACCOUNT));
    private final Map<String, List<Trust>> trusts = new LinkedHashMap<>();
    private final Map<String, Session> sessions = new LinkedHashMap<>();
    /** Each OU's parent (the root or another OU), and each member account's. */
    private final Map<String, String> parents = new LinkedHashMap<>(Map.of(Cloud.ACCOUNT, ROOT_ID));
    /** KMS key ARN to the other accounts its key policy lets use it. */
    private final Map<String, Set<String>> keyUsers = new LinkedHashMap<>();

    /** The permanent access key id the sandbox maps to this account: {@code AKIA} + the account + {@code SBOX}. */
    static String accessKeyOf(String account) {
        return "AKIA" + account + "SBOX";
    }

    void addAccount(String account, String parentOrNull) {
        if (!account.matches("\\d{12}")) {
            throw new IllegalArgumentException("an account id has 12 digits, not '" + account + "'");
        }
        accounts.add(account);
        String parent = parentOrNull == null ? ROOT_ID : parentOrNull;
        if (!parent.equals(ROOT_ID) && !parents.containsKey(parent)) {
            throw new IllegalArgumentException("no organizational unit " + parent);
        }
        parents.put(account, parent);
    }

    /** An account the sandbox knows that is not a member of its organization. */
    void addOutsider(String account) {
        if (!account.matches("\\d{12}")) {
            throw new IllegalArgumentException("an account id has 12 digits, not '" + account + "'");
        }
        accounts.add(account);
        parents.remove(account);
    }

    Set<String> accounts() {
        return Set.copyOf(accounts);
    }

    /** A new OU under the root or another OU; returns its id. */
    String addOrganizationalUnit(String parentOrNull) {
        String parent = parentOrNull == null ? ROOT_ID : parentOrNull;
        if (!parent.equals(ROOT_ID) && !parents.containsKey(parent)) {
            throw new IllegalArgumentException("no organizational unit " + parent);
        }
        byte[] bytes = new byte[4];
        ThreadLocalRandom.current().nextBytes(bytes);
        String id = "ou-amb0-" + HexFormat.of().formatHex(bytes);
        parents.put(id, parent);
        return id;
    }

    static String organizationArn() {
        return "arn:aws:organizations::" + Cloud.ACCOUNT + ":organization/" + ORGANIZATION_ID;
    }

    static String organizationalUnitArn(String ouId) {
        return "arn:aws:organizations::" + Cloud.ACCOUNT + ":ou/" + ORGANIZATION_ID + "/" + ouId;
    }

    /** The role may be assumed by the account's principals, with this external id when not null. */
    void trust(String roleArn, String account, String externalId) {
        if (!ROLE_ARN.matcher(roleArn).matches()) {
            throw new IllegalArgumentException("not a role ARN: " + roleArn);
        }
        addAccount(ROLE_ARN.matcher(roleArn).results().findFirst().orElseThrow().group(1), parentOf(roleArn));
        trusts.computeIfAbsent(roleArn, k -> new ArrayList<>()).removeIf(t -> t.account().equals(account));
        trusts.get(roleArn).add(new Trust(account, externalId));
    }

    private String parentOf(String roleArn) {
        Matcher m = ROLE_ARN.matcher(roleArn);
        m.matches();
        return parents.get(m.group(1));
    }

    /** Nobody may assume the role any more; sessions already handed out keep working until they expire, as in IAM. */
    void distrust(String roleArn) {
        trusts.remove(roleArn);
    }

    /** The account may use the key (its key policy names it); the key's own account always may. */
    void allowKeyUse(String keyArn, String account) {
        keyUsers.computeIfAbsent(keyArn, k -> new LinkedHashSet<>()).add(account);
    }

    boolean mayUseKey(Cloud.KmsKey key, String account) {
        // AWS managed keys have a key policy nobody can change: only their own account uses them.
        return key.arn().split(":")[4].equals(account)
                || !key.keyManager().equals("AWS") && keyUsers.getOrDefault(key.arn(), Set.of()).contains(account);
    }

    /** The identity of a request signed with this access key id, or {@link Refused}. */
    Caller caller(String accessKeyId, Instant now) {
        if (accessKeyId != null && accessKeyId.startsWith("ASIA")) {
            Session session = sessions.get(accessKeyId);
            if (session == null) {
                throw new Refused(false, "The security token included in the request is invalid.");
            }
            if (!now.isBefore(session.expiresAt())) {
                throw new Refused(true, "The security token included in the request is expired");
            }
            String role = session.roleArn().substring(session.roleArn().indexOf(":role/") + ":role/".length());
            return new Caller(session.account(), "arn:aws:sts::" + session.account() + ":assumed-role/" + role + "/"
                    + session.sessionName(), "AROA" + session.account() + ":" + session.sessionName());
        }
        Matcher permanent = accessKeyId == null ? null : PERMANENT_KEY.matcher(accessKeyId);
        String account = permanent != null && permanent.matches() && accounts.contains(permanent.group(1))
                ? permanent.group(1) : Cloud.ACCOUNT;
        return new Caller(account, "arn:aws:iam::" + account + ":user/amibake", "AIDA" + account);
    }

    /**
     * STS AssumeRole: a role that trusts the caller's account (with the external id its trust asks
     * for) gives a session of {@code duration}; anything else is AccessDenied, as IAM answers for a
     * role that does not exist as well.
     */
    Session assumeRole(Caller caller, String roleArn, String sessionName, String externalId, Duration duration,
                       Instant now) {
        if (roleArn == null || roleArn.length() < 20) {
            throw stsValidation("Value '" + roleArn + "' at 'roleArn' failed to satisfy constraint: Member must have"
                    + " length greater than or equal to 20");
        }
        if (sessionName == null || !SESSION_NAME.matcher(sessionName).matches()) {
            throw stsValidation("Value '" + sessionName + "' at 'roleSessionName' failed to satisfy constraint: Member"
                    + " must satisfy regular expression pattern: [\\w+=,.@-]*");
        }
        if (duration.compareTo(Duration.ofMinutes(15)) < 0 || duration.compareTo(Duration.ofHours(12)) > 0) {
            throw stsValidation("Value '" + duration.toSeconds() + "' at 'durationSeconds' failed to satisfy"
                    + " constraint: Member must have value between 900 and 43200");
        }
        boolean trusted = trusts.getOrDefault(roleArn, List.of()).stream().anyMatch(t -> t.account().equals(
                caller.account()) && (t.externalId() == null || t.externalId().equals(externalId)));
        if (!trusted) {
            throw new ApiException("AccessDenied", "User: " + caller.arn() + " is not authorized to perform:"
                    + " sts:AssumeRole on resource: " + roleArn, 403);
        }
        if (duration.compareTo(Duration.ofHours(1)) > 0) {
            // Every role here keeps IAM's default maximum session duration, one hour.
            throw stsValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
        }
        Matcher m = ROLE_ARN.matcher(roleArn);
        m.matches();
        String key = "ASIA" + m.group(1) + random(4).toUpperCase();
        Session session = new Session(key, random(20), "sandbox-session-" + random(16), m.group(1), roleArn,
                sessionName, now.plus(duration));
        sessions.put(key, session);
        return session;
    }

    private static ApiException stsValidation(String message) {
        return new ApiException("ValidationError", message, 400);
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * Whether the account may launch (and so see and copy, given the storage) the image: its owner,
     * a public image, or a launch permission naming the account, its organization or an OU above it.
     */
    boolean mayLaunch(Cloud.Image image, String account) {
        if (image.isPublic || image.launchGroups.contains("all") || image.ownerId.equals(account)
                || image.launchUserIds.contains(account)) {
            return true;
        }
        if (!parents.containsKey(account)) {
            return false;
        }
        if (image.launchOrganizations.contains(organizationArn())) {
            return true;
        }
        for (String parent = parents.get(account); parent != null && !parent.equals(ROOT_ID);
                parent = parents.get(parent)) {
            if (image.launchOrganizationalUnits.contains(organizationalUnitArn(parent))) {
                return true;
            }
        }
        return false;
    }
}
