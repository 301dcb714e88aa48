package io.amibake.engine.run;

import io.amibake.cloud.AwsClients;
import io.amibake.engine.api.Target;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The account of each target this process bakes against, read once per target with STS
 * GetCallerIdentity (which also proves the credentials) and kept for the life of the process.
 */
@Component
public class Accounts {

    private final Map<String, String> byTarget = new ConcurrentHashMap<>();

    /** The target with its account; the first call for a target asks STS. */
    public Target resolve(Target target) {
        String account = byTarget.computeIfAbsent(target.withAccount(null).toString(), line -> {
            try (AwsClients clients = new AwsClients(target.settings())) {
                return clients.account();
            }
        });
        return target.withAccount(account);
    }
}
