package io.amibake.engine.state;

import io.amibake.engine.store.BakeSecrets;
import io.amibake.text.Redactor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.stereotype.Component;

/**
 * Keeps the values of a bake's secret variables out of the job repository. The bake never puts
 * them in its context (see {@link BakeState}); what it does not control is the exit description
 * Spring Batch writes from a failed step's exception, whose message may quote a command's output
 * or an image name. Every execution's exit description is redacted with its own bake's secrets
 * just before it is written. Contexts are left alone: redacting live state in place would corrupt
 * it whenever a secret is short enough to occur in an instance id or a timestamp.
 */
@Component
class SecretRedactingRepository implements BeanPostProcessor {

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (!(bean instanceof JobRepository repository)) {
            return bean;
        }
        return Proxy.newProxyInstance(JobRepository.class.getClassLoader(), new Class<?>[] {JobRepository.class},
                (proxy, method, args) -> {
                    if (method.getName().startsWith("update") && args != null && args.length == 1) {
                        redact(args[0]);
                    }
                    try {
                        return method.invoke(repository, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static void redact(Object execution) {
        if (execution instanceof StepExecution step) {
            Redactor secrets = BakeSecrets.redactor(bakeId(step.getJobExecution()));
            if (!secrets.isEmpty()) {
                step.setExitStatus(redact(step.getExitStatus(), secrets));
            }
        } else if (execution instanceof JobExecution job) {
            Redactor secrets = BakeSecrets.redactor(bakeId(job));
            if (!secrets.isEmpty()) {
                job.setExitStatus(redact(job.getExitStatus(), secrets));
            }
        }
    }

    private static String bakeId(JobExecution job) {
        return job == null ? null : job.getJobParameters().getString(BakeParameters.BAKE);
    }

    private static ExitStatus redact(ExitStatus status, Redactor secrets) {
        if (status == null) {
            return null;
        }
        String description = status.getExitDescription();
        String redacted = secrets.redact(description);
        return description == null || redacted.equals(description) ? status
                : new ExitStatus(status.getExitCode(), redacted);
    }

}
