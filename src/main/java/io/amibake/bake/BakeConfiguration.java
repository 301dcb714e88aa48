package io.amibake.bake;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.batch.jdbc.autoconfigure.BatchJdbcAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;

/**
 * The Spring context of the commands that need the job repository: the bake package plus the
 * three auto-configurations it uses (the datasource, its transaction manager, and Spring Batch's
 * JDBC job repository and operator), named rather than discovered, since every other one on the
 * classpath (task executors, AOP, transaction proxies, SQL initialization, JDBC templates) only
 * slows a command's start. The sandbox and the recipe loader never need it.
 */
@Configuration(proxyBeanMethods = false)
@ImportAutoConfiguration({DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class,
        BatchJdbcAutoConfiguration.class})
@EnableConfigurationProperties({BakeSettings.class, io.amibake.notify.NotifySettings.class})
@ComponentScan(basePackageClasses = BakeConfiguration.class)
public class BakeConfiguration {
}
