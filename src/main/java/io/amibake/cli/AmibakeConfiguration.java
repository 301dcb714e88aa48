package io.amibake.cli;

import io.amibake.engine.BakeConfiguration;
import io.amibake.lifecycle.BakeRetention;
import io.amibake.notify.NotifyConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The Spring context of the commands that need the job repository: the engine, and what the
 * capabilities hand it (the retention a completed bake applies, the notification settings).
 */
@Configuration(proxyBeanMethods = false)
@Import({BakeConfiguration.class, NotifyConfiguration.class, BakeRetention.class})
public class AmibakeConfiguration {
}
