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
 * to stop), the settings, the events sink and the clock.
 */
public record BakeServices(AwsClients clients, Ec2Gateway ec2, SsmGateway ssm, Waits waits, BakeSettings settings,
                           BakeEvents events, Clock clock) {
}
