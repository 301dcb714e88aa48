package io.amibake.engine;

import io.amibake.engine.store.BakeSettings;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.batch.jdbc.autoconfigure.BatchJdbcAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;

/**
 * The engine's Spring context: the engine's packages plus the
 * three auto-configurations it uses (the datasource, its transaction manager, and Spring Batch's
 * JDBC job repository and operator), named rather than discovered, since every other one on the
 * classpath (task executors, AOP, transaction proxies, SQL initialization, JDBC templates) only
 * slows a command's start. The sandbox and the recipe loader never need it. The command line
 * adds what the capabilities hand the engine ({@code cli.AmibakeConfiguration}).
 */
@Configuration(proxyBeanMethods = false)
@ImportAutoConfiguration({DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class,
        BatchJdbcAutoConfiguration.class})
@EnableConfigurationProperties(BakeSettings.class)
@ComponentScan(basePackageClasses = BakeConfiguration.class)
public class BakeConfiguration {
}
