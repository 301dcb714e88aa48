package io.amibake.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.engine.api.Protections.Rule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/lifecycle.md states the rules in one table, word for word the code's list: neither drifts. */
class RulesTableTest {

    private static final Pattern ROW = Pattern.compile("^\\| `([a-z-]+)` \\| (.+) \\|$", Pattern.MULTILINE);

    @Test
    void theTableOfTheRulesIsTheCodesListOfRules() throws Exception {
        // given
        String doc = Files.readString(Path.of("docs/lifecycle.md"));
        String section = doc.substring(doc.indexOf("## The rules"), doc.indexOf("\n## ", doc.indexOf("## The rules") + 1));
        Map<String, String> table = new LinkedHashMap<>();
        Matcher row = ROW.matcher(section);
        while (row.find()) {
            table.put(row.group(1), row.group(2));
        }

        // when
        Map<String, String> code = new LinkedHashMap<>();
        Arrays.stream(Rule.values()).forEach(rule -> code.put(rule.id(), rule.text()));

        // then
        assertThat(table).containsExactlyEntriesOf(code);
    }
}
