package com.targeting.core.report;

import static java.util.Objects.requireNonNull;

import com.targeting.core.TargetingException;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The days a program runs on, from its EventBridge schedule expression ({@code program.schedule}):
 * {@code cron(minutes hours day-of-month month day-of-week year)} or {@code rate(...)}. Only the
 * date fields matter here (a daily report asks "was this program due on this date?").
 *
 * <p>Rules are EventBridge's (Amazon EventBridge Scheduler user guide, "Cron expressions"):
 * day-of-week 1-7 is SUN-SAT; {@code ?} and {@code *} match every value; lists ({@code ,}),
 * ranges ({@code -}) and increments ({@code /}); {@code L} in day-of-month is the month's last day,
 * {@code L} in day-of-week is SAT (7), {@code 5L} the month's last Thursday, {@code MON#1} the
 * first Monday. {@code W} (nearest weekday) is refused: no program uses it and guessing would be
 * wrong. A {@code rate(...)} expression runs every day.
 */
public final class CronSchedule {
  private static final Pattern CRON = Pattern.compile("cron\\((.*)\\)");
  private static final Map<String, Integer> MONTHS = Map.ofEntries(
      Map.entry("JAN", 1), Map.entry("FEB", 2), Map.entry("MAR", 3), Map.entry("APR", 4), Map.entry("MAY", 5),
      Map.entry("JUN", 6), Map.entry("JUL", 7), Map.entry("AUG", 8), Map.entry("SEP", 9), Map.entry("OCT", 10),
      Map.entry("NOV", 11), Map.entry("DEC", 12));
  private static final Map<String, Integer> DAYS = Map.of(
      "SUN", 1, "MON", 2, "TUE", 3, "WED", 4, "THU", 5, "FRI", 6, "SAT", 7);

  /** A day number of standard cron's day-of-week (not the n of {@code MON#n} nor a step). */
  private static final Pattern STANDARD_DAY_NUMBER = Pattern.compile("(?<![#/\\d])\\d+");

  private final String expression;
  private final DateField dayOfMonth;
  private final BitSet months;
  private final DateField dayOfWeek;
  private final String years;

  private CronSchedule(String expression, DateField dayOfMonth, BitSet months, DateField dayOfWeek, String years) {
    this.expression = requireNonNull(expression, "expression is null");
    this.dayOfMonth = dayOfMonth;
    this.months = months;
    this.dayOfWeek = dayOfWeek;
    this.years = years;
  }

  /**
   * @param where names the setting in error messages (file and path)
   * @throws TargetingException (user error) naming {@code where} when the expression is not one
   *     this class reads
   */
  public static CronSchedule parse(String expression, String where) {
    String trimmed = expression.strip();
    if (trimmed.startsWith("rate(")) {
      return new CronSchedule(trimmed, null, null, null, "*");
    }
    Matcher matcher = CRON.matcher(trimmed);
    if (!matcher.matches()) {
      throw TargetingException.userError("Invalid schedule at %s: '%s' is neither cron(...) nor rate(...)", where, expression);
    }
    String[] fields = matcher.group(1).strip().split("\\s+");
    if (fields.length != 6) {
      throw TargetingException.userError(
          "Invalid schedule at %s: '%s' has %d fields, expected 6 (minutes hours day-of-month month day-of-week year)",
          where, expression, fields.length);
    }
    try {
      return new CronSchedule(trimmed, DateField.dayOfMonth(fields[2]), values(fields[3], 1, 12, MONTHS),
          DateField.dayOfWeek(fields[4]), fields[5]);
    } catch (IllegalArgumentException e) {
      throw TargetingException.userError("Invalid schedule at %s: '%s': %s", where, expression, e.getMessage());
    }
  }

  /**
   * A schedule of {@code conf/schedules.json}: the 5-field cron Airflow reads ({@code minute hour
   * day-of-month month day-of-week}, day-of-week 0-7 with 0 and 7 Sunday, or names), read as the
   * EventBridge expression it is mechanically translated to (the day field left unrestricted
   * becomes {@code ?}; EventBridge cannot restrict both, which standard cron ORs, so that is refused).
   *
   * @throws TargetingException (user error) naming {@code where} when it is not such a cron
   */
  public static CronSchedule parseStandard(String cron, String where) {
    String[] fields = cron.strip().split("\\s+");
    if (fields.length != 5) {
      throw TargetingException.userError(
          "Invalid schedule at %s: '%s' has %d fields, expected 5 (minute hour day-of-month month day-of-week)",
          where, cron, fields.length);
    }
    String dayOfMonth = fields[2];
    String dayOfWeek = STANDARD_DAY_NUMBER.matcher(fields[4]).replaceAll(match -> String.valueOf(Integer.parseInt(match.group()) % 7 + 1));
    if (dayOfWeek.equals("*")) {
      dayOfWeek = "?";
    } else if (dayOfMonth.equals("*")) {
      dayOfMonth = "?";
    } else {
      throw TargetingException.userError(
          "Invalid schedule at %s: '%s' restricts both day-of-month and day-of-week, which EventBridge cannot express", where, cron);
    }
    return parse("cron(" + String.join(" ", fields[0], fields[1], dayOfMonth, fields[3], dayOfWeek, "*") + ")", where);
  }

