package io.amibake.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code schedule} checks its webhooks at start-up without posting to them. */
class WebhookCheckTest {

    @Test
    void aWebhookWhosePortAnswersIsReachable() throws Exception {
        try (ServerSocket listening = new ServerSocket(0)) {
            // when / then
            assertThat(Notifier.unreachable(URI.create("http://127.0.0.1:" + listening.getLocalPort() + "/T0/secret"),
                    Duration.ofSeconds(5))).isEmpty();
        }
    }

    @Test
    void aWebhookNobodyListensOnIsUnreachableAndItsPathIsNotShown() throws Exception {
        // given
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }

        // when
        var problem = Notifier.unreachable(URI.create("http://127.0.0.1:" + port + "/T0/secret"), Duration.ofSeconds(5));

        // then
        assertThat(problem).hasValueSatisfying(line -> assertThat(line)
                .startsWith("the webhook http://127.0.0.1:" + port + " cannot be reached: ").doesNotContain("secret"));
    }

    @Test
    void aWebhookOnAnUnknownHostIsUnreachable() {
        // when
        var problem = Notifier.unreachable(URI.create("https://no-such-host.invalid/hook"), Duration.ofSeconds(5));

        // then
        assertThat(problem).hasValue("the webhook https://no-such-host.invalid cannot be reached: unknown host"
                + " no-such-host.invalid");
    }
}
