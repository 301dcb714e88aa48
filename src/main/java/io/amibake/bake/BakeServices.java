package io.amibake.bake;

import io.amibake.aws.AwsClients;
import io.amibake.aws.Ec2Gateway;
import io.amibake.aws.SsmGateway;
import io.amibake.bake.wait.Waits;
import java.time.Clock;

/**
 * What every step works with: the cloud gateways, the shared waits (which also hear a request
 * to stop), the settings, the events sink and the clock.
 */
public record BakeServices(AwsClients clients, Ec2Gateway ec2, SsmGateway ssm, Waits waits, BakeSettings settings,
                           BakeEvents events, Clock clock) {
}
