package io.amibake.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file under {@code src/test/resources/invalid} is a broken recipe whose header says what
 * the loader must answer, one problem per line:
 * {@code # expect: LINE:COLUMN PATH | TEXT}, where PATH is {@code -} for the whole document
 * and TEXT must appear in the problem's message and suggestion ({@code message; suggestion}).
 * The loader must report exactly these problems, no more.
 */
class InvalidRecipeCorpusTest {

    private static final Path CORPUS = Path.of("src/test/resources/invalid");
    private static final Pattern EXPECT = Pattern.compile("^# expect: (\\d+):(\\d+) (\\S+) \\| (.+)$");

    record Expected(int line, int column, String path, String text) {
        boolean matches(Problem problem) {
            String said = problem.message() + (problem.suggestion() == null ? "" : "; " + problem.suggestion());
            return problem.line() == line && problem.column() == column && problem.path().equals(path)
                    && said.contains(text);
        }
    }

    static Stream<Path> corpus() throws IOException {
        try (Stream<Path> files = Files.list(CORPUS)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @Test
    void theCorpusHasAtLeastFortyRecipes() throws IOException {
        // when / then
        assertThat(corpus().count()).isGreaterThanOrEqualTo(40);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void eachInvalidRecipeGetsExactlyTheProblemsItsHeaderExpects(Path file) throws IOException {
        // given
        List<Expected> expected = expectations(file);
        assertThat(expected).as("expectations in %s", file).isNotEmpty();

        // when
        RecipeException thrown = catchThrowableOfType(RecipeException.class,
                () -> RecipeLoader.load(file, Map.of()));

        // then
        assertThat(thrown).as("%s must be rejected", file).isNotNull();
        assertThat(thrown.problems()).as(thrown.report()).hasSize(expected.size());
        for (Expected each : expected) {
            assertThat(thrown.problems()).as("%s%nactual report:%n%s", each, thrown.report())
                    .anyMatch(each::matches);
        }
        assertThat(thrown.problems()).allMatch(p -> p.file().equals(file.toString()));
    }

    private static List<Expected> expectations(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .map(EXPECT::matcher)
                .filter(Matcher::matches)
                .map(m -> new Expected(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                        m.group(3).equals("-") ? "" : m.group(3), m.group(4)))
                .toList();
    }
}
