package io.amibake.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScheduleRecipeTest {

    private static final String BASE = """
            name: web
            source:
              region: us-east-1
              ami: ami-0123456789abcdef0
            build:
              instanceType: t3.micro
            image:
              name: "{{recipe}}-{{date}}"
            """;

    @Test
    void everyScheduleKeyArrivesInTheRecord() throws RecipeException {
        // when
        Recipe recipe = RecipeLoader.load(Path.of("src/test/resources/valid/scheduled.yaml"), Map.of());

        // then
        assertThat(recipe.schedule()).isEqualTo(new Schedule("0 2 * * *", ZoneId.of("Europe/Berlin"),
                Schedule.SOURCE_CHANGED, 5));
    }

    @Test
    void onlyTheCronIsRequired() throws RecipeException {
        // when
        Recipe recipe = RecipeLoader.parse(BASE + "schedule:\n  cron: '*/2 * * * * *'\n", "r.yaml", Map.of());

        // then
        assertThat(recipe.schedule()).isEqualTo(new Schedule("*/2 * * * * *", ZoneId.of("UTC"), Schedule.ALWAYS,
                Schedule.DEFAULT_PAUSE_AFTER));
    }

    @Test
    void aRecipeWithoutTheSectionIsNotScheduled() throws RecipeException {
        assertThat(RecipeLoader.parse(BASE, "r.yaml", Map.of()).schedule()).isNull();
    }

    @Test
    void fiveFieldsAreMinutesFirstInTheZone() {
        // given
        Schedule nightly = new Schedule("0 2 * * *", ZoneId.of("Europe/Berlin"), Schedule.ALWAYS, 3);

        // when
        ZonedDateTime next = nightly.next(ZonedDateTime.parse("2026-07-01T12:00:00Z"));

        // then: 02:00 in Berlin summer time is midnight UTC
        assertThat(next.toInstant()).hasToString("2026-07-02T00:00:00Z");
    }

    @Test
    void everyWrongValueIsReportedWithItsLineAndColumn() {
        // given
        String yaml = BASE + """
                schedule:
                  cron: "0 25 * * *"
                  zone: Europe/Berln
                  when: sometimes
                  pauseAfter: 0
                """;

        // when / then
        assertThatThrownBy(() -> RecipeLoader.parse(yaml, "r.yaml", Map.of()))
                .isInstanceOfSatisfying(RecipeException.class, e -> assertThat(e.problems())
                        .extracting(Problem::format)
                        .containsExactly(
                                "r.yaml:10:9: schedule.cron: expected a cron expression such as '0 2 * * *' (02:00"
                                        + " every day) or '*/30 * * * * *' (seconds first), found '0 25 * * *': "
                                        + "Invalid value for HourOfDay (valid values 0 - 23): 25 '25'",
                                "r.yaml:11:9: schedule.zone: unknown time zone 'Europe/Berln'; did you mean"
                                        + " 'Europe/Berlin'?",
                                "r.yaml:12:9: schedule.when: expected one of always, sourceChanged, found 'sometimes'",
                                "r.yaml:13:15: schedule.pauseAfter: expected 1 to 100 failed slots, found 0"));
    }

    @Test
    void aCronOfSevenFieldsSaysHowManyItExpects() {
        assertThatThrownBy(() -> RecipeLoader.parse(BASE + "schedule: {cron: '0 0 2 * * * 2026'}\n", "r.yaml",
                Map.of()))
                .isInstanceOfSatisfying(RecipeException.class, e -> assertThat(e.problems().get(0).format())
                        .startsWith("r.yaml:9:18: schedule.cron: ")
                        .endsWith("expected 5 fields (minute hour day month weekday) or 6 (seconds first), found 7"));
    }

    @Test
    void aCronThatNeverComesIsRejectedAtValidate() {
        assertThatThrownBy(() -> RecipeLoader.parse(BASE + "schedule: {cron: '0 2 30 2 *'}\n", "r.yaml", Map.of()))
                .isInstanceOfSatisfying(RecipeException.class, e -> assertThat(e.problems().get(0).format())
                        .isEqualTo("r.yaml:9:18: schedule.cron: '0 2 30 2 *' never comes: no date matches its day"
                                + " and month (February has no 30th, say); check the day and month fields"));
    }

    @ParameterizedTest(name = "{0} {1} on the night of {2}")
    @CsvSource({
            // zone, cron, the day before, the slots of the next three nights (instants)
            "Europe/Berlin, 0 2 * * *, 2026-03-28, 2026-03-28T01:00:00Z 2026-03-29T01:00:00Z 2026-03-30T00:00:00Z",
            "Europe/Berlin, 30 2 * * *, 2026-03-28, 2026-03-28T01:30:00Z 2026-03-29T01:30:00Z 2026-03-30T00:30:00Z",
            "Europe/Berlin, 0 2 * * *, 2026-10-24, 2026-10-24T00:00:00Z 2026-10-25T00:00:00Z 2026-10-26T01:00:00Z",
            "Europe/Berlin, 30 2 * * *, 2026-10-24, 2026-10-24T00:30:00Z 2026-10-25T00:30:00Z 2026-10-26T01:30:00Z",
            "America/New_York, 0 2 * * *, 2026-03-07, 2026-03-07T07:00:00Z 2026-03-08T07:00:00Z 2026-03-09T06:00:00Z",
            "America/New_York, 30 2 * * *, 2026-03-07, 2026-03-07T07:30:00Z 2026-03-08T07:30:00Z 2026-03-09T06:30:00Z",
            "America/New_York, 30 1 * * *, 2026-10-31, 2026-10-31T05:30:00Z 2026-11-01T05:30:00Z 2026-11-02T06:30:00Z",
            "America/New_York, */20 1 * * *, 2026-10-31, 2026-10-31T05:00:00Z 2026-10-31T05:20:00Z 2026-10-31T05:40:00Z"
                    + " 2026-11-01T05:00:00Z 2026-11-01T05:20:00Z 2026-11-01T05:40:00Z 2026-11-02T06:00:00Z",
            "Europe/Berlin, */20 2 * * *, 2026-03-28, 2026-03-28T01:00:00Z 2026-03-28T01:20:00Z 2026-03-28T01:40:00Z"
                    + " 2026-03-29T01:00:00Z 2026-03-29T01:20:00Z 2026-03-29T01:40:00Z 2026-03-30T00:00:00Z"})
    void aSlotInTheSpringGapRunsOnceShiftedAndOneInTheRepeatedHourOnce(String zone, String cron, String dayBefore,
                                                                       String slots) {
        // given
        Schedule schedule = new Schedule(cron, ZoneId.of(zone), Schedule.ALWAYS, 3);
        ZonedDateTime at = java.time.LocalDate.parse(dayBefore).atStartOfDay(ZoneId.of(zone));
        java.util.List<String> expected = java.util.List.of(slots.split(" "));

        // when
        java.util.List<String> found = new java.util.ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            at = schedule.next(at);
            found.add(at.toInstant().toString());
        }

        // then
        assertThat(found).containsExactlyElementsOf(expected);
    }
}
