package io.amibake.web;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The settings of {@code amibake serve}, bound from {@code amibake.serve.*}: the command line's
 * options, the environment ({@code AMIBAKE_SERVE_PUBLIC_URL}, {@code AMIBAKE_SERVE_TOKENS_ALICE}...)
 * or a settings file ({@code /etc/amibake/serve.properties} or {@code serve.yaml}). Where the server
 * listens is Spring Boot's own {@code server.address} and {@code server.port}.
 *
 * @param publicUrl     the console's address as people reach it (through a reverse proxy, say), such as
 *                      {@code https://amibake.example.com/}: notifications link to a bake's page there;
 *                      null to link to nothing
 * @param tokens        operator name to that operator's token; signing in with a token lets its operator
 *                      run, pause, resume and stop bakes. None: the console is read-only
 * @param auditLog      where each action is written, one JSON line with who, when, from where and what
 *                      (default: {@code HOME/logs/audit.log})
 * @param liveEvery     how often a bake's page that follows a running bake looks at it again
 * @param shutdownGrace how long a stop (SIGTERM) waits for running bakes to reach their next checkpoint
 *                      and stop there, resumable; keep systemd's {@code TimeoutStopSec} above it
 * @param secureCookie  whether the session cookie is sent over HTTPS only: set it behind a proxy that
 *                      serves HTTPS
 * @param imagesEvery   how long the images of a recipe, read from the cloud for its page, are shown
 *                      before they are read again
 */
@ConfigurationProperties("amibake.serve")
public record ServeSettings(URI publicUrl, Map<String, String> tokens, Path auditLog, Duration liveEvery,
                            Duration shutdownGrace, Boolean secureCookie, Duration imagesEvery) {

    public ServeSettings {
        tokens = tokens == null ? Map.of() : Map.copyOf(tokens);
        liveEvery = liveEvery == null ? Duration.ofSeconds(1) : liveEvery;
        shutdownGrace = shutdownGrace == null ? Duration.ofSeconds(90) : shutdownGrace;
        secureCookie = secureCookie != null && secureCookie;
        imagesEvery = imagesEvery == null ? Duration.ofSeconds(60) : imagesEvery;
        for (Map.Entry<String, String> token : tokens.entrySet()) {
            if (token.getValue() == null || token.getValue().length() < 16) {
                throw new IllegalArgumentException("amibake.serve.tokens." + token.getKey() + " is shorter than 16"
                        + " characters; make one with 'openssl rand -hex 24'");
            }
        }
        if (publicUrl != null && !("http".equals(publicUrl.getScheme()) || "https".equals(publicUrl.getScheme()))) {
            throw new IllegalArgumentException("amibake.serve.public-url must be an http or https URL, not '"
                    + publicUrl + "'");
        }
    }

    /** The page of a bake at the public URL, or null without one. */
    public String bakeUrl(long execution) {
        if (publicUrl == null) {
            return null;
        }
        String base = publicUrl.toString();
        return (base.endsWith("/") ? base : base + "/") + "bakes/" + execution;
    }
}
