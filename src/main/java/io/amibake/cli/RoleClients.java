package io.amibake.cli;

import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.recipe.AwsRole;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Clients for a command that reaches several accounts, as a bake does: the process's own
 * credentials, or a role a recipe names (its {@code aws} role or an account's), assumed with STS
 * from those credentials. Each role is assumed once and its clients kept until this closes; a
 * role that refuses is not kept, so each use reports it.
 */
final class RoleClients implements AutoCloseable {

    private final AwsSettings reach;
    private final Map<AwsSettings.Role, AwsClients> byRole = new LinkedHashMap<>();
    private AwsClients own;

    RoleClients(AwsSettings reach) {
        this.reach = reach;
    }

    /**
     * The clients of the role, or of the process's credentials when {@code role} is null.
     *
     * @throws io.amibake.cloud.CredentialsException when the role cannot be assumed, saying why
     */
    AwsClients of(AwsRole role) {
        if (role == null) {
            if (own == null) {
                own = new AwsClients(reach);
            }
            return own;
        }
        AwsSettings.Role settings = settings(role);
        AwsClients clients = byRole.get(settings);
        if (clients == null) {
            clients = new AwsClients(reach.assuming(settings));
            try {
                clients.checkCredentials();
            } catch (RuntimeException e) {
                clients.close();
                throw e;
            }
            byRole.put(settings, clients);
        }
        return clients;
    }

    /** The role as the cloud's settings name it, or null for none. */
    static AwsSettings.Role settings(AwsRole role) {
        return role == null ? null : new AwsSettings.Role(role.roleArn(), role.externalId(), role.sessionName());
    }

    @Override
    public void close() {
        byRole.values().forEach(AwsClients::close);
        if (own != null) {
            own.close();
        }
    }
}