  /** True when the schedule fires at some time of {@code date} (UTC). */
  public boolean runsOn(LocalDate date) {
    if (dayOfMonth == null) {
      return true; // rate(...)
    }
    if (!months.get(date.getMonthValue()) || !yearMatches(date.getYear())) {
      return false;
    }
    return dayOfMonth.matches(date) && dayOfWeek.matches(date);
  }

  public String expression() {
    return expression;
  }

  private boolean yearMatches(int year) {
    if (years.equals("*") || years.equals("?")) {
      return true;
    }
    return values(years, 1970, 2199, Map.of()).get(year);
  }

  /** A list of values, ranges and increments over {@code min..max}, names allowed. */
  private static BitSet values(String field, int min, int max, Map<String, Integer> names) {
    BitSet set = new BitSet(max + 1);
    for (String part : field.split(",")) {
      int step = 1;
      String range = part;
      int slash = part.indexOf('/');
      if (slash >= 0) {
        step = number(part.substring(slash + 1), 1, max, Map.of());
        range = part.substring(0, slash);
      }
      int from;
      int to;
      if (range.equals("*") || range.equals("?")) {
        from = min;
        to = max;
      } else if (range.contains("-")) {
        String[] ends = range.split("-", 2);
        from = number(ends[0], min, max, names);
        to = number(ends[1], min, max, names);
      } else {
        from = number(range, min, max, names);
        to = slash >= 0 ? max : from;
      }
      if (from > to) {
        throw new IllegalArgumentException("range " + range + " runs backwards");
      }
      for (int value = from; value <= to; value += step) {
        set.set(value);
      }
    }
    return set;
  }

  private static int number(String text, int min, int max, Map<String, Integer> names) {
    Integer named = names.get(text.toUpperCase(Locale.ROOT));
    int value;
    if (named != null) {
      value = named;
    } else {
      try {
        value = Integer.parseInt(text);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + text + "' is not a value between " + min + " and " + max);
      }
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException(value + " is outside " + min + "-" + max);
    }
    return value;
  }

  /** Day-of-month or day-of-week: a set of values or one of the special forms. */
  private record DateField(BitSet set, boolean lastDayOfMonth, DayOfWeek lastWeekday, DayOfWeek nthWeekday, int nth,
      boolean isDayOfWeek) {

    static DateField dayOfMonth(String field) {
      if (field.contains("W")) {
        throw new IllegalArgumentException("W (nearest weekday) in day-of-month is not supported");
      }
      if (field.equals("L")) {
        return new DateField(null, true, null, null, 0, false);
      }
      return new DateField(values(field, 1, 31, Map.of()), false, null, null, 0, false);
    }

    static DateField dayOfWeek(String field) {
      String upper = field.toUpperCase(Locale.ROOT);
      if (upper.contains("#")) {
        String[] parts = upper.split("#", 2);
        int nth = number(parts[1], 1, 5, Map.of());
        return new DateField(null, false, null, weekday(number(parts[0], 1, 7, DAYS)), nth, true);
      }
      if (upper.equals("L")) {
        return new DateField(values("7", 1, 7, DAYS), false, null, null, 0, true);
      }
      if (upper.endsWith("L")) {
        return new DateField(null, false, weekday(number(upper.substring(0, upper.length() - 1), 1, 7, DAYS)), null, 0, true);
      }
      return new DateField(values(upper, 1, 7, DAYS), false, null, null, 0, true);
    }

    /** EventBridge numbers days 1 (SUN) to 7 (SAT). */
    private static DayOfWeek weekday(int cronDay) {
      return List.of(DayOfWeek.SUNDAY, DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY, DayOfWeek.THURSDAY,
          DayOfWeek.FRIDAY, DayOfWeek.SATURDAY).get(cronDay - 1);
    }

    boolean matches(LocalDate date) {
      if (lastDayOfMonth) {
        return date.equals(date.with(TemporalAdjusters.lastDayOfMonth()));
      }
      if (lastWeekday != null) {
        return date.equals(date.with(TemporalAdjusters.lastInMonth(lastWeekday)));
      }
      if (nthWeekday != null) {
        return date.equals(date.with(TemporalAdjusters.dayOfWeekInMonth(nth, nthWeekday)));
      }
      int value = isDayOfWeek ? date.getDayOfWeek().getValue() % 7 + 1 : date.getDayOfMonth();
      return set.get(value);
    }
  }
}
