package io.amibake.web;

import io.amibake.cloud.RequestCounter;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeSummary;
import io.amibake.metrics.BakeMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;

/**
 * The context of {@code amibake serve}'s web side, a child of the engine's context: Spring MVC on
 * Tomcat, Thymeleaf, Actuator with Micrometer's Prometheus registry, discovered as Spring Boot
 * discovers them, but none of what the engine's context already made (the datasource, Spring
 * Batch, Flyway, transactions). The other commands never start it.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration(excludeName = {
        "org.springframework.boot.batch.autoconfigure.BatchAutoConfiguration",
        "org.springframework.boot.batch.autoconfigure.BatchJobLauncherAutoConfiguration",
        "org.springframework.boot.batch.autoconfigure.observation.BatchObservationAutoConfiguration",
        "org.springframework.boot.batch.jdbc.autoconfigure.BatchJdbcAutoConfiguration",
        "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
        "org.springframework.boot.flyway.autoconfigure.FlywayEndpointAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceInitializationAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.JndiDataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.XADataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.health.DataSourceHealthContributorAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.metrics.DataSourcePoolMetricsAutoConfiguration",
        "org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration",
        "org.springframework.boot.transaction.autoconfigure.TransactionManagerCustomizationAutoConfiguration",
        "org.springframework.boot.transaction.jta.autoconfigure.JtaAutoConfiguration",
        "org.springframework.boot.persistence.autoconfigure.PersistenceExceptionTranslationAutoConfiguration"})
@EnableConfigurationProperties(ServeSettings.class)
@ComponentScan(basePackageClasses = ServeConfiguration.class)
public class ServeConfiguration {

    /**
     * The bakes' meters in Boot's Prometheus registry, and every AWS request this process sends;
     * each recipe's last success is read from the repository, so the gauge is there from the start.
     */
    @Bean(destroyMethod = "")
    BakeMetrics bakeMetrics(MeterRegistry registry, BakeService bakes) {
        BakeMetrics metrics = new BakeMetrics(registry, bakes::view);
        RequestCounter.watch(metrics);
        return metrics;
    }

    /** Readiness: whether the job repository answers. */
    @Bean
    HealthIndicator repository(BakeService bakes) {
        return () -> {
            try {
                bakes.latestExecutions(null, 1);
                return Health.up().build();
            } catch (RuntimeException e) {
                return Health.down().withDetail("error", String.valueOf(e.getMessage()).lines().findFirst()
                        .orElse("")).build();
            }
        };
    }

    /** Liveness: whether the scheduler still looks at its recipes. */
    @Bean
    HealthIndicator scheduler(Fleet fleet) {
        return () -> {
            if (!fleet.attached()) {
                return Health.up().withDetail("state", "starting").build();
            }
            var last = fleet.scheduler().lastLook();
            boolean looking = last != null && last.isAfter(java.time.Instant.now().minusSeconds(60));
            return (looking ? Health.up() : Health.down()).withDetail("lastLook", String.valueOf(last)).build();
        };
    }

    /** Seeds each scheduled recipe's last success once the scheduler is attached. */
    static void seed(BakeMetrics metrics, BakeService bakes, Iterable<String> recipes) {
        for (String recipe : recipes) {
            bakes.history(recipe, 50).stream().filter(BakeSummary::completed).findFirst()
                    .filter(b -> b.ended() != null).ifPresent(b -> metrics.lastSuccess(recipe, b.ended()));
        }
    }
}
