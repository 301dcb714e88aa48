package io.amibake.bake;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;

/**
 * The Spring context of the commands that need the job repository: Spring Boot's batch and
 * JDBC auto-configuration plus the bake package. The sandbox and the recipe loader never need it.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
@EnableConfigurationProperties({BakeSettings.class, io.amibake.notify.NotifySettings.class})
@ComponentScan(basePackageClasses = BakeConfiguration.class)
public class BakeConfiguration {
}
