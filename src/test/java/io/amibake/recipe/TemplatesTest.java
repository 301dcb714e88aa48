package io.amibake.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplatesTest {

    private static final Instant NOW = Instant.parse("2026-03-04T05:06:07Z");

    private static Recipe recipe(String os, Map<String, String> variables) {
        return new Recipe("web", null, os, new Source("us-east-1", "ami-12345678", null, null),
                new Build("t3.micro", null, null, null, 0, null, null), null, List.of(), null,
                new ImageSpec("{{recipe}}", null, null), null, variables);
    }

    @Test
    void rendersEveryPlaceholderInUtc() {
        // given
        Recipe recipe = recipe("al2023", Map.of("version", "1.2"));

        // when
        String name = Templates.render(
                "{{recipe}}-{{os}}-{{ var.version }}-{{date}}-{{date:yyyyMMdd'T'HHmmss}}-{{timestamp}}", recipe, NOW);

        // then
        assertThat(name).isEqualTo("web-al2023-1.2-2026-03-04-20260304T050607-" + NOW.getEpochSecond());
    }

    @Test
    void copiesTextWithoutPlaceholdersAsIs() {
        // when / then
        assertThat(Templates.render("plain } { text", recipe(null, Map.of()), NOW)).isEqualTo("plain } { text");
    }

    @Test
    void anUnknownPlaceholderIsAnErrorWithASuggestion() {
        // when / then
        assertThatThrownBy(() -> Templates.render("{{recpie}}", recipe(null, Map.of()), NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown placeholder '{{recpie}}'")
                .extracting(e -> ((TemplateException) e).suggestion())
                .isEqualTo("did you mean '{{recipe}}'?");
    }

    @Test
    void osWithoutTheRecipesOsKeyIsAnError() {
        // when / then
        assertThatThrownBy(() -> Templates.render("{{os}}", recipe(null, Map.of()), NOW))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("'os'");
    }

    @Test
    void anUndeclaredVariableIsAnErrorNamingTheClosestOne() {
        // when / then
        assertThatThrownBy(() -> Templates.render("{{var.verison}}", recipe(null, Map.of("version", "1")), NOW))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("unknown variable 'verison'")
                .extracting(e -> ((TemplateException) e).suggestion())
                .isEqualTo("did you mean '{{var.version}}'?");
    }

    @Test
    void aBadDatePatternOrUnclosedBracesAreErrors() {
        // when / then
        assertThatThrownBy(() -> Templates.render("{{date:bbb}}", recipe(null, Map.of()), NOW))
                .isInstanceOf(TemplateException.class).hasMessageContaining("bad date pattern");
        assertThatThrownBy(() -> Templates.render("{{date:}}", recipe(null, Map.of()), NOW))
                .isInstanceOf(TemplateException.class).hasMessageContaining("empty date pattern");
        assertThatThrownBy(() -> Templates.render("x-{{recipe", recipe(null, Map.of()), NOW))
                .isInstanceOf(TemplateException.class).hasMessageContaining("unclosed");
    }
}
