package io.amibake.engine.api;

import io.amibake.cloud.AwsSettings;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where a bake runs, part of its identity: the account, the credentials that reach it and the
 * endpoint that serves it. Stored with the bake (its {@code target} job parameter), it keys the
 * bake's lease, its schedule's slots, its learned waits and the copy limits, and a resume uses it
 * instead of whatever the resuming process would reach.
 * <p>
 * Written as one line: {@code aws}, an endpoint's URL, or {@code sandbox URL} (a sandbox inside
 * the baking process), followed by {@code profile=NAME} or {@code role=ARN} when not the default
 * credential chain, and {@code account=ID} once the account is known. What bakes before the
 * target was stored recorded ({@code aws}, {@code sandbox}, a URL) reads as such a line.
 *
 * @param endpoint    the endpoint that replaces AWS's own, or null for AWS
 * @param inProcess   whether the endpoint is a sandbox inside the process that bakes, which ends
 *                    with it: no other process can resume its bakes
 * @param credentials where the credentials come from
 * @param account     the AWS account id (GetCallerIdentity), or null before it was read (bakes
 *                    stored before targets were: their default account)
 */
public record Target(URI endpoint, boolean inProcess, Credentials credentials, String account) {

    /** Where a target's credentials come from. */
    public enum Source {
        /** The SDK's default chain: environment, shared files, instance role. */
        DEFAULT,
        /** A named profile of the shared files. */
        PROFILE,
        /** A role assumed from the default chain (its ARN); reserved for several accounts. */
        ROLE,
        /** A sandbox's fixed credentials: it accepts any signature. */
        SANDBOX
    }

    /** A credentials source and its name (a profile's, a role's ARN), or null for the default chain and a sandbox. */
    public record Credentials(Source source, String name) {

        public static final Credentials DEFAULT = new Credentials(Source.DEFAULT, null);
        public static final Credentials SANDBOX = new Credentials(Source.SANDBOX, null);

        public Credentials {
            Objects.requireNonNull(source, "source");
            if ((source == Source.PROFILE || source == Source.ROLE) == (name == null)) {
                throw new IllegalArgumentException(source + " credentials " + (name == null ? "need" : "take no")
                        + " name");
            }
        }

        public static Credentials profile(String name) {
            return name == null ? DEFAULT : new Credentials(Source.PROFILE, name);
        }
    }

    public Target {
        Objects.requireNonNull(credentials, "credentials");
        if (inProcess && endpoint == null) {
            throw new IllegalArgumentException("an in-process sandbox has an endpoint");
        }
    }

    /** AWS itself, with the default chain or a named profile. */
    public static Target aws(String profile) {
        return new Target(null, false, Credentials.profile(profile), null);
    }

    /** An endpoint of one's own (a standalone sandbox), signed with the sandbox's credentials. */
    public static Target endpoint(URI endpoint) {
        return new Target(endpoint, false, Credentials.SANDBOX, null);
    }

    /** The sandbox running inside this process. */
    public static Target inProcessSandbox(URI endpoint) {
        return new Target(endpoint, true, Credentials.SANDBOX, null);
    }

    /** This target with its account read. */
    public Target withAccount(String id) {
        return new Target(endpoint, inProcess, credentials, id);
    }

    /** The settings the cloud gateways are built with. */
    public AwsSettings settings() {
        return new AwsSettings(endpoint, credentials.source() == Source.PROFILE ? credentials.name() : null,
                credentials.source() == Source.SANDBOX, AwsSettings.DEFAULT_MAX_ATTEMPTS);
    }

    /**
     * What keys a bake's lease, schedule and limits: the account and the endpoint, not the
     * credentials (two profiles of one account are one account).
     */
    public String key() {
        return where() + (account == null ? "" : " account=" + account);
    }

    /**
     * What keys a recipe's schedule: the target as configured, endpoint and credentials, known
     * without a cloud call (so {@code schedule --list} and {@code schedule resume} make none). Every
     * in-process sandbox is one target, since a schedule outlives the process whose sandbox it ran
     * against. Two schedulers of one recipe and account through two profiles keep two schedules;
     * the lease still lets only one bake run.
     */
    public String scheduleKey() {
        return inProcess ? "sandbox" : withAccount(null).toString();
    }

    /**
     * What keys the waits bakes learned: the cloud, whatever the account or credentials, as
     * before targets had accounts; every in-process sandbox is one cloud.
     */
    public String waitsKey() {
        return inProcess ? "sandbox" : where();
    }

    /** Whether the other reaches the same cloud with the same credentials; accounts are not compared. */
    public boolean sameReach(Target other) {
        return Objects.equals(endpoint, other.endpoint) && inProcess == other.inProcess
                && credentials.equals(other.credentials);
    }

    private String where() {
        return endpoint == null ? "aws" : inProcess ? "sandbox " + endpoint : endpoint.toString();
    }

    /** The target as one line, as stored. */
    @Override
    public String toString() {
        StringBuilder line = new StringBuilder(where());
        if (credentials.source() == Source.PROFILE) {
            line.append(" profile=").append(credentials.name());
        } else if (credentials.source() == Source.ROLE) {
            line.append(" role=").append(credentials.name());
        } else if (credentials.source() == Source.DEFAULT && endpoint != null) {
            line.append(" credentials=default");
        }
        if (account != null) {
            line.append(" account=").append(account);
        }
        return line.toString();
    }

    /**
     * Reads a stored target line. {@code aws} and an endpoint's URL, as bakes stored before
     * targets were, read as AWS with the default chain and as that endpoint with the sandbox's
     * credentials; a bare {@code sandbox} as an in-process sandbox whose endpoint is gone.
     */
    public static Target parse(String line) {
        if (line == null || line.isBlank()) {
            return aws(null);
        }
        List<String> words = new ArrayList<>(List.of(line.strip().split("\\s+")));
        String first = words.remove(0);
        URI endpoint = null;
        boolean inProcess = false;
        if (first.equals("sandbox")) {
            inProcess = true;
            endpoint = !words.isEmpty() && !words.get(0).contains("=") ? URI.create(words.remove(0))
                    : URI.create("sandbox:gone");
        } else if (!first.equals("aws")) {
            endpoint = URI.create(first);
        }
        Credentials credentials = endpoint == null ? Credentials.DEFAULT : Credentials.SANDBOX;
        String account = null;
        for (String word : words) {
            int eq = word.indexOf('=');
            String key = eq < 0 ? word : word.substring(0, eq);
            String value = eq < 0 ? "" : word.substring(eq + 1);
            switch (key) {
                case "profile" -> credentials = new Credentials(Source.PROFILE, value);
                case "role" -> credentials = new Credentials(Source.ROLE, value);
                case "credentials" -> credentials = Credentials.DEFAULT;
                case "account" -> account = value;
                default -> throw new IllegalArgumentException("target '" + line + "': unknown '" + word + "'");
            }
        }
        return new Target(endpoint, inProcess, credentials, account);
    }
}
