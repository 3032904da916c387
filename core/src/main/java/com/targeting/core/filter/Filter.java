package com.targeting.core.filter;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.apache.spark.sql.Column;

/**
 * One eligibility filter of a program: an id and the checks a row must pass to stay. A filter
 * only describes; the {@link FilterChain} evaluates all filters in one pass and does the
 * counting.
 */
public interface Filter {
  /** A check of a filter: rows where {@code passes} is false or null are removed with {@code reason}. */
  record Check(String reason, Column passes) {
    public Check {
      requireNonNull(reason, "reason is null");
      requireNonNull(passes, "passes is null");
    }
  }

  String id();

  /** The checks in order; a row failing several is attributed to the first. */
  List<Check> checks();
}
