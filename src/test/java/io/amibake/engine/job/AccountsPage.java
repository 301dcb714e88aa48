package io.amibake.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.amibake.sandbox.SandboxStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What docs/accounts.md shows (its recipe, its IAM policies), and what a bake called, as IAM names it. */
public final class AccountsPage {

    static final Path PAGE = Path.of("docs/accounts.md");
    /** The operations of SSM, KMS and STS the sandbox counts; every other is EC2's. */
    private static final Map<String, String> NOT_EC2 = Map.of("SendCommand", "ssm", "GetCommandInvocation", "ssm",
            "DescribeInstanceInformation", "ssm", "GetParameter", "ssm", "PutParameter", "ssm",
            "DescribeKey", "kms", "AssumeRole", "sts", "GetCallerIdentity", "sts");

    private final String page;

    private AccountsPage(String page) {
        this.page = page;
    }

    public static AccountsPage read() {
        try {
            return new AccountsPage(Files.readString(PAGE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first fenced block of the language after the marker line ("" for the page's first). */
    String block(String language, String marker) {
        int from = marker.isEmpty() ? 0 : page.indexOf(marker + "\n");
        assertThat(from).as(marker + " in " + PAGE).isNotNegative();
        Matcher m = Pattern.compile("```" + language + "\n(.*?)```", Pattern.DOTALL).matcher(page);
        assertThat(m.find(from)).as("a " + language + " block after " + marker).isTrue();
        return m.group(1);
    }

    /** The actions of the policy after {@code <!-- policy: NAME -->}, of the statements whose Sid passes. */
    Set<String> actions(String name, Predicate<String> sids) {
        Set<String> actions = new TreeSet<>();
        try {
            for (JsonNode statement : new ObjectMapper().readTree(block("json", "<!-- policy: " + name + " -->"))
                    .get("Statement")) {
                if (!sids.test(statement.path("Sid").asText())) {
                    continue;
                }
                JsonNode action = statement.get("Action");
                if (action.isArray()) {
                    action.forEach(a -> actions.add(a.asText()));
                } else {
                    actions.add(action.asText());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return actions;
    }

    public Set<String> actions(String name) {
        return actions(name, sid -> true);
    }

    /** The accounts the key policy statement after {@code <!-- key-policy: NAME -->} lets use the key. */
    Set<String> keyUsers(String name) {
        Set<String> accounts = new TreeSet<>();
        try {
            new ObjectMapper().readTree(block("json", "<!-- key-policy: " + name + " -->")).get("Principal").get("AWS")
                    .forEach(arn -> accounts.add(arn.asText().replaceAll("arn:aws:iam::(\\d{12}):root", "$1")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return accounts;
    }

    /** The actions called in the account between the two snapshots, as IAM names them. */
    public static Set<String> called(SandboxStats before, SandboxStats after, String account) {
        Set<String> operations = new TreeSet<>();
        for (SandboxStats.Row row : after.requests()) {
            if (row.account().equals(account) && after.countIn(account, row.region(), row.operation())
                    > before.countIn(account, row.region(), row.operation())) {
                operations.add(NOT_EC2.getOrDefault(row.operation(), "ec2") + ":" + row.operation());
            }
        }
        return operations;
    }
}
