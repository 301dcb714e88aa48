package io.amibake.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.amibake.text.Redactor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code NAME: {secret: true}} declares a variable whose value comes from --var and is never shown. */
class SecretVariablesTest {

    private static String recipe(String variable) {
        return """
                name: web
                variables:
                  team: web
                %s
                source:
                  region: us-east-1
                  ami: ami-0123456789abcdef0
                build:
                  instanceType: t3.micro
                image:
                  name: "{{recipe}}-{{var.token}}-{{date}}"
                """.formatted(variable);
    }

    @Test
    void aSecretVariableTakesItsValueFromTheCommandLine() throws RecipeException {
        // when
        Recipe recipe = RecipeLoader.parse(recipe("  token: {secret: true}"), "r.yaml", Map.of("token", "s3cr3t"));

        // then
        assertThat(recipe.secrets()).containsExactly("token");
        assertThat(recipe.variables()).containsEntry("token", "s3cr3t");
        assertThat(recipe.secretValues()).containsExactly(Map.entry("token", "s3cr3t"));
        assertThat(RecipePrinter.toYaml(recipe)).doesNotContain("s3cr3t").contains("secret: true");
        assertThat(recipe.toString()).as("a recipe that is logged").doesNotContain("s3cr3t").contains("token=");
    }

    @Test
    void aSecretWithoutAValueIsAProblemAtItsKey() {
        // when
        RecipeException e = catchThrowableOfType(RecipeException.class,
                () -> RecipeLoader.parse(recipe("  token: {secret: true}"), "r.yaml", Map.of()));

        // then
        assertThat(e.report()).isEqualTo("r.yaml:4:3: variables.token: the secret variable 'token' has no value;"
                + " give it on the command line: --var token=VALUE");
    }

    @Test
    void onlySecretTrueIsAllowedInAVariablesMapping() {
        // when
        RecipeException e = catchThrowableOfType(RecipeException.class,
                () -> RecipeLoader.parse(recipe("  token: {secret: false, default: x}"), "r.yaml", Map.of()));

        // then
        assertThat(e.report()).contains("r.yaml:4:26: variables.token.default: unknown key 'default'")
                .contains("r.yaml:4:19: variables.token.secret: expected 'true'");
    }

    @Test
    void theRedactorReplacesEverySecretValueLongestFirst() {
        Redactor redactor = Redactor.of(Map.of("a", "abc", "b", "abcdef", "empty", ""));
        assertThat(redactor.redact("x abcdef y abc z")).isEqualTo("x [secret b] y [secret a] z");
        assertThat(Redactor.NONE.redact("abc")).isEqualTo("abc");
    }
}
