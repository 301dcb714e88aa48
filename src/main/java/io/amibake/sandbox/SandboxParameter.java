package io.amibake.sandbox;

/** A read-only view of one SSM parameter of the account (not AWS's public ones), for tests. */
public record SandboxParameter(String region, String name, String value) {
}
