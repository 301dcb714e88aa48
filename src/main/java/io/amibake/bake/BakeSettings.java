package io.amibake.bake;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Tool settings, bound from {@code amibake.*} properties; the recipe is per-bake input.
 *
 * @param home             where amibake keeps its job repository and manifests ({@code ~/.amibake})
 * @param instanceTimeout  the longest an instance may take to start, stop or terminate
 * @param agentTimeout     the longest a build instance's SSM agent may take to come online
 * @param imageTimeout     the longest an image may take to become available
 * @param copyTimeout      the longest a region copy may take (copies can take hours: aws-facts.md)
 * @param pollMinDelay     the shortest pause between two looks at the same wait
 * @param pollMaxDelay     the longest pause between two looks at the same wait
 * @param stoppedRetention how long a build instance stopped after a failure is kept for resume;
 *                         written as its {@code amibake:expires} tag for the sweeper
 * @param copyConcurrency  region copies run at once
 */
@ConfigurationProperties("amibake")
public record BakeSettings(
        Path home,
        Duration instanceTimeout,
        Duration agentTimeout,
        Duration imageTimeout,
        Duration copyTimeout,
        Duration pollMinDelay,
        Duration pollMaxDelay,
        Duration stoppedRetention,
        Integer copyConcurrency) {

    public BakeSettings {
        home = home == null ? UserHome.amibakeHome() : home;
        instanceTimeout = instanceTimeout == null ? Duration.ofMinutes(15) : instanceTimeout;
        agentTimeout = agentTimeout == null ? Duration.ofMinutes(15) : agentTimeout;
        imageTimeout = imageTimeout == null ? Duration.ofMinutes(90) : imageTimeout;
        copyTimeout = copyTimeout == null ? Duration.ofHours(6) : copyTimeout;
        pollMinDelay = pollMinDelay == null ? Duration.ofMillis(50) : pollMinDelay;
        pollMaxDelay = pollMaxDelay == null ? Duration.ofSeconds(30) : pollMaxDelay;
        stoppedRetention = stoppedRetention == null ? Duration.ofDays(7) : stoppedRetention;
        copyConcurrency = copyConcurrency == null ? 16 : copyConcurrency;
    }
}
