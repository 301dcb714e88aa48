package io.amibake.notify;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

/** Binds the notification settings ({@code amibake.notify.*}) in the context of the bake commands. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(NotifySettings.class)
public class NotifyConfiguration {
}
