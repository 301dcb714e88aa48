package io.amibake.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LaunchRequestTest {

    @Test
    void keepsTheTagsInTheirGivenOrderSoThatARetriedLaunchSendsTheSameParameters() {
        // given more tags than Map.copyOf would keep in order
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
            tags.put("key-" + i, "value-" + i);
        }

        // when
        LaunchRequest request = new LaunchRequest("ami-0123456789abcdef0", "/dev/xvda", "t3.micro", null, List.of(), null, 0,
                tags, "token");

        // then
        assertThat(request.tags().keySet()).containsExactlyElementsOf(tags.keySet());
        assertThat(Ec2Gateway.tags(request.tags())).extracting(t -> t.key())
                .containsExactlyElementsOf(tags.keySet());
    }
}
