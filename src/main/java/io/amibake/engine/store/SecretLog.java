package io.amibake.engine.store;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * Redacts the secret values of the running bakes in every line the log file gets (Spring Batch
 * logs a failed step's exception, whose message may quote a command's output or an image name).
 * Wraps the encoder of each appender Spring Boot configured, once; a logging system re-initialized
 * later is wrapped again by the next bake with secrets.
 */
final class SecretLog {

    private SecretLog() {
    }

    static synchronized void install() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        for (Logger logger : context.getLoggerList()) {
            for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
                if (it.next() instanceof OutputStreamAppender<ILoggingEvent> appender
                        && appender.getEncoder() != null && !(appender.getEncoder() instanceof Redacting)) {
                    appender.setEncoder(new Redacting(appender.getEncoder()));
                }
            }
        }
    }

    /** Encodes as the wrapped encoder does, then redacts the text. */
    private static final class Redacting extends EncoderBase<ILoggingEvent> {

        private final Encoder<ILoggingEvent> delegate;

        Redacting(Encoder<ILoggingEvent> delegate) {
            this.delegate = delegate;
            setContext(delegate.getContext());
            start();
        }

        @Override
        public byte[] headerBytes() {
            return delegate.headerBytes();
        }

        @Override
        public byte[] encode(ILoggingEvent event) {
            byte[] line = delegate.encode(event);
            var secrets = BakeSecrets.all();
            if (secrets.isEmpty() || line == null) {
                return line;
            }
            // Spring Boot's file appender writes UTF-8.
            return secrets.redact(new String(line, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] footerBytes() {
            return delegate.footerBytes();
        }
    }
}
