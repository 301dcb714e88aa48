package io.amibake.engine.job;

import io.amibake.recipe.Account;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A run's services in the accounts its image is distributed to: clients signed by each account's
 * role (assumed with STS, refreshed before the session ends), gateways and waits of their own. Made
 * when an account's first partition needs them and kept for the run; a role that cannot be assumed
 * fails that partition only, and the next partition of the account tries again.
 */
public final class OtherAccounts implements AutoCloseable {

    private final Function<Account, BakeServices> open;
    private final Map<String, BakeServices> byAccount = new ConcurrentHashMap<>();

    /** @param open makes an account's services; it assumes the role, or throws saying why it could not */
    public OtherAccounts(Function<Account, BakeServices> open) {
        this.open = open;
    }

    /** For runs that distribute to no other account. */
    public static OtherAccounts none() {
        return new OtherAccounts(account -> {
            throw new IllegalStateException("this run reaches no account but its own, not " + account.id());
        });
    }

    /** The account's services, its role assumed on first use. */
    BakeServices of(Account account) {
        return byAccount.computeIfAbsent(account.id(), id -> open.apply(account));
    }

    @Override
    public void close() {
        byAccount.values().forEach(services -> services.clients().close());
    }
}
