package com.targeting.core.config;

import com.targeting.core.TargetingException;
import com.typesafe.config.Config;
import java.time.LocalDate;
import java.util.List;

/**
 * The dates a run may be for: from {@code run.max-days-back} days before today to {@code
 * run.max-days-ahead} days after it (UTC; defaults 3650 and 7 in reference.conf). A date outside
 * is a typo ({@code --run-date 9999-12-31}), and would name partitions and TTLs no reader expects.
 *
 * @param maxDaysAhead days after today (UTC) a run date may lie, 0 or more
 * @param maxDaysBack days before today (UTC) a run date may lie, 0 or more
 */
public record RunWindow(long maxDaysAhead, long maxDaysBack) {

  /**
   * Reads the window from {@code run} in {@code config}, and refuses a key under {@code run} that
   * nothing reads.
   *
   * @throws TargetingException a user error for a negative window or an unknown {@code run.*} key
   */
  public static RunWindow from(Config config) {
    ConfigNode root = ConfigNode.root(config);
    long ahead = root.longValue("run.max-days-ahead", 7);
    long back = root.longValue("run.max-days-back", 3650);
    if (ahead < 0) {
      throw root.invalid("run.max-days-ahead", "must be 0 or more, was " + ahead);
    }
    if (back < 0) {
      throw root.invalid("run.max-days-back", "must be 0 or more, was " + back);
    }
    // Set by the job from its arguments: read here so that only a mistyped run.* key is refused.
    root.has("run.date");
    root.has("run.id");
    root.refuseUnread(List.of("run"));
    return new RunWindow(ahead, back);
  }

  /**
   * Checks {@code date}, given as {@code argument} ({@code --run-date}), against the window of
   * {@code config}, and refuses a key under {@code run} that nothing reads.
   *
   * @throws TargetingException a user error naming the argument, the date and the window (with the
   *     config keys that set it); or for a negative window or an unknown {@code run.*} key
   */
  public static void check(Config config, String argument, LocalDate date, LocalDate today) {
    from(config).check(argument, date, today);
  }

  /**
   * Checks {@code date}, given as {@code argument}, against this window around {@code today}.
   *
   * @throws TargetingException a user error naming the argument, the date and the window
   */
  public void check(String argument, LocalDate date, LocalDate today) {
    LocalDate earliest = today.minusDays(maxDaysBack);
    LocalDate latest = today.plusDays(maxDaysAhead);
    if (date.isBefore(earliest) || date.isAfter(latest)) {
      throw TargetingException.userError(
          "Invalid %s %s: outside the run window %s to %s (today %s UTC, minus run.max-days-back = %d, plus run.max-days-ahead = %d)",
          argument, date, earliest, latest, today, maxDaysBack, maxDaysAhead);
    }
  }
}
