package io.amibake.engine.job;

import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.store.BakeSettings;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.SsmGateway;
import io.amibake.engine.wait.Waits;
import java.time.Clock;

/**
 * What every step works with: the cloud gateways, the shared waits (which also hear a request
 * to stop), the settings, the events sink and the clock; and the same in each account the image
 * is distributed to.
 */
public record BakeServices(AwsClients clients, Ec2Gateway ec2, SsmGateway ssm, Waits waits, BakeSettings settings,
                           BakeEvents events, Clock clock, OtherAccounts accounts) {

    /** Services of a run that reaches its own account only. */
    public BakeServices(AwsClients clients, Ec2Gateway ec2, SsmGateway ssm, Waits waits, BakeSettings settings,
                        BakeEvents events, Clock clock) {
        this(clients, ec2, ssm, waits, settings, events, clock, OtherAccounts.none());
    }
}
