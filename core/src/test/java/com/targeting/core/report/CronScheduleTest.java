package com.targeting.core.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import java.time.LocalDate;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The days the programs' schedules fire on, which decide whether a program without a run is missing. */
class CronScheduleTest {
  private static final LocalDate MONDAY = LocalDate.of(2026, 11, 16);

  private static List<LocalDate> daysOfNovember2026(String expression) {
    CronSchedule schedule = CronSchedule.parse(expression, "test");
    return Stream.iterate(LocalDate.of(2026, 11, 1), d -> d.plusDays(1)).limit(30).filter(schedule::runsOn).toList();
  }

  @Test
  void theProgramsSchedulesFireOnTheirDays() {
    // investment-recommendations: daily at 06:00; loan-offer-targeting and promotion-uplift: Mondays;
    // engagement-prediction: Sundays.
    assertThat(daysOfNovember2026("cron(0 6 * * ? *)")).hasSize(30);
    assertThat(daysOfNovember2026("cron(0 2 ? * MON *)"))
        .containsExactly(LocalDate.of(2026, 11, 2), LocalDate.of(2026, 11, 9), MONDAY, LocalDate.of(2026, 11, 23),
            LocalDate.of(2026, 11, 30));
    // Retraining on the first Monday of the month; 1 is Sunday in EventBridge's numbering.
    assertThat(daysOfNovember2026("cron(0 3 ? * MON#1 *)")).containsExactly(LocalDate.of(2026, 11, 2));
    assertThat(daysOfNovember2026("cron(0 3 ? * 1 *)")).allMatch(d -> d.getDayOfWeek() == java.time.DayOfWeek.SUNDAY).hasSize(5);
    assertThat(daysOfNovember2026("cron(0 3 ? * 2-6 *)")).hasSize(21);
    assertThat(daysOfNovember2026("cron(0 3 L * ? *)")).containsExactly(LocalDate.of(2026, 11, 30));
    assertThat(daysOfNovember2026("cron(0 3 1,15 * ? *)")).containsExactly(LocalDate.of(2026, 11, 1), LocalDate.of(2026, 11, 15));
    assertThat(daysOfNovember2026("cron(0 3 1/10 * ? *)"))
        .containsExactly(LocalDate.of(2026, 11, 1), LocalDate.of(2026, 11, 11), LocalDate.of(2026, 11, 21));
    assertThat(daysOfNovember2026("cron(0 3 ? * 5L *)")).containsExactly(LocalDate.of(2026, 11, 26));
    assertThat(daysOfNovember2026("cron(0 3 * DEC ? *)")).isEmpty();
    assertThat(daysOfNovember2026("cron(0 3 * * ? 2027)")).isEmpty();
    assertThat(daysOfNovember2026("rate(1 day)")).hasSize(30);
  }

  private static List<LocalDate> daysOfNovember2026Standard(String cron) {
    CronSchedule schedule = CronSchedule.parseStandard(cron, "test");
    return Stream.iterate(LocalDate.of(2026, 11, 1), d -> d.plusDays(1)).limit(30).filter(schedule::runsOn).toList();
  }

  @Test
  void theStandardCronOfSchedulesJsonFiresOnTheSameDaysAsItsEventBridgeForm() {
    assertThat(daysOfNovember2026Standard("0 6 * * *")).isEqualTo(daysOfNovember2026("cron(0 6 * * ? *)"));
    assertThat(daysOfNovember2026Standard("0 2 * * MON")).isEqualTo(daysOfNovember2026("cron(0 2 ? * MON *)"));
    assertThat(daysOfNovember2026Standard("0 5 * * SUN")).isEqualTo(daysOfNovember2026("cron(0 5 ? * SUN *)"))
        .containsExactly(LocalDate.of(2026, 11, 1), LocalDate.of(2026, 11, 8), LocalDate.of(2026, 11, 15),
            LocalDate.of(2026, 11, 22), LocalDate.of(2026, 11, 29));
    assertThat(daysOfNovember2026Standard("0 3 * * MON#1")).containsExactly(LocalDate.of(2026, 11, 2));
    // Retraining engagement-prediction on Sundays at 03:00, the same days as its 05:00 run.
    assertThat(daysOfNovember2026Standard("0 3 * * SUN")).isEqualTo(daysOfNovember2026("cron(0 3 ? * SUN *)"))
        .isEqualTo(daysOfNovember2026Standard("0 5 * * SUN"));
    // Standard cron counts Sunday as 0 (and 7); EventBridge as 1.
    assertThat(daysOfNovember2026Standard("0 3 * * 0")).isEqualTo(daysOfNovember2026("cron(0 3 ? * 1 *)"));
    assertThat(daysOfNovember2026Standard("0 3 * * 7")).isEqualTo(daysOfNovember2026("cron(0 3 ? * 1 *)"));
    assertThat(daysOfNovember2026Standard("0 3 * * 1-5")).hasSize(21).noneMatch(d -> d.getDayOfWeek().getValue() > 5);
    assertThat(daysOfNovember2026Standard("0 3 1,15 * *")).containsExactly(LocalDate.of(2026, 11, 1), LocalDate.of(2026, 11, 15));
    assertThatThrownBy(() -> CronSchedule.parseStandard("0 3 1 * MON", "conf/schedules.json, schedule of p"))
        .hasMessage("Invalid schedule at conf/schedules.json, schedule of p: '0 3 1 * MON' restricts both day-of-month and "
            + "day-of-week, which EventBridge cannot express");
    assertThatThrownBy(() -> CronSchedule.parseStandard("cron(0 6 * * ? *)", "here"))
        .hasMessage("Invalid schedule at here: 'cron(0 6 * * ? *)' has 6 fields, expected 5 (minute hour day-of-month month day-of-week)");
  }

  @Test
  void whatItCannotReadIsAnErrorNamingTheSetting() {
    assertThatThrownBy(() -> CronSchedule.parse("cron(0 6 * * ?)", "conf/programs/x.conf: 9, program.schedule"))
        .isInstanceOf(TargetingException.class)
        .hasMessage("Invalid schedule at conf/programs/x.conf: 9, program.schedule: 'cron(0 6 * * ?)' has 5 fields, "
            + "expected 6 (minutes hours day-of-month month day-of-week year)");
    assertThatThrownBy(() -> CronSchedule.parse("cron(0 6 15W * ? *)", "here"))
        .hasMessage("Invalid schedule at here: 'cron(0 6 15W * ? *)': W (nearest weekday) in day-of-month is not supported");
    assertThatThrownBy(() -> CronSchedule.parse("cron(0 6 ? * FUNDAY *)", "here"))
        .hasMessage("Invalid schedule at here: 'cron(0 6 ? * FUNDAY *)': 'FUNDAY' is not a value between 1 and 7");
    assertThatThrownBy(() -> CronSchedule.parse("0 6 * * *", "here"))
        .hasMessage("Invalid schedule at here: '0 6 * * *' is neither cron(...) nor rate(...)");
  }
}
