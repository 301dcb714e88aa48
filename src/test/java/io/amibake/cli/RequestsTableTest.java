package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The requests a bake sent end its output as a sorted, aligned table, not a map dump (issue 28). */
class RequestsTableTest {

    @Test
    void theRequestsAreATotalThenOneAlignedLinePerOperationMostSentFirst() {
        // given counts in no order
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("GetParameter", 7L);
        counts.put("DescribeImages", 24L);
        counts.put("CreateImage", 1L);
        counts.put("SendCommand", 7L);

        // when
        var lines = ConsoleEvents.requests(counts);

        // then
        assertThat(lines).containsExactly(
                "requests: 39",
                "  DescribeImages 24",
                "  GetParameter    7",
                "  SendCommand     7",
                "  CreateImage     1");
    }

    @Test
    void aBakeThatSentNothingSaysSo() {
        assertThat(ConsoleEvents.requests(Map.of())).containsExactly("requests: none");
    }
}
